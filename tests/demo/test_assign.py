"""The demo's initial assignment plan. No database needed."""

from __future__ import annotations

from collections import Counter
from datetime import date

import polars as pl

from kam.demo.assign import assignment_plan, key_accounts_by_revenue
from kam.demo.generate import DemoSpec, demo_generate
from kam.demo.people import DEMO_USERS, DemoUser

AS_OF = date(2026, 6, 15)


def _accounts(*rows: tuple[str, str, str, str]) -> pl.DataFrame:
    """Accounts as (external id, sector, country, countries of operation)."""
    return pl.DataFrame(
        {
            "external_id": [r[0] for r in rows],
            "sector": [r[1] for r in rows],
            "country": [r[2] for r in rows],
            "countries_of_operation": [r[3] for r in rows],
        }
    )


def _sales(revenue: dict[str, float], day: date = date(2026, 3, 2)) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "account_id": list(revenue),
            "order_date": [day] * len(revenue),
            "amount": list(revenue.values()),
        }
    )


def test_key_accounts_are_the_top_fifth_by_last_12_months_revenue():
    # given ten accounts, one of which bought a lot but more than a year ago
    accounts = _accounts(*((f"A{i}", "Construction", "FR", "FR") for i in range(10)))
    recent = _sales({f"A{i}": float(i) for i in range(1, 10)})
    old = _sales({"A0": 1e9}, day=date(2024, 1, 10))
    # when the key accounts are picked
    key = key_accounts_by_revenue(accounts, pl.concat([recent, old]), period_end=date(2026, 5, 31))
    # then they are the two largest by revenue of the last 12 months, largest first
    assert key["external_id"].to_list() == ["A9", "A8"]


def test_international_accounts_go_to_gams_and_others_to_a_kam_of_their_sector():
    # given a KAM for construction, a KAM for retail, a GAM, and three large accounts
    users = [
        DemoUser("kc", "kam", "K", "C", capacity=5, sectors=("Construction",)),
        DemoUser("kr", "kam", "K", "R", capacity=5, sectors=("Retail & Distribution",)),
        DemoUser("g", "gam", "G", "G", capacity=5),
    ]
    accounts = _accounts(
        ("INT", "Construction", "FR", "DE|FR|IT"),
        ("CON", "Construction", "FR", "FR"),
        ("RET", "Retail & Distribution", "FR", "BE|FR"),
        *((f"S{i}", "Construction", "FR", "FR") for i in range(12)),
    )
    sales = _sales({"INT": 900.0, "CON": 800.0, "RET": 700.0})
    # when the plan is made
    plan = assignment_plan(accounts, sales, users, period_end=date(2026, 5, 31))
    # then each key account has the manager its profile calls for
    leads = {a.external_id: a.username for a in plan.assignments}
    assert leads == {"INT": "g", "CON": "kc", "RET": "kr"}
    assert plan.key_accounts == 3 and plan.unassigned == 0


def test_no_manager_gets_more_accounts_than_their_capacity():
    # given a single KAM with room for two accounts, and five key accounts
    users = [DemoUser("k", "kam", "K", "K", capacity=2), DemoUser("g", "gam", "G", "G", capacity=0)]
    accounts = _accounts(
        *((f"A{i}", "Construction", "FR", "FR|DE|IT") for i in range(3)),
        *((f"B{i}", "Construction", "FR", "FR") for i in range(22)),
    )
    sales = _sales(
        {**{f"A{i}": 1000.0 + i for i in range(3)}, **{f"B{i}": 100.0 + i for i in range(22)}}
    )
    # when the plan is made
    plan = assignment_plan(accounts, sales, users, period_end=date(2026, 5, 31))
    # then the KAM gets two domestic accounts, never an international one
    assert [a.username for a in plan.assignments] == ["k", "k"]
    assert not any(a.international for a in plan.assignments)
    assert plan.key_accounts == 5 and plan.unassigned == 3


def test_the_demo_plan_fills_the_managers_within_capacity():
    # given the default-sized demo data set and the demo managers
    data = demo_generate(DemoSpec(as_of=AS_OF))
    plan = assignment_plan(data.accounts, data.sales, DEMO_USERS, period_end=data.period[1])
    # then about 60 key accounts get a lead, no manager beyond capacity
    per_manager = Counter(a.username for a in plan.assignments)
    capacity = {u.username: u.capacity for u in DEMO_USERS if u.is_manager}
    assert all(count <= capacity[name] for name, count in per_manager.items())
    assert plan.key_accounts == 60
    assert len(plan.assignments) >= 55
    # and both GAMs hold international accounts, only international ones
    roles = {u.username: u.role for u in DEMO_USERS}
    gam_accounts = [a for a in plan.assignments if roles[a.username] == "gam"]
    assert {a.username for a in gam_accounts} == {"sophie.keller", "marco.bianchi"}
    assert all(a.international == (roles[a.username] == "gam") for a in plan.assignments)
