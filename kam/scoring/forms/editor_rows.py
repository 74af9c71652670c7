"""The rows of the scorecard editor: one criterion, one tier rule, the whole-scorecard
settings and the name of a new scorecard; each row knows its initial values from a
definition and, once valid, the domain object it stands for.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from kam.domain.features import FEATURES
from kam.domain.scorecard import (
    Criterion,
    Direction,
    MissingPolicy,
    Normalisation,
    ScoringLevel,
    TierRule,
)
from kam.scoring.forms.parsing import numbers_text, parse_categories, parse_numbers, plain_decimal
from kam.scoring.labels import (
    ABC_CHOICES,
    DIRECTION_LABELS,
    MISSING_LABELS,
    NORMALISATION_LABELS,
    feature_label,
)


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
        "bands": numbers_text(criterion.bands),
        "band_points": numbers_text(criterion.band_points),
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
