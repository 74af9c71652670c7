"""Forms of the engagement pages. They read what people typed; the rules are the
services' (a refusal of ``channel_plan_set`` comes back on the form's ``channels``)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kam.accounts.models import Account, Contact
from kam.engagement.models import Channel, ChannelKind, ChannelPlan, Outcome, PlanPeriod
from kam.engagement.services import MAX_TIMES, PlanItemInput


class ChannelForm(forms.Form):
    """A channel of the catalogue; the code is given once, when it is created."""

    code = forms.SlugField(
        label=_("Code"), max_length=40, help_text=_("Used in files and by the command line.")
    )
    name = forms.CharField(label=_("Name"), max_length=100)
    kind = forms.ChoiceField(label=_("Kind"), choices=ChannelKind.choices)
    unit_cost = forms.DecimalField(
        label=_("Cost per contact"), min_value=0, max_digits=12, decimal_places=2
    )
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args: Any, channel: Channel | None = None, **kwargs: Any) -> None:
        if channel is not None:
            kwargs.setdefault(
                "initial",
                {
                    "code": channel.code,
                    "name": channel.name,
                    "kind": channel.kind,
                    "unit_cost": channel.unit_cost,
                    "active": channel.active,
                },
            )
        super().__init__(*args, **kwargs)
        if channel is not None:  # the code never changes
            self.fields["code"].disabled = True


class ActivityLogForm(forms.Form):
    """Two clicks: a channel, then an outcome (the button pressed). The rest is
    optional: the date (today), the cost (the channel's), contacts, an order."""

    channel = forms.ChoiceField(label=_("Channel"), widget=forms.RadioSelect)
    outcome = forms.ChoiceField(label=_("Outcome"), choices=Outcome.choices)
    occurred_on = forms.DateField(
        label=_("Date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    subject = forms.CharField(label=_("Subject"), max_length=200, required=False)
    contacts = forms.ModelMultipleChoiceField(
        label=_("Contacts"),
        queryset=Contact.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    cost = forms.DecimalField(
        label=_("Cost"),
        min_value=0,
        max_digits=12,
        decimal_places=2,
        required=False,
        help_text=_("Empty: the channel's cost per contact."),
    )
    order_amount = forms.DecimalField(
        label=_("Order amount"), min_value=0, max_digits=16, decimal_places=2, required=False
    )
    order_reference = forms.CharField(label=_("Order reference"), max_length=64, required=False)

    def __init__(
        self, *args: Any, account: Account, channels: list[Channel], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.channels = {c.code: c for c in channels}
        channel_field = self.fields["channel"]
        assert isinstance(channel_field, forms.ChoiceField)
        channel_field.choices = [(c.code, c.label) for c in channels]
        contacts = self.fields["contacts"]
        assert isinstance(contacts, forms.ModelMultipleChoiceField)
        contacts.queryset = Contact.objects.filter(account=account, left_on__isnull=True)

    def chosen_channel(self) -> Channel:
        return self.channels[self.cleaned_data["channel"]]


class ChannelPlanForm(forms.Form):
    """One row per active channel: in the plan or not, and its cadence. Any number of
    rows may be ticked: the service says what is allowed (so that a 4th channel gets the
    same message here as in the API and on the command line)."""

    def __init__(
        self, *args: Any, channels: list[Channel], plan: ChannelPlan | None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.channels = channels
        current = {item.channel_id: item for item in plan.items.all()} if plan else {}
        for channel in channels:
            item = current.get(channel.pk)
            self.fields[f"use_{channel.code}"] = forms.BooleanField(
                label=channel.label, required=False, initial=item is not None
            )
            self.fields[f"times_{channel.code}"] = forms.IntegerField(
                label=_("Times"),
                min_value=1,
                max_value=MAX_TIMES,
                required=False,
                initial=item.times if item else 1,
            )
            self.fields[f"period_{channel.code}"] = forms.ChoiceField(
                label=_("per"),
                choices=PlanPeriod.choices,
                initial=item.period if item else PlanPeriod.MONTH,
            )

    def rows(self) -> list[dict[str, Any]]:
        """The bound fields of each channel, for the template."""
        return [
            {
                "channel": channel,
                "use": self[f"use_{channel.code}"],
                "times": self[f"times_{channel.code}"],
                "period": self[f"period_{channel.code}"],
            }
            for channel in self.channels
        ]

    def items(self) -> list[PlanItemInput]:
        """The ticked channels, in catalogue order (after ``is_valid``)."""
        data = self.cleaned_data
        return [
            PlanItemInput(c.code, data.get(f"times_{c.code}") or 1, data[f"period_{c.code}"])
            for c in self.channels
            if data.get(f"use_{c.code}")
        ]


class CampaignForm(forms.Form):
    """A loyalty campaign: the offer, its channel and whom it reaches. The checks are
    :func:`kam.engagement.campaigns.campaign_create`'s."""

    name = forms.CharField(label=_("Name"), max_length=200)
    offer = forms.CharField(
        label=_("Offer"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("The text of the e-mail: what you offer, and how to take it up."),
    )
    discount_percent = forms.DecimalField(
        label=_("Discount (%)"), required=False, max_digits=5, decimal_places=2
    )
    valid_from = forms.DateField(
        label=_("Valid from"), widget=forms.DateInput(attrs={"type": "date"})
    )
    valid_to = forms.DateField(label=_("Valid to"), widget=forms.DateInput(attrs={"type": "date"}))
    channel = forms.ChoiceField(label=_("Channel"))
    tiers = forms.CharField(
        label=_("Tiers"),
        required=False,
        initial="key",
        help_text=_("Comma-separated; key accounts by default."),
    )
    kams = forms.MultipleChoiceField(
        label=_("Managed by"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: any manager."),
    )
    sectors = forms.MultipleChoiceField(
        label=_("Sectors"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: every sector."),
    )
    min_score = forms.FloatField(label=_("Minimum score"), required=False)

    def __init__(
        self,
        *args: Any,
        channels: list[Channel],
        managers: list[str],
        sectors: list[str],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        channel_field: Any = self.fields["channel"]
        channel_field.choices = [(c.code, c.label) for c in channels]
        kams_field: Any = self.fields["kams"]
        kams_field.choices = [(m, m) for m in managers]
        sectors_field: Any = self.fields["sectors"]
        sectors_field.choices = [(s, s) for s in sectors]

    def criteria(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "tiers": [t.strip() for t in (data.get("tiers") or "").split(",") if t.strip()],
            "kams": list(data.get("kams") or []),
            "sectors": list(data.get("sectors") or []),
            "min_score": data.get("min_score"),
        }
