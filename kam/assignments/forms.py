"""The forms of the assignment pages: manual reassign, a line's decision, the policy.

They only parse what is typed; the rules (capacity, GAM rule, policy bounds) are the
services', whose refusals are put back on the fields they name."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from kam.assignments.models import AssignmentPolicy, LineDecision, ValueBasis
from kam.assignments.selectors import ManagerPortfolio


class ReassignForm(forms.Form):
    """A director entrusts the account to a manager, saying why; optionally pinned so
    that proposals keep it."""

    manager = forms.ChoiceField(label=_("New lead manager"))
    reason = forms.CharField(
        label=_("Reason"),
        max_length=300,
        widget=forms.TextInput(attrs={"placeholder": _("e.g. speaks the buyer's language")}),
    )
    pinned = forms.BooleanField(label=_("Pin: assignment proposals keep this lead"), required=False)

    def __init__(self, *args: Any, managers: Sequence[ManagerPortfolio], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["manager"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", _("Choose a manager"))] + [
            (
                m.username,
                _("%(name)s (%(kind)s, load %(load)s of %(capacity)s)")
                % {
                    "name": m.name,
                    "kind": m.kind,
                    "load": f"{m.load:g}",
                    "capacity": f"{m.capacity:g}",
                },
            )
            for m in managers
        ]


class PinForm(forms.Form):
    pinned = forms.BooleanField(required=False)


class LineDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[
            (LineDecision.ACCEPTED, LineDecision.ACCEPTED.label),
            (LineDecision.REJECTED, LineDecision.REJECTED.label),
        ]
    )


class TierRowForm(forms.Form):
    """A placed tier: its workload weight and the support members it asks for. A row
    whose tier is empty is ignored (clear the name to stop placing a tier)."""

    tier = forms.CharField(label=_("Tier"), max_length=30, required=False)
    workload = forms.FloatField(label=_("Workload"), required=False)
    support = forms.IntegerField(label=_("Support members"), required=False)


class BandRowForm(forms.Form):
    """A size band: from this many employees, the workload is multiplied by the factor.
    An empty row is ignored."""

    employees = forms.IntegerField(label=_("From employees"), required=False)
    factor = forms.FloatField(label=_("Factor"), required=False)


TierRows = forms.formset_factory(TierRowForm, extra=2)
BandRows = forms.formset_factory(BandRowForm, extra=2)

# The policy's plain fields, in the order of the page.
SCALAR_FIELDS = (
    "per_country",
    "per_country_cap",
    "international_countries",
    "group_abroad",
    "value_basis",
    "fit_sector",
    "fit_language",
    "fit_country",
    "continuity",
    "balance",
    "balance_band",
    "time_limit_s",
    "gap_limit",
)


class PolicyForm(forms.Form):
    """The policy's plain fields (labels and help from the model); the tiers and size
    bands are row formsets beside it. Bounds are checked by ``policy_update`` (one place
    for the rules), which names the field at fault."""

    def __init__(self, *args: Any, policy: AssignmentPolicy, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {name: getattr(policy, name) for name in SCALAR_FIELDS})
        super().__init__(*args, **kwargs)
        for name in SCALAR_FIELDS:
            model_field = AssignmentPolicy._meta.get_field(name)
            assert isinstance(model_field, models.Field)
            field = model_field.formfield()
            assert field is not None
            if isinstance(field, forms.FloatField):
                field.widget = forms.NumberInput(attrs={"step": "any"})
            if name == "value_basis":
                field = forms.ChoiceField(
                    label=field.label, choices=ValueBasis.choices, help_text=field.help_text
                )
            self.fields[name] = field


def tier_rows_initial(tiers: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {"tier": tier, "workload": needs.get("workload"), "support": needs.get("support")}
        for tier, needs in (tiers or {}).items()
    ]


def band_rows_initial(bands: list[Any]) -> list[dict[str, Any]]:
    return [{"employees": floor, "factor": factor} for floor, factor in bands or []]


def tiers_from(rows: forms.BaseFormSet) -> dict[str, dict[str, Any]]:
    """The tiers typed in the rows; a row with a tier but no workload or support is an
    error on that row."""
    tiers: dict[str, dict[str, Any]] = {}
    for form in rows.forms:
        data = form.cleaned_data if form.is_valid() else {}
        tier = (data.get("tier") or "").strip()
        if not tier:
            continue
        if tier in tiers:
            form.add_error("tier", _("This tier is listed twice."))
            continue
        if data.get("workload") is None:
            form.add_error("workload", _("A placed tier needs a workload."))
            continue
        tiers[tier] = {"workload": data["workload"], "support": data.get("support") or 0}
    return tiers


def bands_from(rows: forms.BaseFormSet) -> list[list[Any]]:
    bands: list[list[Any]] = []
    for form in rows.forms:
        data = form.cleaned_data if form.is_valid() else {}
        employees, factor = data.get("employees"), data.get("factor")
        if employees is None and factor is None:
            continue
        if employees is None or factor is None:
            form.add_error(None, _("A size band needs both a number of employees and a factor."))
            continue
        bands.append([employees, factor])
    return sorted(bands, key=lambda band: band[0])


def add_policy_errors(
    form: PolicyForm,
    error: ValidationError,
    *,
    section_errors: dict[str, list[str]],
) -> None:
    """``policy_update``'s refusal on the form: plain fields on their field, tiers and
    size bands in ``section_errors`` (shown above their rows)."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for name, messages in error.message_dict.items():
        if name in ("tiers", "size_bands"):
            section_errors.setdefault(name, []).extend(messages)
        elif name in form.fields:
            for message in messages:
                form.add_error(name, message)
        else:
            for message in messages:
                form.add_error(None, f"{name}: {message}")
