"""The KPI report of a period on the database: the runs, the ledger, the assignment
history and the activities read in a fixed number of queries, scoped to the user."""

from __future__ import annotations

import pytest

from kam.kpis.selectors import kpi_report
from tests.factories import AccountFactory
from tests.kpis.conftest import FROM, TO

pytestmark = pytest.mark.django_db


def test_company_kpis_worked_by_hand(kpi_book, director):
    view = kpi_report(user=director, date_from=FROM, date_to=TO)
    s = view.summary
    assert view.scope == "company"
    assert (view.key_list_start.run_id, view.key_list_end.run_id) == (
        kpi_book.start_run.pk,
        kpi_book.end_run.pk,
    )
    assert (s.accounts, s.revenue, s.key_accounts, s.increased) == (8, 650.0, 3, 2)
    assert (s.uplift_total, s.uplift_median) == (-110.0, 40.0)
    assert s.uplift_pct == pytest.approx(-110 / 300)
    assert s.key_revenue_share == pytest.approx(190 / 650)
    assert (s.retained, s.lost) == (2, ("K2",))
    assert s.new_key_accounts.new_customers == ("N5",)
    assert s.new_key_accounts.promoted == ("N4",)
    assert (s.activities, s.activity_cost) == (7, 80.0)
    assert s.roi == pytest.approx(-190 / 80)
    assert view.messages == ()


def test_rows_per_kam_follow_the_lead_at_the_start_of_the_period(kpi_book, director):
    rows = {r["lead"]: r for r in kpi_report(user=director, date_from=FROM, date_to=TO).rows("kam")}
    # kim led K1 and K2 on 1 January; otto's N1 ended before and K3 started after it
    assert list(rows) == ["kim", "otto", None]
    assert (rows["kim"]["accounts"], rows["kim"]["uplift_total"]) == (2, -150.0)
    assert rows["kim"]["roi"] == pytest.approx((-150 - 80) / 80)
    assert (rows["otto"]["accounts"], rows["otto"]["roi"]) == (0, None)
    assert rows[None]["accounts"] == 6


def test_rows_per_account_and_per_channel(kpi_book, director):
    view = kpi_report(user=director, date_from=FROM, date_to=TO)
    accounts = {r["account_id"]: r for r in view.rows("account")}
    assert set(accounts) == {"K1", "K2", "K3"}
    assert accounts["K3"]["uplift_pct"] is None and accounts["K3"]["roi"] is None
    assert accounts["K2"]["key_at_end"] is False
    channels = {r["channel"]: r for r in view.rows("channel")}
    assert channels["visit"]["allocated_uplift"] == 37.5
    assert channels["visit"]["label"] == "Visit"
    assert channels["phone"]["roi"] is None


def test_a_kam_sees_only_their_portfolio(kpi_book, kam_user):
    view = kpi_report(user=kam_user, date_from=FROM, date_to=TO)
    s = view.summary
    # kim's current accounts: K1 and K2
    assert view.scope == "portfolio"
    assert (s.accounts, s.revenue, s.key_accounts, s.lost) == (2, 150.0, 2, ("K2",))
    assert s.new_key_accounts.count == 0
    assert {r["account_id"] for r in view.rows("account")} == {"K1", "K2"}
    assert [r["lead"] for r in view.rows("kam")] == ["kim"]
    # nobody outside her key accounts to compare with
    assert s.did is None
    assert any("Fewer than 3 accounts" in m for m in view.messages)


def test_no_key_list_at_the_start_is_said_and_nothing_breaks(kpi_book, director):
    # given a period that starts before any applied run
    view = kpi_report(user=director, date_from=FROM.replace(year=2023), date_to=TO)
    s = view.summary
    assert view.key_list_start is None
    assert s.key_accounts is None and s.roi is None and s.new_key_accounts is None
    assert view.messages[0].startswith("No key-account list at the start of the period")
    assert view.rows("account") == []
    assert all(r["value"] is None for r in view.rows("company"))
    assert view.as_dict()["summary"]["did_sentence"] is None


def test_the_difference_in_differences_reads_as_a_sentence(kpi_book, director):
    data = kpi_report(user=director, date_from=FROM, date_to=TO).as_dict("company")
    did = data["summary"]["did"]
    assert did["n"] == 3 and did["estimate"] == pytest.approx(-30.0)
    sentence = data["summary"]["did_sentence"]
    assert sentence.startswith("The 3 key accounts changed their purchases by -37 each")
    assert "a difference of -30 per account" in sentence
    assert "could be chance" in sentence


def test_a_fixed_number_of_queries_whatever_the_data(kpi_book, director, kam_user):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.kpis.conftest import activity, lead

    def queries(user) -> int:
        with CaptureQueriesContext(connection) as captured:
            kpi_report(user=user, date_from=FROM, date_to=TO, group="kam")
        return len(captured)

    queries(director), queries(kam_user)  # the users' roles are read once, then cached
    before = {"director": queries(director), "kam": queries(kam_user)}
    # when more accounts, leads and activities are added
    for n in range(5):
        account = AccountFactory(external_id=f"X{n}", sector="Retail")
        lead(account, kam_user, FROM.replace(year=2024))
        activity(account, "phone", FROM, "3.00", times=2)
    # then the same number of queries reads them
    assert {"director": queries(director), "kam": queries(kam_user)} == before
    assert before == {"director": 10, "kam": 12}


def test_an_unknown_group_or_a_reversed_period_is_refused(kpi_book, director):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as refused:
        kpi_report(user=director, date_from=FROM, date_to=TO, group="sector")
    assert "group" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        kpi_report(user=director, date_from=TO, date_to=FROM)
    assert "to" in refused.value.message_dict
