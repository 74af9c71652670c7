"""Writes on contacts: create, update, mark as left; each one validated by the model
(e-mail, influence 1–5, a boss of the same account, no reporting cycle) and recorded in
the audit trail. Who may write: directors, and the account's managers (the KAMs and GAMs
to whom it is entrusted, and their team leads); analysts and marketing only read.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kam.accounts.models import Account, Attitude, Contact
from kam.accounts.selectors import account_list
from kam.core.roles import Role, is_director, user_roles
from kam.core.services import audit_record

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

    Actor = AbstractBaseUser | AnonymousUser | None

# What a person may change on a contact (the account is fixed once created).
EDITABLE_FIELDS = (
    "external_id",
    "first_name",
    "last_name",
    "job_title",
    "email",
    "phone",
    "buying_role",
    "influence",
    "attitude",
    "reports_to",
    "do_not_mail",
    "left_on",
)
_TEXT_FIELDS = (
    "external_id",
    "first_name",
    "last_name",
    "job_title",
    "email",
    "phone",
    "buying_role",
)


def contacts_editable(*, user: Actor, account: Account) -> bool:
    """The one permission check of contacts (views, API, CLI): kam itself (``None``),
    directors, and a KAM or GAM who sees the account (it is entrusted to them or to
    someone in their team)."""
    if user is None:
        return True
    if not user.is_authenticated:
        return False
    if is_director(user):
        return True
    if Role.KAM not in user_roles(user):
        return False
    return account_list(user=user).filter(pk=account.pk).exists()


def _require_editor(user: Actor, account: Account) -> None:
    if not contacts_editable(user=user, account=account):
        raise PermissionDenied(_("Only the account's managers and directors may change contacts."))


def _who(user: Actor) -> Any:
    return user if user is not None and user.is_authenticated else None


def contact_create(*, account: Account, user: Actor, values: Mapping[str, Any]) -> Contact:
    """A new contact of ``account`` with ``values`` (names in :data:`EDITABLE_FIELDS`;
    ``last_name`` is required). Raises ``ValidationError`` naming the field."""
    _require_editor(user, account)
    contact = Contact(account=account)
    _assign(contact, values)
    with transaction.atomic():
        _validate(contact)
        contact.save()
        audit_record(
            actor=_who(user),
            action="contact.create",
            obj=contact,
            summary=f"Contact {contact} added to {account}",
            details={"account": account.external_id, **_snapshot(contact)},
        )
    return contact


def contact_update(*, contact: Contact, user: Actor, values: Mapping[str, Any]) -> Contact:
    """Change the fields given in ``values``; the audit trail keeps each change as
    [before, after]. Nothing changed, nothing recorded."""
    _require_editor(user, contact.account)
    before = _snapshot(contact)
    _assign(contact, values)
    after = _snapshot(contact)
    changes = {k: [before[k], after[k]] for k in after if before[k] != after[k]}
    if not changes:
        return contact
    with transaction.atomic():
        _validate(contact)
        contact.save()
        audit_record(
            actor=_who(user),
            action="contact.update",
            obj=contact,
            summary=f"Contact {contact} of {contact.account} changed: {', '.join(changes)}",
            details={"account": contact.account.external_id, "changes": changes},
        )
    return contact


def contact_mark_left(*, contact: Contact, user: Actor, left_on: date | None = None) -> Contact:
    """Record that the contact left the company on ``left_on`` (today by default). The
    contact stays (their history and the "champion left" alert need them), greyed out
    on the map and out of the coverage rules; their reports keep them as boss."""
    _require_editor(user, contact.account)
    left_on = left_on or timezone.localdate()
    if contact.left_on is not None:
        raise ValidationError(
            {
                "left_on": _("%(name)s already left on %(date)s.")
                % {"name": contact, "date": contact.left_on.isoformat()}
            }
        )
    contact.left_on = left_on
    with transaction.atomic():
        _validate(contact)
        contact.save(update_fields=["left_on", "updated_at"])
        audit_record(
            actor=_who(user),
            action="contact.left",
            obj=contact,
            summary=f"Contact {contact} left {contact.account} on {left_on.isoformat()}",
            details={
                "account": contact.account.external_id,
                "left_on": left_on.isoformat(),
                "buying_role": contact.buying_role,
            },
        )
    return contact


def _assign(contact: Contact, values: Mapping[str, Any]) -> None:
    unknown = sorted(set(values) - set(EDITABLE_FIELDS))
    if unknown:
        raise ValidationError(
            {name: _("This field cannot be set on a contact.") for name in unknown}
        )
    for name, value in values.items():
        if name in _TEXT_FIELDS:
            value = (value or "").strip()
        elif name == "attitude":
            value = value or Attitude.NEUTRAL
        elif name == "do_not_mail":
            value = bool(value)
        setattr(contact, name, value)


def _validate(contact: Contact) -> None:
    """The model's checks, plus the external id's uniqueness in the account named on the
    field (the database constraint would only say "constraint violated")."""
    errors: dict[str, list[str]] = {}
    try:
        contact.full_clean(validate_constraints=False)
    except ValidationError as error:
        errors = dict(error.message_dict)
    if contact.left_on is not None and contact.left_on > timezone.localdate():
        errors.setdefault("left_on", []).append(_("A departure date cannot be in the future."))
    if contact.external_id and "external_id" not in errors:
        taken = Contact.objects.filter(
            account_id=contact.account_id, external_id=contact.external_id
        )
        if contact.pk is not None:
            taken = taken.exclude(pk=contact.pk)
        if taken.exists():
            errors["external_id"] = [_("Another contact of this account has this external id.")]
    if errors:
        raise ValidationError(errors)


def _snapshot(contact: Contact) -> dict[str, Any]:
    """The editable fields as JSON-ready values (for the audit trail)."""
    values: dict[str, Any] = {}
    for name in EDITABLE_FIELDS:
        value = contact.reports_to_id if name == "reports_to" else getattr(contact, name)
        values[name] = value.isoformat() if isinstance(value, date) else value
    return values
