"""The demo's contacts: deterministic, valid for the import, with the stories issue 7's
alerts need (a covered showcase, a champion who left, one turned opponent, a gap)."""

from __future__ import annotations

import time
import zlib
from datetime import date

import numpy as np
import pytest

from kam.accounts.contacts.selectors import stakeholder_map
from kam.accounts.models import Account, Contact
from kam.demo.assign import key_accounts_by_revenue
from kam.demo.contacts import contacts_draw, demo_contacts
from kam.demo.generate import DemoSpec, demo_generate
from kam.domain.stakeholders import NO_CHAMPION, NO_ECONOMIC_BUYER, Stakeholder, coverage
from kam.importing.report import ImportOutcome

SPEC = DemoSpec(as_of=date(2026, 6, 15), accounts=120, lines=6_000, seed=5)


@pytest.fixture(scope="module")
def data():
    return demo_generate(SPEC)


def draw(data):  # type: ignore[no-untyped-def]
    rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence([SPEC.seed, 1])))
    return contacts_draw(rng, data)


def key_ids(data) -> list[str]:  # type: ignore[no-untyped-def]
    _, end = data.period
    return key_accounts_by_revenue(data.accounts, data.sales, period_end=end, share=0.25)[
        "external_id"
    ].to_list()


def as_people(frame) -> list[Stakeholder]:  # type: ignore[no-untyped-def]
    ids = {ext: i for i, ext in enumerate(frame["external_id"].to_list())}
    return [
        Stakeholder(
            id=ids[row["external_id"]],
            name=row["last_name"],
            buying_role=row["buying_role"] or "",
            attitude=row["attitude"],
            reports_to=ids.get(row["reports_to_external_id"]),
            current=row["left_on"] is None,
        )
        for row in frame.iter_rows(named=True)
    ]


def test_the_same_seed_draws_the_same_contacts(data):
    assert draw(data).equals(draw(data))


def test_key_accounts_get_3_to_8_contacts_others_1_or_2(data):
    frame = draw(data)
    sizes = dict(frame.group_by("account_external_id").len().iter_rows())
    keys = key_ids(data)
    assert keys and all(3 <= sizes[k] <= 8 for k in keys)
    others = [n for account, n in sizes.items() if account not in set(keys)]
    assert others and all(1 <= n <= 2 for n in others)
    # and a few refuse mailings or left, never most of them
    assert 0 < frame["do_not_mail"].sum() < frame.height * 0.15
    assert 0 < frame["left_on"].is_not_null().sum() < frame.height * 0.15


def test_the_largest_key_accounts_tell_their_stories(data):
    frame = draw(data)
    first, second, third, fourth = (
        frame.filter(frame["account_external_id"] == k) for k in key_ids(data)[:4]
    )
    # the showcase is fully covered
    assert coverage(as_people(first)).complete
    # the second's champion left
    champions = second.filter(second["buying_role"] == "champion")
    assert champions["left_on"].is_not_null().all() and champions.height >= 1
    assert NO_CHAMPION in [g.code for g in coverage(as_people(second)).gaps]
    # the third's champion is an opponent
    assert third.filter(third["buying_role"] == "champion")["attitude"].to_list() == ["opponent"]
    # the fourth has no economic buyer
    assert NO_ECONOMIC_BUYER in [g.code for g in coverage(as_people(fourth)).gaps]


@pytest.mark.django_db
def test_the_contacts_go_through_the_import_quickly(data):
    # given the demo's accounts in kam
    Account.objects.bulk_create(
        [
            Account(external_id=e, name=n)
            for e, n in data.accounts.select("external_id", "name").rows()
        ]
    )
    # when the demo's contacts are stored
    started = time.perf_counter()
    result = demo_contacts(data)
    seconds = time.perf_counter() - started
    # then all are accepted, with their org charts, well within the demo's budget
    assert result.outcome is ImportOutcome.COMMITTED, result.errors[:3]
    assert result.created == Contact.objects.count() > 100
    assert Contact.objects.filter(reports_to__isnull=False).exists()
    assert seconds < 3
    # and the showcase's map, read back from the database, is complete
    showcase = Account.objects.get(external_id=key_ids(data)[0])
    assert stakeholder_map(contacts=showcase.contacts.all()).coverage.complete
    # and its own random stream: the same spec gives the same contacts
    rng = np.random.Generator(
        np.random.PCG64(np.random.SeedSequence([SPEC.seed, zlib.crc32(b"contacts")]))
    )
    assert contacts_draw(rng, data).height == result.created
