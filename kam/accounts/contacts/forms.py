"""The add / edit form of a contact on the account page. A plain form (not a ModelForm):
the services validate and save, and a ModelForm would change the contact before them."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from kam.accounts.contacts.services import EDITABLE_FIELDS
from kam.accounts.models import Account, Contact

# The fields in the order the form shows them.
FORM_FIELDS = (
    "first_name",
    "last_name",
    "job_title",
    "buying_role",
    "influence",
    "attitude",
    "reports_to",
    "email",
    "phone",
    "do_not_mail",
    "external_id",
    "left_on",
)
assert set(FORM_FIELDS) == set(EDITABLE_FIELDS)

INFLUENCE_CHOICES = [
    ("", _("Not known")),
    (1, _("1 — little")),
    (2, "2"),
    (3, "3"),
    (4, "4"),
    (5, _("5 — decisive")),
]


class ContactForm(forms.Form):
    """A contact's stakeholder profile. The boss is chosen among the account's other
    contacts; the services refuse a boss that would make a reporting cycle."""

    def __init__(
        self, *args: Any, account: Account, contact: Contact | None = None, **kwargs: Any
    ) -> None:
        if contact is not None and "initial" not in kwargs:
            kwargs["initial"] = forms.model_to_dict(contact, fields=list(FORM_FIELDS))
        super().__init__(*args, **kwargs)
        self.fields.update(forms.fields_for_model(Contact, fields=list(FORM_FIELDS)))
        self.fields["influence"] = forms.TypedChoiceField(
            label=Contact._meta.get_field("influence").verbose_name,
            choices=INFLUENCE_CHOICES,
            coerce=int,
            empty_value=None,
            required=False,
        )
        bosses = Contact.objects.filter(account=account).order_by("last_name", "first_name", "pk")
        if contact is not None:
            bosses = bosses.exclude(pk=contact.pk)
        boss = self.fields["reports_to"]
        assert isinstance(boss, forms.ModelChoiceField)
        boss.queryset = bosses
        boss.empty_label = _("Nobody in this account")
        self.fields["left_on"].widget = forms.DateInput(attrs={"type": "date"})
        self.fields["left_on"].help_text = _("Empty while the person is still there.")
        self.fields["external_id"].required = False

    def add_service_errors(self, error: ValidationError) -> None:
        """Show the services' refusal next to the fields it names."""
        for field, messages in error.message_dict.items():
            for message in messages:
                self.add_error(field if field in self.fields else None, message)
