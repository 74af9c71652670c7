"""The accounts list page: access per role, search, filters, sorting, pages, htmx, CSV."""

from __future__ import annotations

import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import AccountFactory, assign

pytestmark = pytest.mark.django_db

LIST = reverse("accounts:list")
EXPORT = reverse("accounts:export")


def names_in(html: str, *names: str) -> list[str]:
    return [name for name in names if f">{name}</a>" in html]


def test_director_sees_every_account(login, director):
    AccountFactory(name="Acme"), AccountFactory(name="Globex")
    html = login(director).get(LIST).content.decode()
    assert names_in(html, "Acme", "Globex") == ["Acme", "Globex"]


def test_kam_sees_only_their_accounts(login, kam_user, other_kam):
    # given one account for each KAM
    mine, theirs = AccountFactory(name="Mine Ltd"), AccountFactory(name="Theirs Ltd")
    assign(mine, kam_user)
    assign(theirs, other_kam)
    # when the first KAM opens the list
    html = login(kam_user).get(LIST).content.decode()
    # then only their own account is listed
    assert names_in(html, "Mine Ltd", "Theirs Ltd") == ["Mine Ltd"]
    assert "1 account" in html


def test_columns_show_group_lead_manager_and_international_marker(login, director, kam_user):
    group = AccountFactory(name="Group SA", country="FR", countries_of_operation=["DE", "FR"])
    AccountFactory(name="Child GmbH", parent=group, country="DE", employees=1234)
    assign(group, kam_user)
    html = login(director).get(LIST).content.decode()
    assert "kim" in html  # the group's lead manager
    assert "<td>Group SA</td>" in html  # the child's group column
    assert "1,234" in html  # employees, grouped
    assert html.count('class="badge badge-intl"') == 1  # only the group spans two countries


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"q": "acm"}, ["Acme"]),
        ({"q": "ZZ-9"}, ["Globex"]),  # external id
        ({"sector": "retail"}, ["Globex"]),
        ({"country": "de"}, ["Initech"]),
        ({"status": "dormant"}, ["Initech"]),
        ({"group": "G-1"}, ["Acme", "Globex"]),  # the group and its members
    ],
)
def test_search_and_filters(login, director, query, expected):
    # given three accounts that differ on every filter
    acme = AccountFactory(name="Acme", external_id="G-1", sector="Industry")
    AccountFactory(name="Globex", external_id="ZZ-9", sector="Retail", parent=acme)
    AccountFactory(name="Initech", country="DE", status="dormant")
    # when the list is filtered
    html = login(director).get(LIST, query).content.decode()
    # then only the matching accounts are listed
    assert names_in(html, "Acme", "Globex", "Initech") == expected


def test_filter_drop_downs_offer_the_values_present(login, director):
    AccountFactory(sector="Retail", country="ES")
    html = login(director).get(LIST).content.decode()
    assert '<option value="Retail">Retail</option>' in html
    assert '<option value="ES">ES</option>' in html


def test_an_invalid_filter_value_is_reported_not_a_crash(login, director):
    AccountFactory(name="Acme")
    response = login(director).get(LIST, {"status": "bogus"})
    assert response.status_code == 200
    assert 'role="alert"' in response.content.decode()


def test_column_header_sorts_and_toggles(login, director):
    # given accounts of different sizes
    AccountFactory(name="Small", employees=10)
    AccountFactory(name="Big", employees=1000)
    client = login(director)
    # when sorted by employees, descending
    html = client.get(LIST, {"ordering": "-employees"}).content.decode()
    # then the biggest comes first and the header offers the reverse order
    assert html.index(">Big</a>") < html.index(">Small</a>")
    assert 'aria-sort="descending"' in html
    assert "ordering=employees" in html
    html = client.get(LIST, {"ordering": "employees"}).content.decode()
    assert html.index(">Small</a>") < html.index(">Big</a>")


