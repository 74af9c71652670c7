"""The "score now" form of the runs page."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from kam.scoring.models import Scorecard


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


class BacktestForm(forms.Form):
    """Backtest a scorecard: score as of a past date, then see how that date's key
    accounts did in the 12 months after it, against the others."""

    scorecard = forms.ModelChoiceField(
        queryset=Scorecard.objects.none(),
        label=_("Scorecard"),
        required=False,
        empty_label=_("The active scorecard"),
    )
    as_of = forms.DateField(
        label=_("Scored as of"),
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("At least a year ago, so that the 12 months after it are known."),
    )

    def __init__(self, *args: Any, scorecards: QuerySet[Scorecard], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["scorecard"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = scorecards
