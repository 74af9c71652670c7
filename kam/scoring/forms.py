"""Forms of the scoring pages: the key-accounts filters, the tier override, the "score
now" form and the scorecard editor (criteria rows, tier rules, settings).

The editor's forms only turn what people typed into a
:class:`kam.domain.scorecard.ScorecardDefinition`; whether that definition is a valid
scorecard is decided by :func:`kam.domain.scorecard.scorecard_validate`, whose problems
are put back next to the fields they name (:func:`editor_definition`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

import django_filters
from django import forms
from django.db.models import F, Q, QuerySet
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kam.domain.features import FEATURES
from kam.domain.scorecard import (
    Criterion,
    Direction,
    MissingPolicy,
    Normalisation,
    ScorecardDefinition,
    ScorecardInvalid,
    ScoringLevel,
    TierRule,
    scorecard_validate,
)
from kam.scoring.models import AccountScore, Scorecard

# -- labels people read ------------------------------------------------------------------

# The feature catalogue's labels are English; these are the same words, translated.
FEATURE_LABELS: dict[str, Promise] = {
    "revenue_12m": _("Revenue, last 12 months"),
    "revenue_prev_12m": _("Revenue, previous 12 months"),
    "avg_monthly_revenue": _("Average monthly revenue"),
    "growth": _("Revenue growth"),
    "orders_12m": _("Orders, last 12 months"),
    "quantity_12m": _("Quantity, last 12 months"),
    "margin_12m": _("Margin, last 12 months"),
    "margin_rate": _("Margin rate"),
    "product_breadth": _("Products bought"),
    "category_breadth": _("Product categories bought"),
    "active_months_12m": _("Months with purchases"),
    "recency_days": _("Days since last order"),
    "relationship_months": _("Relationship length"),
    "share_of_wallet": _("Share of wallet"),
    "employees": _("Employees"),
    "market_share": _("Market share"),
    "countries_count": _("Countries"),
    "subsidiaries_count": _("Subsidiaries"),
    "strategic_fit": _("Strategic fit"),
    "sector": _("Sector"),
    "country": _("Country"),
}
TIER_LABELS: dict[str, Promise] = {
    "key": pgettext_lazy("tier", "Key"),
    "strategic": pgettext_lazy("tier", "Strategic"),
    "standard": pgettext_lazy("tier", "Standard"),
}
QUADRANT_LABELS: dict[str, Promise] = {
    "strategic": pgettext_lazy("quadrant", "Strategic"),
    "develop": pgettext_lazy("quadrant", "Develop"),
    "maintain": pgettext_lazy("quadrant", "Maintain"),
    "opportunistic": pgettext_lazy("quadrant", "Opportunistic"),
}
NORMALISATION_LABELS: dict[str, Promise] = {
    Normalisation.PERCENTILE: _("Percentile rank"),
    Normalisation.MINMAX: _("Min–max"),
    Normalisation.LOG_MINMAX: _("Log min–max"),
    Normalisation.BANDS: _("Bands"),
    Normalisation.CATEGORIES: _("Categories"),
}
DIRECTION_LABELS: dict[str, Promise] = {
    Direction.HIGHER: _("Higher is better"),
    Direction.LOWER: _("Lower is better"),
}
MISSING_LABELS: dict[str, Promise] = {
    MissingPolicy.ZERO: _("Count as zero"),
    MissingPolicy.MEDIAN: _("Use the median"),
    MissingPolicy.EXCLUDE: _("Leave out, reweight the rest"),
}
ABC_CHOICES = [("A", "A"), ("B", "B"), ("C", "C")]


def feature_label(name: str) -> str:
    """A feature's name as people read it, in the active language."""
    if name in FEATURE_LABELS:
        return str(FEATURE_LABELS[name])
    spec = FEATURES.get(name)
    return spec.label if spec else name


def tier_label(code: str) -> str:
    """A tier code as people read it; tiers of custom rules are shown as they are."""
    return str(TIER_LABELS[code]) if code in TIER_LABELS else code


def quadrant_label(code: str) -> str:
    """A portfolio quadrant code as people read it."""
    return str(QUADRANT_LABELS[code]) if code in QUADRANT_LABELS else code


