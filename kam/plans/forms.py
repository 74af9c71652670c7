"""Forms of the plan pages: shapes only, the rules are the services'."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from kam.plans.models import AccountPlan, Action, HealthPolicy, Objective


class PlanCreateForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    copy_previous = forms.BooleanField(
        label=_("Start from the previous plan"),
        required=False,
        help_text=_("Copies its texts, objectives and open actions."),
    )


class PlanForm(forms.ModelForm):
    class Meta:
        model = AccountPlan
        fields = [
            "status",
            "needs",
            "expectations",
            "strengths",
            "weaknesses",
            "opportunities",
            "threats",
        ]
        widgets = {
            name: forms.Textarea(attrs={"rows": 3})
            for name in (
                "needs",
                "expectations",
                "strengths",
                "weaknesses",
                "opportunities",
                "threats",
            )
        }


class ObjectiveForm(forms.ModelForm):
    class Meta:
        model = Objective
        fields = ["title", "measure", "target_value", "current_value", "due_date", "progress_set"]
        widgets = {"due_date": forms.DateInput(attrs={"type": "date"})}


class ObjectiveProgressForm(forms.ModelForm):
    """The figures of an objective that move during the year."""

    class Meta:
        model = Objective
        fields = ["current_value", "progress_set"]


class ActionForm(forms.ModelForm):
    class Meta:
        model = Action
        fields = ["title", "objective", "owner", "due_date", "status"]
        widgets = {"due_date": forms.DateInput(attrs={"type": "date"})}

    def __init__(self, *args: Any, plan: AccountPlan, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        objective = self.fields["objective"]
        owner = self.fields["owner"]
        assert isinstance(objective, forms.ModelChoiceField)
        assert isinstance(owner, forms.ModelChoiceField)
        objective.queryset = Objective.objects.filter(plan=plan)
        owner.queryset = get_user_model().objects.filter(is_active=True).order_by("username")


class ActionStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=Action._meta.get_field("status").choices)  # type: ignore[arg-type]


class AcknowledgeForm(forms.Form):
    note = forms.CharField(
        label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class PolicyForm(forms.ModelForm):
    class Meta:
        model = HealthPolicy
        fields = [
            *HealthPolicy.WEIGHT_FIELDS.values(),
            "revenue_drop_pct",
            "inactivity_days",
        ]
