"""A book of accounts, order lines, score runs, assignments and activities whose KPIs
are worked out by hand (the same figures as tests/domain/test_kpis.py), stored for real."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import AbstractUser
from django.utils import timezone

from kam.accounts.models import Account
from kam.assignments.models import AccountAssignment
from kam.engagement.models import Activity, Channel
from kam.engagement.services import channels_seed
from kam.scoring.models import AccountScore, Scorecard, ScoreRun
from tests.factories import AccountFactory
from tests.scoring.conftest import sell

FROM, TO = date(2025, 1, 1), date(2025, 12, 31)
PERIOD = {"from": "2025-01-01", "to": "2025-12-31"}

# (account, order, date, amount): P = 2025, P' = 2024-01-02 … 2024-12-31
SALES = (
    ("K1", "O1", date(2024, 6, 1), 100.0),
    ("K1", "O2", date(2025, 6, 1), 100.0),
    ("K1", "O3", date(2025, 9, 1), 50.0),
    ("K1", "O4", date(2026, 1, 10), 999.0),  # after P: ignored
    ("K1", "O5", date(2023, 3, 1), 77.0),  # before P': only "bought before"
    ("K2", "O6", date(2024, 3, 1), 200.0),
    ("K3", "O7", date(2025, 3, 1), 40.0),
    ("N1", "O8", date(2024, 5, 1), 90.0),
    ("N1", "O9", date(2025, 5, 1), 100.0),
    ("N3", "O10", date(2024, 2, 1), 210.0),
    ("N3", "O11", date(2025, 2, 1), 200.0),
    ("N3", "O12", date(2025, 4, 1), -20.0),  # a return, netted
    ("N4", "O13", date(2023, 5, 1), 20.0),
    ("N4", "O14", date(2024, 1, 2), 100.0),  # the first day of P'
    ("N4", "O15", date(2025, 12, 31), 130.0),  # the last day of P
    ("N5", "O16", date(2025, 7, 1), 50.0),
)


@dataclass
class KpiBook:
    accounts: dict[str, Account]
    kim: AbstractUser
    otto: AbstractUser
    start_run: ScoreRun
    end_run: ScoreRun


def applied_run(
    as_of: date, key: Iterable[Account], *, applied_at: datetime | None, others=()
) -> ScoreRun:
    """A finished run as of ``as_of`` whose key tier is ``key`` (``others`` standard),
    applied at ``applied_at`` (None: not applied)."""
    scorecard, _ = Scorecard.objects.get_or_create(
        name="kpi test", version=1, defaults={"definition": {}}
    )
    run = ScoreRun.objects.create(
        scorecard=scorecard,
        as_of=as_of,
        status="done",
        applied=applied_at is not None,
        applied_at=applied_at,
    )
    tiers = [(a, "key") for a in key] + [(a, "standard") for a in others]
    AccountScore.objects.bulk_create(
        AccountScore(run=run, account=a, score=50.0, rank=i + 1, abc="A", tier=t, computed_tier=t)
        for i, (a, t) in enumerate(tiers)
    )
    return run


def moment(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, datetime.min.time()))


def lead(account: Account, manager, started: date, ended: date | None = None) -> None:
    AccountAssignment.objects.create(
        account=account,
        manager=manager,
        role="lead",
        started_at=moment(started),
        ended_at=moment(ended) if ended else None,
    )


def activity(account: Account, channel: str, day: date, cost: str, times: int = 1) -> None:
    for _ in range(times):
        Activity.objects.create(
            account=account,
            channel=Channel.objects.get(code=channel),
            occurred_on=day,
            cost=Decimal(cost),
        )


def make_kpi_book(kim: AbstractUser, otto: AbstractUser) -> KpiBook:
    channels_seed()  # the seeded channels, even in a database flushed by an earlier test
    sectors = {"N4": "Industry", "N5": "Industry"}
    accounts = {
        code: AccountFactory(
            external_id=code, name=f"Account {code}", sector=sectors.get(code, "Retail")
        )
        for code in ("K1", "K2", "K3", "N1", "N2", "N3", "N4", "N5")
    }
    sell(*SALES)
    a = accounts
    applied = moment(date(2025, 1, 5))
    # at the start of P: two runs as of 1 January; the one applied last wins
    start_run = applied_run(FROM, [a["K1"], a["K2"], a["K3"]], applied_at=applied)
    applied_run(FROM, [a["N1"]], applied_at=applied - timedelta(hours=1))
    applied_run(FROM, [a["N3"]], applied_at=None)  # never applied: ignored
    applied_run(date(2024, 6, 1), [a["N2"]], applied_at=applied)  # older
    # during P: K2 stops being key, N4 and N5 become key
    end_run = applied_run(
        date(2025, 12, 1), [a["K1"], a["K3"], a["N4"], a["N5"]], applied_at=applied
    )
    applied_run(date(2026, 1, 1), [a["N1"]], applied_at=applied)  # after P: ignored
    # leads at the start of P: kim for K1 and K2; N1's lead (otto) left before P; otto
    # took K3 after the start of P
    lead(a["K1"], kim, date(2024, 6, 1))
    lead(a["K2"], kim, date(2024, 12, 31))
    lead(a["N1"], otto, date(2024, 1, 1), ended=date(2024, 12, 15))
    lead(a["K3"], otto, date(2025, 2, 1))
    # activities in P (and one before P, ignored)
    activity(a["K1"], "visit", date(2025, 3, 3), "30.00", times=2)
    activity(a["K1"], "emailing", date(2025, 4, 4), "5.00", times=4)
    activity(a["K2"], "phone", date(2025, 12, 31), "0.00")
    activity(a["N1"], "visit", date(2025, 1, 1), "30.00")
    activity(a["K1"], "visit", date(2024, 12, 31), "1000.00")
    return KpiBook(accounts, kim, otto, start_run, end_run)


@pytest.fixture
def kpi_book(db, kam_user, other_kam) -> KpiBook:
    return make_kpi_book(kam_user, other_kam)
