"""The accounts endpoints: record-level access per role, fields, filters, query budget."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from kam.core.services import user_token
from tests.factories import AccountFactory, assign, make_user

pytestmark = pytest.mark.django_db

LIST = "/api/v1/accounts/"


def detail(external_id: str) -> str:
    return f"{LIST}{external_id}/"


def external_ids(response) -> list[str]:  # type: ignore[no-untyped-def]
    assert response.status_code == 200, response.content
    return [row["external_id"] for row in response.json()["results"]]


@pytest.mark.parametrize("role", ["director", "analyst", "marketing"])
def test_roles_that_see_every_account_list_them_all(api, role):
    # given three accounts, none assigned to anyone
    accounts = [AccountFactory(name=f"Account {letter}") for letter in "ABC"]
    # when a director, an analyst or a marketing user lists accounts
    response = api(make_user(role)).get(LIST)
    # then they see all three, sorted by name, and may open any of them
    assert external_ids(response) == [a.external_id for a in accounts]
    assert response.json()["count"] == 3
    assert api(make_user(role)).get(detail(accounts[1].external_id)).status_code == 200


def test_kam_lists_only_accounts_entrusted_to_them(api, kam_user, other_kam):
    # given one account for each KAM and one for nobody
    mine, theirs, _nobodys = AccountFactory(), AccountFactory(), AccountFactory()
    assign(mine, kam_user)
    assign(theirs, other_kam)
    # when the KAM lists accounts
    response = api(kam_user).get(LIST)
    # then only their own account is there
    assert external_ids(response) == [mine.external_id]
    assert response.json()["count"] == 1


def test_kam_gets_404_on_an_account_that_is_not_theirs(api, kam_user, other_kam):
    # given an account of another KAM
    theirs = AccountFactory()
    assign(theirs, other_kam)
    # when the KAM opens it, or an account that does not exist
    hidden = api(kam_user).get(detail(theirs.external_id))
    missing = api(kam_user).get(detail("NO-SUCH-ID"))
    # then both are the same 404: the other account's existence does not leak
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json() == missing.json()


def test_team_lead_sees_the_accounts_of_their_reports(api):
    # given a lead whose report looks after an account
    lead = make_user("kam", "lead")
    report = make_user("gam", "report", reports_to=lead)
    account = AccountFactory()
    assign(account, report)
    # when the lead lists accounts, then the report's account is there
    assert external_ids(api(lead).get(LIST)) == [account.external_id]


@pytest.mark.parametrize("url", [LIST, detail("ACC-ANY")])
def test_anonymous_is_refused(api, url):
    # given an account, when nobody logged in asks for it
    AccountFactory(external_id="ACC-ANY")
    response = api(None).get(url)
    # then the API refuses without showing any data
    assert response.status_code in (401, 403)
    assert "results" not in response.json()
    assert "ACC-ANY" not in response.content.decode()


def test_token_authentication_works(director):
    # given the director's API token from the service that `kam token` uses
    account = AccountFactory()
    token = user_token(username=director.username)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    # when a script calls the API with it, no session
    response = client.get(LIST)
    # then it is the director's view of the data
    assert external_ids(response) == [account.external_id]


def test_a_wrong_token_is_refused(director):
    # given a real token with one character changed
    AccountFactory()
    token = user_token(username=director.username)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token[:-1]}{'a' if token[-1] != 'a' else 'b'}")
    # when it is used, then the request is refused
    response = client.get(LIST)
    assert response.status_code in (401, 403)
    assert "results" not in response.json()


def test_token_of_a_kam_is_scoped_like_their_session(kam_user, other_kam):
    # given a KAM's token and an account of another KAM
    mine, theirs = AccountFactory(), AccountFactory()
    assign(mine, kam_user)
    assign(theirs, other_kam)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {user_token(username=kam_user.username)}")
    # when the token lists and opens accounts, then the same scope applies
    assert external_ids(client.get(LIST)) == [mine.external_id]
    assert client.get(detail(theirs.external_id)).status_code == 404


def test_account_fields(api, director, kam_user):
    # given a three-level group and a lead manager on the bottom account
    top = AccountFactory(external_id="GRP", name="Group")
    middle = AccountFactory(external_id="MID", name="Middle", parent=top)
    bottom = AccountFactory(
        external_id="BOT",
        name="Bottom",
        parent=middle,
        country="DE",
        countries_of_operation=["DE", "FR"],
        employees=1200,
        market_share=Decimal("0.125"),
        spend_potential=Decimal("2500000.50"),
        strategic_fit=5,
        sector="Retail",
        status="prospect",
    )
    assign(bottom, kam_user)
    # when the director reads the list
    rows = {row["external_id"]: row for row in api(director).get(LIST).json()["results"]}
    # then each row has its parent, its group at the top of the chain, and its lead
    assert rows["BOT"]["parent"] == "MID"
    assert rows["BOT"]["group"] == "GRP"
    assert rows["MID"]["group"] == "GRP"
    assert rows["GRP"]["parent"] is None
    assert rows["GRP"]["group"] == "GRP"
    assert rows["BOT"]["lead_manager"] == kam_user.username
    assert rows["GRP"]["lead_manager"] is None
    assert {
        k: rows["BOT"][k]
        for k in (
            "name",
            "sector",
            "country",
            "countries_of_operation",
            "employees",
            "market_share",
            "spend_potential",
            "strategic_fit",
            "status",
        )
    } == {
        "name": "Bottom",
        "sector": "Retail",
        "country": "DE",
        "countries_of_operation": ["DE", "FR"],
        "employees": 1200,
        "market_share": "0.125000",
        "spend_potential": "2500000.50",
        "strategic_fit": 5,
        "status": "prospect",
    }
    assert rows["BOT"]["created_at"] and rows["BOT"]["updated_at"]
    assert "subsidiaries" not in rows["BOT"]
    assert str(bottom.pk) not in {str(v) for v in rows["BOT"].values()}


def test_an_ended_lead_is_not_the_lead_manager(api, director, kam_user, other_kam):
    # given an account whose lead moved from one KAM to another
    account = AccountFactory()
    assign(account, kam_user)
    assign(account, other_kam)
    # when it is read, then the lead manager is the new one
    row = api(director).get(detail(account.external_id)).json()
    assert row["lead_manager"] == other_kam.username


def test_detail_lists_only_subsidiaries_the_user_may_see(api, director, kam_user, other_kam):
    # given a group with two subsidiaries, the group and one subsidiary being the KAM's
    group = AccountFactory(external_id="G1")
    seen = AccountFactory(external_id="G1-FR", parent=group)
    hidden = AccountFactory(external_id="G1-DE", parent=group)
    assign(group, kam_user)
    assign(seen, kam_user)
    assign(hidden, other_kam)
    # when the KAM and the director open the group
    as_kam = api(kam_user).get(detail("G1")).json()
    as_director = api(director).get(detail("G1")).json()
    # then the KAM sees only their subsidiary, the director both
    assert as_kam["subsidiaries"] == ["G1-FR"]
    assert as_director["subsidiaries"] == ["G1-DE", "G1-FR"]
    assert as_director["group"] == "G1"


def test_detail_by_an_external_id_with_dots_and_spaces(api, director):
    # given ERP ids that are not plain words
    account = AccountFactory(external_id="ACME.FR 01")
    # when the detail is read with the id URL-encoded
    response = api(director).get(detail("ACME.FR%2001"))
    # then it is found
    assert response.status_code == 200
    assert response.json()["external_id"] == account.external_id


def test_filters_come_from_the_shared_filterset(api, director):
    # given accounts in two sectors, one of them a group with a subsidiary
    parent = AccountFactory(external_id="P", name="Zeta Holding", sector="Retail")
    AccountFactory(external_id="S", name="Zeta France", sector="Retail", parent=parent)
    AccountFactory(external_id="X", name="Alpha", sector="Energy", country="DE")
    client = api(director)
    # when filtering, then each filter of the accounts page works on the API too
    assert external_ids(client.get(LIST, {"sector": "retail"})) == ["S", "P"]
    assert external_ids(client.get(LIST, {"country": "de"})) == ["X"]
    assert external_ids(client.get(LIST, {"q": "zeta h"})) == ["P"]
    assert external_ids(client.get(LIST, {"group": "P"})) == ["S", "P"]
    assert external_ids(client.get(LIST, {"is_group": "true"})) == ["P"]
    assert external_ids(client.get(LIST, {"ordering": "-name"})) == ["P", "S", "X"]
    assert external_ids(client.get(LIST, {"ordering": "sector,-external_id"})) == [
        "X",
        "S",
        "P",
    ]


@pytest.mark.parametrize(
    ("param", "value"), [("status", "bogus"), ("ordering", "password"), ("ordering", "-pk")]
)
def test_bad_filter_values_get_a_400_naming_the_parameter(api, director, param, value):
    # given an account, when a filter gets a value it does not accept
    AccountFactory()
    response = api(director).get(LIST, {param: value})
    # then the error names the parameter and no rows are returned
    assert response.status_code == 400
    assert param in response.json()
    assert "results" not in response.json()


def test_pages_never_overlap_when_the_sort_key_ties(api, director):
    # given more accounts than a page, all with the same sector
    AccountFactory.create_batch(60, sector="Same")
    client = api(director)
    # when both pages are read sorted by sector
    with CaptureQueriesContext(connection) as queries:
        first = client.get(LIST, {"ordering": "sector"}).json()
    first_sql = [q["sql"] for q in queries.captured_queries]  # before the next request resets
    second = client.get(LIST, {"ordering": "sector", "page": 2}).json()
    # then together they hold every account exactly once
    ids = [r["external_id"] for r in first["results"] + second["results"]]
    assert first["count"] == 60 and len(first["results"]) == 50 and first["next"]
    assert len(ids) == len(set(ids)) == 60
    # because the database is told to break ties by primary key (SQLite happens to keep
    # insertion order without it; PostgreSQL does not)
    tie_break = 'ORDER BY "accounts_account"."sector" ASC, "accounts_account"."id" ASC'
    assert any(tie_break in sql for sql in first_sql)


def _accounts_with_groups(count: int, manager=None) -> None:  # type: ignore[no-untyped-def]
    """``count`` accounts, each under a two-level group, each with a lead manager."""
    for i in range(count):
        top = AccountFactory(external_id=f"TOP{i:03d}")
        middle = AccountFactory(external_id=f"MID{i:03d}", parent=top)
        account = AccountFactory(external_id=f"LEAF{i:03d}", parent=middle)
        if manager is not None:
            assign(account, manager)


@pytest.mark.parametrize("count", [3, 30])
def test_director_list_query_budget_does_not_grow_with_rows(
    api, director, kam_user, django_assert_num_queries, count
):
    # given `count` three-level groups, the leaves led by a KAM
    _accounts_with_groups(count, manager=kam_user)
    client = api(director)
    # when the director lists them (filtered to the leaves): session, user, roles,
    # count, page, current leads, one level of groups above the loaded parents
    with django_assert_num_queries(7):
        response = client.get(LIST, {"q": "LEAF"})
    # then the queries are the same for 3 and 30 rows, and the data is all there
    rows = response.json()["results"]
    assert len(rows) == count
    assert all(r["lead_manager"] == kam_user.username for r in rows)
    assert all(r["group"] == r["external_id"].replace("LEAF", "TOP") for r in rows)


@pytest.mark.parametrize("count", [3, 30])
def test_kam_list_query_budget_does_not_grow_with_rows(
    api, kam_user, django_assert_num_queries, count
):
    # given `count` accounts entrusted to the KAM
    _accounts_with_groups(count, manager=kam_user)
    client = api(kam_user)
    # when the KAM lists them: the same plus one query for their team
    with django_assert_num_queries(8):
        response = client.get(LIST)
    # then the queries are the same for 3 and 30 rows
    assert response.json()["count"] == count