def _feature_choices() -> list[tuple[str, Any]]:
    numeric = [(n, feature_label(n)) for n, s in FEATURES.items() if s.kind == "numeric"]
    categorical = [(n, feature_label(n)) for n, s in FEATURES.items() if s.kind != "numeric"]
    return [
        ("", "—"),
        (str(_("Numbers")), numeric),
        (str(_("Categories")), categorical),
    ]


def _choices(labels: dict[str, Promise]) -> list[tuple[str, Promise]]:
    return [(str(code), label) for code, label in labels.items()]


# -- key accounts list -------------------------------------------------------------------

# Sort keys offered by the column headers → the columns they order by. Scores and growth
# read best first on the first click; empty growth always goes last.
ORDERINGS: dict[str, tuple[Any, ...]] = {
    "rank": (F("rank").asc(),),
    "-rank": (F("rank").desc(),),
    "score": (F("score").desc(),),
    "-score": (F("score").asc(),),
    "revenue": (F("revenue_12m").desc(),),
    "-revenue": (F("revenue_12m").asc(),),
    "growth": (F("growth").desc(nulls_last=True),),
    "-growth": (F("growth").asc(nulls_last=True),),
    "name": (F("account__name").asc(),),
    "-name": (F("account__name").desc(),),
}
DEFAULT_TIER = "key"


class KeyAccountFilterSet(django_filters.FilterSet):
    """Filters of the key-accounts list (and of its exports): tier (the key tier unless
    the request names another or all), ABC class, sector, lead manager, portfolio
    quadrant, search; and the sort order."""

    q = django_filters.CharFilter(method="search", label=_("Search"))
    tier = django_filters.CharFilter(method="in_tier", label=_("Tier"))
    abc = django_filters.ChoiceFilter(choices=ABC_CHOICES, label=_("ABC class"))
    sector = django_filters.CharFilter(
        field_name="account__sector", lookup_expr="iexact", label=_("Sector")
    )
    manager = django_filters.NumberFilter(method="led_by", label=_("Lead manager"))
    quadrant = django_filters.CharFilter(field_name="quadrant", label=_("Quadrant"))
    ordering = django_filters.CharFilter(method="order", label=_("Sort"))

    class Meta:
        model = AccountScore
        fields: list[str] = []

    def __init__(self, data: Any = None, *args: Any, **kwargs: Any) -> None:
        data = data.copy() if data is not None else None
        if data is not None and "tier" not in data:
            data["tier"] = DEFAULT_TIER  # an empty value (all tiers) is a choice too
        super().__init__(data, *args, **kwargs)

    def search(self, qs: QuerySet[AccountScore], name: str, value: str) -> QuerySet[AccountScore]:
        value = value.strip()
        if not value:
            return qs
        return qs.filter(
            Q(account__name__icontains=value) | Q(account__external_id__icontains=value)
        )

    def in_tier(self, qs: QuerySet[AccountScore], name: str, value: str) -> QuerySet[AccountScore]:
        value = value.strip()
        return qs.filter(tier=value) if value else qs

    def led_by(
        self, qs: QuerySet[AccountScore], name: str, value: Decimal
    ) -> QuerySet[AccountScore]:
        if value is None:
            return qs
        return qs.filter(
            account__assignments__manager_id=int(value),
            account__assignments__role="lead",
            account__assignments__ended_at__isnull=True,
        )

    def order(self, qs: QuerySet[AccountScore], name: str, value: str) -> QuerySet[AccountScore]:
        return qs.order_by(*ORDERINGS.get(value.strip(), ORDERINGS["rank"]), "rank", "pk")

    @property
    def qs(self) -> QuerySet[AccountScore]:
        queryset = super().qs
        if not (self.is_bound and self.form.is_valid() and self.form.cleaned_data.get("ordering")):
            queryset = queryset.order_by("rank", "pk")
        return queryset


# -- tier override -----------------------------------------------------------------------


