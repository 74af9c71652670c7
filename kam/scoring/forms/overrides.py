"""The form of an account's manual tier: set it (with a reason) or remove it."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kam.scoring.labels import tier_label


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
