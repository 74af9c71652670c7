"""Reads of contacts, always scoped to the requesting user (the contacts of the accounts
they may see), and the stakeholder map of one account: its org chart and coverage gaps,
computed by :mod:`kam.domain.stakeholders` from one query."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import QuerySet
from django.http import Http404

from kam.accounts.models import Account, Contact
from kam.accounts.selectors import account_list
from kam.core.roles import sees_all_accounts
from kam.domain.stakeholders import Coverage, OrgNode, Stakeholder, coverage, org_chart

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser


def contact_list(
    *, user: AbstractBaseUser | AnonymousUser, account: Account | None = None
) -> QuerySet[Contact]:
    """The contacts this user may see: those of the accounts of :func:`account_list`
    (all of them for directors, analysts and marketing); only ``account``'s if given."""
    if sees_all_accounts(user):
        contacts = Contact.objects.all()
    else:
        contacts = Contact.objects.filter(account__in=account_list(user=user))
    if account is not None:
        contacts = contacts.filter(account=account)
    return contacts


def contact_get(*, user: AbstractBaseUser | AnonymousUser, pk: int) -> Contact:
    """One contact with its account, or 404 when it does not exist or is not visible."""
    contact = contact_list(user=user).select_related("account").filter(pk=pk).first()
    if contact is None:
        raise Http404("No such contact.")
    return contact


@dataclass(frozen=True)
class MapNode:
    """A contact in the drawn org chart, with the contacts who report to them."""

    contact: Contact
    level: int
    children: tuple[MapNode, ...]


@dataclass(frozen=True)
class StakeholderMap:
    """An account's stakeholder map: the org chart (people who left included, greyed
    out by the page) and the coverage of the buying roles and levels."""

    roots: tuple[MapNode, ...]
    coverage: Coverage
    contacts: tuple[Contact, ...]

    @property
    def current(self) -> int:
        return sum(1 for c in self.contacts if c.is_current)

    @property
    def left(self) -> int:
        return len(self.contacts) - self.current

    def nodes(self) -> list[MapNode]:
        """Every node, depth first, in display order."""
        found: list[MapNode] = []

        def visit(node: MapNode) -> None:
            found.append(node)
            for child in node.children:
                visit(child)

        for root in self.roots:
            visit(root)
        return found


def as_stakeholder(contact: Contact) -> Stakeholder:
    return Stakeholder(
        id=contact.pk,
        name=str(contact),
        buying_role=contact.buying_role,
        influence=contact.influence,
        attitude=contact.attitude,
        reports_to=contact.reports_to_id,
        current=contact.is_current,
        job_title=contact.job_title,
    )


def stakeholder_map(*, contacts: Iterable[Contact], include_left: bool = True) -> StakeholderMap:
    """The map of one account's contacts (as read by :func:`contact_list`); coverage
    always counts the full chart (people who left hold their place)."""
    everyone = tuple(contacts)
    by_id = {c.pk: c for c in everyone}
    people = [as_stakeholder(c) for c in everyone]

    def node(org: OrgNode) -> MapNode:
        return MapNode(by_id[org.person.id], org.level, tuple(node(c) for c in org.children))

    return StakeholderMap(
        roots=tuple(node(r) for r in org_chart(people, include_left=include_left)),
        coverage=coverage(people),
        contacts=everyone,
    )


def account_stakeholder_map(
    *, user: AbstractBaseUser | AnonymousUser, account: Account, include_left: bool = True
) -> StakeholderMap:
    """The stakeholder map of ``account`` as ``user`` may see it (empty when they may not
    see the account): one query."""
    return stakeholder_map(
        contacts=contact_list(user=user, account=account), include_left=include_left
    )
