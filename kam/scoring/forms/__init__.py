"""Forms of the scoring pages: the key-accounts filters (:mod:`.filters`), the tier
override (:mod:`.overrides`), the "score now" form (:mod:`.runs`) and the scorecard
editor (:mod:`.editor`, its rows in :mod:`.editor_rows`, the text it reads in
:mod:`.parsing`).

The editor's forms only turn what people typed into a
:class:`kam.domain.scorecard.ScorecardDefinition`; whether that definition is a valid
scorecard is decided by :func:`kam.domain.scorecard.scorecard_validate`, whose problems
are put back next to the fields they name (:func:`editor_definition`).

The names people read (features, tiers, quadrants) live in :mod:`kam.scoring.labels`;
they are re-exported here for the modules that still read them from the forms.
"""

from kam.scoring.forms.editor import (
    CriterionFormSet,
    ScorecardEditor,
    TierRuleFormSet,
    editor_definition,
    editor_forms,
)
from kam.scoring.forms.editor_rows import (
    CriterionForm,
    NewScorecardForm,
    ScorecardSettingsForm,
    TierRuleForm,
    criterion_initial,
    tier_rule_initial,
)
from kam.scoring.forms.filters import DEFAULT_TIER, ORDERINGS, KeyAccountFilterSet
from kam.scoring.forms.overrides import TierOverrideForm
from kam.scoring.forms.parsing import parse_categories, parse_numbers, plain_decimal
from kam.scoring.forms.runs import BacktestForm, ScoreRunForm
from kam.scoring.labels import (
    ABC_CHOICES,
    DIRECTION_LABELS,
    FEATURE_LABELS,
    MISSING_LABELS,
    NORMALISATION_LABELS,
    QUADRANT_LABELS,
    TIER_LABELS,
    feature_label,
    quadrant_label,
    tier_label,
)

__all__ = [
    "ABC_CHOICES",
    "DEFAULT_TIER",
    "DIRECTION_LABELS",
    "FEATURE_LABELS",
    "MISSING_LABELS",
    "NORMALISATION_LABELS",
    "ORDERINGS",
    "QUADRANT_LABELS",
    "TIER_LABELS",
    "BacktestForm",
    "CriterionForm",
    "CriterionFormSet",
    "KeyAccountFilterSet",
    "NewScorecardForm",
    "ScoreRunForm",
    "ScorecardEditor",
    "ScorecardSettingsForm",
    "TierOverrideForm",
    "TierRuleForm",
    "TierRuleFormSet",
    "criterion_initial",
    "editor_definition",
    "editor_forms",
    "feature_label",
    "parse_categories",
    "parse_numbers",
    "plain_decimal",
    "quadrant_label",
    "tier_label",
    "tier_rule_initial",
]
