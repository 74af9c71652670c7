"""/api/v1/kpis/ and /api/v1/kpi-targets/: the KPIs of a period and their targets."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from kam.kpis.models import KpiTarget
from tests.kpis.conftest import PERIOD, KpiBook, make_kpi_book

pytestmark = pytest.mark.django_db

URL = "/api/v1/kpis/"
TARGETS = "/api/v1/kpi-targets/"


@pytest.fixture
def kpi_book(kam_user, other_kam) -> KpiBook:
    return make_kpi_book(kam_user, other_kam)


def test_the_company_kpis_of_a_period(api, kpi_book, director):
    response = api(director).get(URL, PERIOD)
    assert response.status_code == 200
    data = response.json()
    assert data["period"] == {
        "from": "2025-01-01",
        "to": "2025-12-31",
        "previous_from": "2024-01-02",
        "previous_to": "2024-12-31",
        "days": 365,
    }
    assert (data["scope"], data["group"]) == ("company", "company")
    assert data["key_list_start"]["run"] == kpi_book.start_run.pk
    summary = data["summary"]
    assert (summary["key_accounts"], summary["increased"], summary["uplift_total"]) == (
        3,
        2,
        -110.0,
    )
    assert summary["new_key_accounts"] == {"count": 2, "new_customers": ["N5"], "promoted": ["N4"]}
    rows = {r["kpi"]: r for r in data["rows"]}
    assert rows["retention"]["value"] == pytest.approx(2 / 3)


@pytest.mark.parametrize(
    ("group", "key", "expected"),
    [
        ("kam", "lead", ["kim", "otto", None]),
        ("account", "account_id", ["K1", "K3", "K2"]),
        ("channel", "channel", ["emailing", "phone", "visit"]),
    ],
)
def test_the_kpis_per_group(api, kpi_book, director, group, key, expected):
    response = api(director).get(URL, {**PERIOD, "group": group})
    assert response.status_code == 200
    assert [r[key] for r in response.json()["rows"]] == expected


def test_a_kam_gets_their_portfolio(api, kpi_book, kam_user):
    data = api(kam_user).get(URL, {**PERIOD, "group": "account"}).json()
    assert data["scope"] == "portfolio"
    assert {r["account_id"] for r in data["rows"]} == {"K1", "K2"}


def test_the_default_period_is_the_trailing_twelve_months(api, kpi_book, analyst):
    today = timezone.localdate()
    data = api(analyst).get(URL).json()
    assert data["period"]["to"] == (today - timedelta(days=1)).isoformat()
    assert data["period"]["from"] == today.replace(year=today.year - 1).isoformat() or (
        today.month == 2 and today.day == 29
    )


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"from": "2025-13-01", "to": "2025-12-31"}, "from"),
        ({"from": "2025-01-01", "to": "yesterday"}, "to"),
        ({"from": "2025-12-31", "to": "2025-01-01"}, "to"),
        ({**PERIOD, "group": "sector"}, "group"),
    ],
)
def test_bad_parameters_are_a_400_naming_them(api, director, params, field):
    response = api(director).get(URL, params)
    assert response.status_code == 400
    assert list(response.json()) == [field]


def test_no_key_list_is_said_not_a_crash(api, director):
    data = api(director).get(URL, PERIOD).json()
    assert data["key_list_start"] is None
    assert data["messages"][0].startswith("No key-account list at the start of the period")
    assert data["summary"]["roi"] is None


def test_anonymous_callers_are_refused(api):
    assert api(None).get(URL).status_code in (401, 403)
    assert api(None).get(TARGETS).status_code in (401, 403)


def test_a_director_sets_lists_and_removes_a_target(api, director, kam_user):
    client = api(director)
    given = {
        "kpi": "roi",
        "manager": "kim",
        "date_from": "2025-01-01",
        "date_to": "2025-12-31",
        "value": 1.5,
    }
    response = client.post(TARGETS, given, format="json")
    assert response.status_code == 201, response.json()
    created = response.json()
    assert (created["manager"], created["direction"], created["value"]) == ("kim", "at_least", 1.5)
    assert created["label"] == "ROI of actions"
    listed = client.get(TARGETS).json()
    assert [t["id"] for t in listed["results"]] == [created["id"]]
    assert client.delete(f"{TARGETS}{created['id']}/").status_code == 204
    assert not KpiTarget.objects.exists()


def test_a_bad_target_is_a_400_naming_the_field(api, director):
    client = api(director)
    base = {"kpi": "retention", "date_from": "2025-01-01", "date_to": "2025-12-31"}
    response = client.post(TARGETS, {**base, "value": 2}, format="json")
    assert response.status_code == 400 and list(response.json()) == ["value"]
    response = client.post(TARGETS, {**base, "value": 0.5, "manager": "nobody"}, format="json")
    assert response.status_code == 400 and list(response.json()) == ["manager"]
    response = client.post(TARGETS, {**base, "value": 0.5, "kpi": "joy"}, format="json")
    assert response.status_code == 400 and list(response.json()) == ["kpi"]
    assert not KpiTarget.objects.exists()


def test_only_directors_write_targets_and_kams_read_theirs(api, director, kam_user, other_kam):
    from kam.kpis.services import kpi_target_set

    mine = kpi_target_set(
        kpi="roi",
        value=1,
        date_from=date(2025, 1, 1),
        date_to=date(2025, 12, 31),
        manager=kam_user,
        user=director,
    )
    kpi_target_set(
        kpi="roi",
        value=2,
        date_from=date(2025, 1, 1),
        date_to=date(2025, 12, 31),
        manager=other_kam,
        user=director,
    )
    client = api(kam_user)
    given = {"kpi": "roi", "date_from": "2025-01-01", "date_to": "2025-12-31", "value": 9}
    assert client.post(TARGETS, given, format="json").status_code == 403
    assert client.delete(f"{TARGETS}{mine.pk}/").status_code == 403
    assert [t["manager"] for t in client.get(TARGETS).json()["results"]] == ["kim"]
    assert KpiTarget.objects.count() == 2


def test_the_target_list_has_a_query_budget(api, director, kam_user, django_assert_max_num_queries):
    from kam.kpis.services import kpi_target_set

    for month in range(1, 11):
        kpi_target_set(
            kpi="roi",
            value=month,
            date_from=date(2025, month, 1),
            date_to=date(2025, month, 28),
            manager=kam_user,
            user=director,
        )
    client = api(director)
    with django_assert_max_num_queries(6):
        response = client.get(TARGETS)
    assert response.json()["count"] == 10


def test_the_schema_documents_the_kpi_endpoints(api, analyst):
    schema = api(analyst).get("/api/schema/", {"format": "json"}).json()
    assert {"/api/v1/kpis/", "/api/v1/kpi-targets/", "/api/v1/kpi-targets/{id}/"} <= set(
        schema["paths"]
    )
    params = {p["name"] for p in schema["paths"]["/api/v1/kpis/"]["get"]["parameters"]}
    assert {"from", "to", "group"} <= params
    period = schema["components"]["schemas"]["Period"]["properties"]
    assert {"from", "to", "previous_from", "previous_to", "days"} == set(period)
