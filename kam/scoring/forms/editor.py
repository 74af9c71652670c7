"""The scorecard editor as a whole: its settings form and its criterion and tier-rule
formsets, and how what they hold becomes a validated definition, with each problem of the
scorecard rules put back next to the field it names.

The forms only turn what people typed into a
:class:`kam.domain.scorecard.ScorecardDefinition`; whether that definition is a valid
scorecard is decided by :func:`kam.domain.scorecard.scorecard_validate`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from django import forms

from kam.domain.features import FEATURES
from kam.domain.scorecard import (
    ScorecardDefinition,
    ScorecardInvalid,
    ScoringLevel,
    scorecard_validate,
)
from kam.scoring.forms.editor_rows import (
    CriterionForm,
    ScorecardSettingsForm,
    TierRuleForm,
    criterion_initial,
    tier_rule_initial,
)
from kam.scoring.forms.parsing import plain_decimal

CriterionFormSet = forms.formset_factory(
    CriterionForm, extra=1, can_delete=True, max_num=40, validate_max=True
)
TierRuleFormSet = forms.formset_factory(
    TierRuleForm, extra=1, can_delete=True, max_num=10, validate_max=True
)


@dataclass
class ScorecardEditor:
    """The editor's forms, bound or not, and what they make: the definition when every
    form and the scorecard rules accept it, else the problems, each next to its field
    where it names one (``general`` for the others)."""

    settings: ScorecardSettingsForm
    criteria: Any  # a CriterionFormSet
    tier_rules: Any  # a TierRuleFormSet
    definition: ScorecardDefinition | None = None
    general: list[str] = field(default_factory=list)
    weights_error: str = ""
    weight_sum: float = 0.0

    @property
    def forms(self) -> list[forms.Form]:
        return [self.settings, *self.criteria.forms, *self.tier_rules.forms]

    @property
    def weights_errors(self) -> list[str]:
        return [self.weights_error] if self.weights_error else []


def editor_forms(definition: ScorecardDefinition, data: Any = None) -> ScorecardEditor:
    """The editor for ``definition`` (initial values), bound to ``data`` when given."""
    settings = ScorecardSettingsForm(
        data,
        prefix="settings",
        initial={
            "level": str(definition.level),
            "abc_a": plain_decimal(definition.abc_a * 100),
            "abc_b": plain_decimal(definition.abc_b * 100),
            "default_tier": definition.default_tier,
            "attractiveness": list(definition.attractiveness),
        },
    )
    criteria = CriterionFormSet(
        data, initial=[criterion_initial(c) for c in definition.criteria], prefix="criteria"
    )
    tier_rules = TierRuleFormSet(
        data, initial=[tier_rule_initial(r) for r in definition.tier_rules], prefix="rules"
    )
    return ScorecardEditor(settings=settings, criteria=criteria, tier_rules=tier_rules)


_PROBLEM_FIELD = re.compile(r"^(criteria|tier_rules)\[(\d+)\](?:\.(\w+))?$")


def editor_definition(editor: ScorecardEditor) -> ScorecardEditor:
    """Validate the bound editor: each form, then the definition they make against the
    scorecard rules. Sets ``editor.definition`` when all is well; otherwise every problem
    is added to the form and field it names."""
    valid = all(
        [editor.settings.is_valid(), editor.criteria.is_valid(), editor.tier_rules.is_valid()]
    )
    editor.general.extend(str(e) for e in editor.criteria.non_form_errors())
    editor.general.extend(str(e) for e in editor.tier_rules.non_form_errors())
    kept_criteria = [
        f for f in editor.criteria.forms if f.is_valid() and not f.is_blank and not _deleted(f)
    ]
    editor.weight_sum = float(sum(f.cleaned_data["weight"] for f in kept_criteria))
    if not valid:
        return editor
    kept_rules = [
        f for f in editor.tier_rules.forms if f.is_valid() and not f.is_blank and not _deleted(f)
    ]
    data = editor.settings.cleaned_data
    definition = ScorecardDefinition(
        criteria=tuple(f.criterion() for f in kept_criteria),
        level=ScoringLevel(data["level"]),
        abc_a=float(data["abc_a"]) / 100,
        abc_b=float(data["abc_b"]) / 100,
        tier_rules=tuple(f.rule() for f in kept_rules),
        default_tier=data["default_tier"],
        attractiveness=tuple(data.get("attractiveness") or ()),
    )
    try:
        scorecard_validate(definition, features=FEATURES)
    except ScorecardInvalid as invalid:
        targets = {"criteria": kept_criteria, "tier_rules": kept_rules}
        for problem in invalid.problems:
            _place_problem(editor, targets, problem.field, problem.message)
        return editor
    editor.definition = definition
    return editor


def _deleted(form: forms.Form) -> bool:
    return bool(form.cleaned_data.get("DELETE"))


def _place_problem(
    editor: ScorecardEditor, targets: dict[str, list[Any]], name: str, message: str
) -> None:
    """Put one problem of the scorecard rules next to the field it names: a criterion's
    or tier rule's field (``criteria[2].bands``), the whole row (``criteria[2]``), the sum
    of the weights, or a setting (``abc_a``, ``attractiveness[1]``)."""
    match = _PROBLEM_FIELD.match(name)
    if match:
        group, index, field_name = match.group(1), int(match.group(2)), match.group(3)
        rows = targets[group]
        if index < len(rows):
            rows[index].add_error(field_name if field_name in rows[index].fields else None, message)
            return
    if name == "weights":
        editor.weights_error = message
        return
    setting = re.sub(r"\[\d+\]$", "", name)
    if setting in editor.settings.fields:
        editor.settings.add_error(setting, message)
        return
    editor.general.append(f"{name}: {message}" if name else message)