class TierOverrideForm(forms.Form):
    """Put an account in a tier by hand (the reason is mandatory), or take it out."""

    action = forms.ChoiceField(
        choices=[("set", _("Set")), ("remove", _("Remove"))], widget=forms.HiddenInput
    )
    tier = forms.ChoiceField(label=_("Tier"), required=False)
    reason = forms.CharField(
        label=_("Reason"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Kept in the audit trail."),
    )

    def __init__(self, *args: Any, tiers: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["tier"].choices = [  # type: ignore[attr-defined]
            (code, tier_label(code)) for code in tiers
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("action") == "set" and not data.get("tier"):
            self.add_error("tier", _("Choose a tier."))
        return data


# -- score now ---------------------------------------------------------------------------


class ScoreRunForm(forms.Form):
    """Start a score run: which scorecard version, as of which date (today if empty)."""

    scorecard = forms.ModelChoiceField(
        queryset=Scorecard.objects.none(),
        label=_("Scorecard"),
        required=False,
        empty_label=_("The active scorecard"),
    )
    as_of = forms.DateField(
        label=_("As of"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Sales before this day are counted. Empty: today."),
    )

    def __init__(self, *args: Any, scorecards: QuerySet[Scorecard], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["scorecard"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = scorecards


# -- scorecard editor --------------------------------------------------------------------

_SEPARATORS = re.compile(r"[;|\s]+|,\s+")


def parse_numbers(text: str) -> list[float]:
    """Numbers typed in one box, separated by spaces, semicolons or bars ("2; 3" or
    "0 50 100"); a decimal comma is accepted ("2,5"). Raises ValidationError naming the
    item that is not a number."""
    numbers: list[float] = []
    for position, item in enumerate(i for i in _SEPARATORS.split(text.strip()) if i):
        try:
            numbers.append(float(Decimal(item.replace(",", "."))))
        except InvalidOperation:
            raise forms.ValidationError(
                _("Item %(position)s (“%(item)s”) is not a number."),
                params={"position": position + 1, "item": item},
            ) from None
    return numbers


def parse_categories(text: str) -> list[tuple[str, float]]:
    """``value=points`` lines (one category per line) as pairs. Raises ValidationError
    naming the line at fault."""
    pairs: list[tuple[str, float]] = []
    seen: set[str] = set()
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        value, sep, points = line.rpartition("=")
        value = value.strip()
        if not sep or not value:
            raise forms.ValidationError(
                _("Line %(line)s: write value=points (got “%(text)s”)."),
                params={"line": number, "text": line},
            )
        try:
            score = float(Decimal(points.strip().replace(",", ".")))
        except InvalidOperation:
            raise forms.ValidationError(
                _("Line %(line)s: “%(points)s” is not a number of points."),
                params={"line": number, "points": points.strip()},
            ) from None
        if value.casefold() in seen:
            raise forms.ValidationError(
                _("Line %(line)s: “%(value)s” is listed twice."),
                params={"line": number, "value": value},
            )
        seen.add(value.casefold())
        pairs.append((value, score))
    return pairs


def plain_decimal(number: float) -> Decimal:
    """A float as the shortest decimal people would type (30.0 → 30, 0.8 × 100 → 80)."""
    return Decimal(format(Decimal(repr(round(number, 6))).normalize(), "f"))


def _numbers_text(numbers: tuple[float, ...]) -> str:
    return "; ".join(f"{n:g}" for n in numbers)


class CriterionForm(forms.Form):
    """One criterion row of the editor. A row left without a feature is ignored."""

    feature = forms.ChoiceField(label=_("Feature"), required=False)
    weight = forms.DecimalField(
        label=_("Weight (%)"), required=False, min_value=0, max_value=100, decimal_places=2
    )
    normalisation = forms.ChoiceField(
        label=_("Normalisation"), choices=_choices(NORMALISATION_LABELS)
    )
    direction = forms.ChoiceField(label=_("Direction"), choices=_choices(DIRECTION_LABELS))
    missing = forms.ChoiceField(label=_("If missing"), choices=_choices(MISSING_LABELS))
    bands = forms.CharField(
        label=_("Band cut points"),
        required=False,
        max_length=500,
        help_text=_("Increasing, e.g. 2; 3"),
    )
    band_points = forms.CharField(
        label=_("Band points"),
        required=False,
        max_length=500,
        help_text=_("One more than the cut points, lowest band first, e.g. 0; 50; 100"),
    )
    categories = forms.CharField(
        label=_("Points per category"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("One value=points per line; *=points for any other value"),
    )
    label = forms.CharField(label=_("Label"), required=False, max_length=100)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["feature"].choices = _feature_choices()  # type: ignore[attr-defined]

    def clean_bands(self) -> list[float]:
        return parse_numbers(self.cleaned_data.get("bands") or "")

    def clean_band_points(self) -> list[float]:
        return parse_numbers(self.cleaned_data.get("band_points") or "")

    def clean_categories(self) -> list[tuple[str, float]]:
        return parse_categories(self.cleaned_data.get("categories") or "")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("feature") and data.get("weight") is None and "weight" not in self.errors:
            self.add_error("weight", _("Give the criterion a weight."))
        return data

    @property
    def is_blank(self) -> bool:
        return not self.cleaned_data.get("feature")

    def criterion(self) -> Criterion:
        data = self.cleaned_data
        return Criterion(
            feature=data["feature"],
            weight=float(data["weight"]),
            normalisation=Normalisation(data["normalisation"]),
            direction=Direction(data["direction"]),
            bands=tuple(data["bands"]),
            band_points=tuple(data["band_points"]),
            categories=tuple(data["categories"]),
            missing=MissingPolicy(data["missing"]),
            label=data.get("label") or "",
        )


def criterion_initial(criterion: Criterion) -> dict[str, Any]:
    """A criterion as the initial values of its editor row."""
    return {
        "feature": criterion.feature,
        "weight": plain_decimal(criterion.weight),
        "normalisation": str(criterion.normalisation),
        "direction": str(criterion.direction),
        "missing": str(criterion.missing),
        "bands": _numbers_text(criterion.bands),
        "band_points": _numbers_text(criterion.band_points),
        "categories": "\n".join(f"{v}={p:g}" for v, p in criterion.categories),
        "label": criterion.label,
    }


class TierRuleForm(forms.Form):
    """One tier rule: an account gets the first rule it meets, in order."""

    tier = forms.SlugField(label=_("Tier"), required=False, max_length=30)
    min_score = forms.DecimalField(
        label=_("Minimum score"), required=False, min_value=0, max_value=100, decimal_places=2
    )
    abc = forms.MultipleChoiceField(
        label=_("ABC classes"),
        required=False,
        choices=ABC_CHOICES,
        widget=forms.CheckboxSelectMultiple,
    )
    top_n = forms.IntegerField(label=_("Top N by rank"), required=False, min_value=1)

    @property
    def is_blank(self) -> bool:
        return not self.cleaned_data.get("tier")

    def rule(self) -> TierRule:
        data = self.cleaned_data
        min_score = data.get("min_score")
        return TierRule(
            tier=data["tier"],
            min_score=float(min_score) if min_score is not None else None,
            abc=tuple(data.get("abc") or ()),
            top_n=data.get("top_n"),
        )


def tier_rule_initial(rule: TierRule) -> dict[str, Any]:
    """A tier rule as the initial values of its editor row."""
    return {
        "tier": rule.tier,
        "min_score": plain_decimal(rule.min_score) if rule.min_score is not None else None,
        "abc": list(rule.abc),
        "top_n": rule.top_n,
    }


class ScorecardSettingsForm(forms.Form):
    """What applies to the whole scorecard: level, ABC thresholds, default tier and the
    features that make an account attractive (the portfolio matrix's vertical axis)."""

    level = forms.ChoiceField(
        label=_("Scoring level"),
        choices=[
            (ScoringLevel.ACCOUNT, _("Each account")),
            (ScoringLevel.GROUP, _("Each group, subsidiaries rolled up")),
        ],
    )
    abc_a = forms.DecimalField(
        label=_("Class A up to (% of revenue)"), min_value=0, max_value=100, decimal_places=2
    )
    abc_b = forms.DecimalField(
        label=_("Class B up to (% of revenue)"), min_value=0, max_value=100, decimal_places=2
    )
    default_tier = forms.SlugField(label=_("Tier of the other accounts"), max_length=30)
    attractiveness = forms.MultipleChoiceField(
        label=_("Attractiveness criteria"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Empty: every criterion that is not a measure of the relationship."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["attractiveness"].choices = [  # type: ignore[attr-defined]
            (n, feature_label(n)) for n in FEATURES
        ]


class NewScorecardForm(forms.Form):
    """The name under which "save as a new scorecard" stores the edited definition."""

    new_name = forms.CharField(label=_("New scorecard name"), required=False, max_length=100)


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
