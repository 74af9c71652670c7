"""The group (top of the parent chain) of a page of accounts, computed in bulk.

A subsidiary may sit several levels below its group. Walking up account by account would
cost one query per account and level; this walks up a whole page at once, one query per
level that is not already loaded, so the cost does not grow with the number of accounts.
"""

from __future__ import annotations

from collections.abc import Iterable

from kam.accounts.models import Account


def account_group_ids(*, accounts: Iterable[Account]) -> dict[int, str]:
    """The external id of each account's group: the account at the top of its parent
    chain (the account itself when it has no parent). Keyed by account primary key.

    The group is a fact about the account (like its parent), so it is given even when
    the requesting user may not open the group itself."""
    # pk -> (parent pk, external id) of every account met on the way up.
    known: dict[int, tuple[int | None, str]] = {}
    page = list(accounts)
    for account in page:
        known[account.pk] = (account.parent_id, account.external_id)
        if account.parent_id is not None and Account.parent.is_cached(account):
            parent = account.parent
            assert parent is not None  # cached together with a non-null parent_id
            known[parent.pk] = (parent.parent_id, parent.external_id)
    asked: set[int] = set()
    while True:
        missing = {p for p, _ in known.values() if p is not None and p not in known} - asked
        if not missing:
            break
        asked |= missing
        rows = Account.objects.filter(pk__in=missing).values_list("pk", "parent_id", "external_id")
        for pk, parent_id, external_id in rows:
            known[pk] = (parent_id, external_id)
    return {account.pk: _top(account.pk, known) for account in page}


def _top(pk: int, known: dict[int, tuple[int | None, str]]) -> str:
    """Walk up ``known`` from ``pk``; stop at the top, at an unknown parent, or at a cycle
    (the model refuses cycles, but a hand-edited database must not hang the API)."""
    seen = {pk}
    current = pk
    while True:
        parent_id = known[current][0]
        if parent_id is None or parent_id not in known or parent_id in seen:
            return known[current][1]
        seen.add(parent_id)
        current = parent_id
