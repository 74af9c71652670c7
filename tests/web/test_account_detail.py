"""One account's page: access, identity, group, managers, sales chart and its numbers."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from kam.core.charts import add_months, month_start
from tests.factories import AccountFactory, assign

pytestmark = pytest.mark.django_db


def detail_url(account) -> str:
    return reverse("accounts:detail", args=[account.external_id])


def test_kam_gets_404_for_another_kams_account(login, kam_user, other_kam):
    # given an account led by another KAM
    theirs = AccountFactory()
    assign(theirs, other_kam)
    # when the first KAM asks for it
    response = login(kam_user).get(detail_url(theirs))
    # then it does not exist for them
    assert response.status_code == 404


def test_kam_sees_their_own_account(login, kam_user):
    mine = AccountFactory(name="Mine Ltd")
    assign(mine, kam_user)
    response = login(kam_user).get(detail_url(mine))
    assert response.status_code == 200
    assert "<h1>Mine Ltd</h1>" in response.content.decode()


@pytest.mark.parametrize("role_fixture", ["director", "analyst", "marketing"])
def test_roles_that_see_every_account_open_any_account(request, login, role_fixture):
    account = AccountFactory(name="Anyone's")
    response = login(request.getfixturevalue(role_fixture)).get(detail_url(account))
    assert response.status_code == 200


def test_identity_group_and_managers_are_shown(login, director, kam_user, gam_user):
    # given a group with two subsidiaries, led by a GAM with a KAM in support
    group = AccountFactory(
        name="Group SA",
        sector="Energy",
        country="FR",
        countries_of_operation=["BE", "FR"],
        employees=4200,
        strategic_fit=4,
    )
    AccountFactory(name="Sub One", parent=group)
    AccountFactory(name="Sub Two", parent=group)
    assign(group, gam_user)
    assign(group, kam_user, role="support")
    # when the director opens the group
    html = login(director).get(detail_url(group)).content.decode()
    # then its attributes, subsidiaries and managers are there
    for text in (
        "Energy",
        "4,200",
        "4 / 5",
        "<li>BE</li>",
        "<li>FR</li>",
        ">Sub One</a>",
        ">Sub Two</a>",
        "gail",
        "GAM ·",
        "Lead manager",
        "kim",
        "Support member",
        "5.0 %",
    ):
        assert text in html, text


def test_subsidiary_links_to_its_visible_parent(login, director):
    group = AccountFactory(name="Group SA")
    child = AccountFactory(name="Child", parent=group)
    html = login(director).get(detail_url(child)).content.decode()
    assert f'href="{detail_url(group)}">Group SA</a>' in html


def test_kam_sees_the_parent_name_but_no_link_when_the_parent_is_not_theirs(login, kam_user):
    group = AccountFactory(name="Group SA")
    child = AccountFactory(name="Child", parent=group)
    AccountFactory(name="Sibling", parent=group)
    assign(child, kam_user)
    html = login(kam_user).get(detail_url(child)).content.decode()
    assert "Group SA" in html
    assert detail_url(group) not in html
    assert "Sibling" not in html


def test_external_id_with_a_slash_has_a_working_page(login, director):
    account = AccountFactory(external_id="FR/0001", name="Slashed")
    url = detail_url(account)
    assert "FR/0001" in url
    assert login(director).get(url).status_code == 200


def _month(offset: int) -> date:
    return add_months(month_start(timezone.localdate()), offset)


def test_sales_chart_spec_and_table_with_trailing_twelve_months(login, director, committed_sales):
    # given sales 2 months ago (two orders) and 14 months ago (one order)
    account = AccountFactory(name="Buyer")
    committed_sales(
        [
            (account.external_id, "O1", _month(-2), 1000.0, 300.0),
            (account.external_id, "O2", _month(-2).replace(day=15), 500.0, 100.0),
            (account.external_id, "O3", _month(-14), 250.0, 50.0),
            (AccountFactory().external_id, "X1", _month(-2), 99999.0, 1.0),  # another account
        ]
    )
    # when the account page is shown
    html = login(director).get(detail_url(account)).content.decode()
    # then the chart spec is embedded, with one revenue and one margin point per month
    found = re.search(
        r'<script id="sales-chart-spec" type="application/json">(.*?)</script>', html, re.S
    )
    assert found, "chart spec missing"
    spec = json.loads(found.group(1))
    values = spec["data"]["values"] if "data" in spec else next(iter(spec["datasets"].values()))
    revenue = {v["month"]: v["value"] for v in values if v["measure"] == "revenue"}
    assert len(revenue) == 36
    assert revenue[_month(-2).isoformat()] == 1500.0
    assert revenue[_month(-14).isoformat()] == 250.0
    assert 'data-vega-spec="sales-chart-spec"' in html
    assert reverse("core:vega_bundle") in html
    # and the comparison: 1,500 in the last 12 months against 250 before
    assert ">1,500</p>" in html and ">250</p>" in html
    assert "+1,250" in html and "+500.0 %" in html
    # and the table has the same numbers, with a total
    assert html.count('<th scope="row">') == 36
    assert ">1,750</td>" in html  # total over the 36 months


def test_no_sales_shows_a_message_and_no_chart_script(login, director):
    account = AccountFactory()
    html = login(director).get(detail_url(account)).content.decode()
    assert "No sales recorded" in html
    assert reverse("core:vega_bundle") not in html


def test_sales_csv_has_one_row_per_month(login, director, committed_sales):
    account = AccountFactory()
    committed_sales([(account.external_id, "O1", _month(-1), 120.5, 20.0)])
    response = login(director).get(reverse("accounts:sales_csv", args=[account.external_id]))
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["month", "revenue", "margin", "orders", "quantity"]
    assert len(rows) == 37
    assert [_month(-1).strftime("%Y-%m"), "120.50", "20.00", "1", "1"] in rows


def test_sales_csv_is_scoped_like_the_page(login, kam_user, other_kam):
    theirs = AccountFactory()
    assign(theirs, other_kam)
    response = login(kam_user).get(reverse("accounts:sales_csv", args=[theirs.external_id]))
    assert response.status_code == 404


def _count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_detail_query_count_does_not_grow_with_subsidiaries_or_managers(
    login, director, kam_user, gam_user, committed_sales, django_assert_max_num_queries
):
    # given a group with 2 subsidiaries and sales
    group = AccountFactory()
    AccountFactory.create_batch(2, parent=group)
    committed_sales([(group.external_id, "O1", _month(-1), 10.0, 1.0)])
    client = login(director)
    few = _count_queries(client, detail_url(group))
    # when it gets 20 more subsidiaries and two managers
    AccountFactory.create_batch(20, parent=group)
    assign(group, gam_user)
    assign(group, kam_user, role="support")
    # then the page costs the same number of queries, within budget
    assert _count_queries(client, detail_url(group)) == few
    with django_assert_max_num_queries(9):
        client.get(detail_url(group))