def test_pages_of_fifty(login, director):
    AccountFactory.create_batch(51)
    client = login(director)
    first = client.get(LIST).content.decode()
    second = client.get(LIST, {"page": 2}).content.decode()
    assert first.count('class="account-name"') == 50
    assert second.count('class="account-name"') == 1
    assert 'aria-current="page">2</span>' in second
    assert "51 accounts" in first


def test_htmx_request_gets_only_the_table(login, director):
    AccountFactory(name="Acme")
    response = login(director).get(LIST, {"q": "ac"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    assert html.startswith('<div id="account-table"')
    assert "<html" not in html and 'id="account-filter"' not in html
    assert ">Acme</a>" in html
    assert "HX-Request" in response["Vary"]


def test_htmx_history_restore_gets_the_full_page(login, director):
    response = login(director).get(
        LIST, HTTP_HX_REQUEST="true", HTTP_HX_HISTORY_RESTORE_REQUEST="true"
    )
    assert "<html" in response.content.decode()


def _count_queries(client, url: str, **headers) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url, **headers).status_code == 200
    return len(queries)


@pytest.mark.parametrize("htmx", [False, True])
def test_list_query_count_does_not_grow_with_rows(login, director, kam_user, htmx):
    # given 3 accounts, each with a group and a lead manager
    client = login(director)
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    group = AccountFactory()
    for account in AccountFactory.create_batch(3, parent=group):
        assign(account, kam_user)
    few = _count_queries(client, LIST, **headers)
    # when 27 more are added
    for account in AccountFactory.create_batch(27, parent=group):
        assign(account, kam_user)
    # then the page costs the same number of queries, within the budget
    many = _count_queries(client, LIST, **headers)
    assert few == many
    assert many <= 9


def test_list_query_budget_for_a_kam(login, kam_user, django_assert_max_num_queries):
    for account in AccountFactory.create_batch(30):
        assign(account, kam_user)
    client = login(kam_user)
    with django_assert_max_num_queries(12):
        client.get(LIST)


def _csv(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(body)))


def test_csv_export_has_the_filtered_rows(login, director, kam_user):
    # given two accounts, one of them in retail and led by kim
    retail = AccountFactory(name="Globex", sector="Retail", countries_of_operation=["FR", "IT"])
    AccountFactory(name="Acme", sector="Industry")
    assign(retail, kam_user)
    # when the director downloads the retail list
    response = login(director).get(EXPORT, {"sector": "Retail"})
    rows = _csv(response)
    # then the file has the header and the one matching account, with its lead
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    header, *data = rows
    assert header[:2] == ["external_id", "name"]
    assert len(data) == 1
    record = dict(zip(header, data[0], strict=True))
    assert record["name"] == "Globex"
    assert record["lead_manager"] == "kim"
    assert record["countries_of_operation"] == "FR;IT"
    assert record["international"] == "yes"


def test_csv_export_is_scoped_to_the_user(login, kam_user, other_kam):
    mine, theirs = AccountFactory(name="Mine"), AccountFactory(name="Theirs")
    assign(mine, kam_user)
    assign(theirs, other_kam)
    names = [row[1] for row in _csv(login(kam_user).get(EXPORT))[1:]]
    assert names == ["Mine"]


def test_csv_export_neutralises_spreadsheet_formulas(login, director):
    # given an account whose name is a spreadsheet formula (hostile import)
    AccountFactory(name='=HYPERLINK("http://evil.example","x")', sector="+cmd")
    # when exported
    rows = _csv(login(director).get(EXPORT))
    # then the cells are plain text
    assert rows[1][1].startswith("'=")
    assert rows[1][4] == "'+cmd"


def test_list_page_links_the_csv_with_the_same_filters(login, director):
    html = login(director).get(LIST, {"sector": "Retail", "page": "1"}).content.decode()
    assert f'href="{EXPORT}?sector=Retail"' in html


def test_hostile_account_name_is_escaped(login, director):
    AccountFactory(name="<script>alert(1)</script>")
    html = login(director).get(LIST).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
