"""The contacts API and an account's stakeholder map: scoped reads, writes by the
account's managers and directors, errors naming the field, bounded queries."""

from __future__ import annotations

import json

import pytest

from kam.accounts.models import Contact
from kam.core.models import AuditEvent
from tests.factories import AccountFactory, ContactFactory, assign

pytestmark = pytest.mark.django_db

LIST = "/api/v1/contacts/"


@pytest.fixture
def mine(kam_user):
    account = AccountFactory(external_id="MINE/1")  # ERP ids may hold slashes
    assign(account, kam_user)
    return account


@pytest.fixture
def theirs(other_kam):
    account = AccountFactory(external_id="THEIRS")
    assign(account, other_kam)
    return account


def detail(contact: Contact) -> str:
    return f"{LIST}{contact.pk}/"


def stakeholders(external_id: str) -> str:
    return f"/api/v1/accounts/{external_id}/stakeholders/"


def test_a_kam_lists_their_contacts_and_filters_by_account(api, kam_user, analyst, mine, theirs):
    # given contacts on both accounts
    own = ContactFactory(account=mine, last_name="Durand")
    ContactFactory(account=theirs)
    # then the KAM lists only theirs, the analyst both, filtered by account on demand
    body = api(kam_user).get(LIST).json()
    assert [c["id"] for c in body["results"]] == [own.pk]
    assert body["results"][0]["account"] == "MINE/1"
    assert api(analyst).get(LIST).json()["count"] == 2
    assert api(analyst).get(LIST, {"account": "THEIRS"}).json()["count"] == 1
    # and another KAM's contact is a 404 for them
    assert api(kam_user).get(detail(Contact.objects.get(account=theirs))).status_code == 404


def test_list_filters_current_people_and_role(api, director, mine):
    ContactFactory(account=mine, buying_role="champion")
    ContactFactory(account=mine, buying_role="champion", left_on="2025-01-01")
    ContactFactory(account=mine, buying_role="user")
    client = api(director)
    assert client.get(LIST, {"current": "true"}).json()["count"] == 2
    assert client.get(LIST, {"buying_role": "champion", "current": "false"}).json()["count"] == 1


def test_the_list_costs_the_same_queries_for_many_contacts(
    api, director, mine, django_assert_max_num_queries
):
    ContactFactory.create_batch(3, account=mine)
    client = api(director)
    client.get(LIST)
    ContactFactory.create_batch(40, account=mine)
    ContactFactory.create_batch(5)
    with django_assert_max_num_queries(6):
        assert client.get(LIST).json()["count"] == 48


def test_a_kam_adds_a_contact_to_their_account(api, kam_user, mine):
    boss = ContactFactory(account=mine)
    response = api(kam_user).post(
        LIST,
        {
            "account": "MINE/1",
            "last_name": "Petit",
            "buying_role": "economic_buyer",
            "influence": 4,
            "reports_to": boss.pk,
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    created = Contact.objects.get(pk=response.json()["id"])
    assert (created.reports_to, created.attitude, created.is_current) == (boss, "neutral", True)
    assert AuditEvent.objects.filter(action="contact.create", actor=kam_user).exists()


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"account": "MINE/1", "last_name": "X", "email": "nope"}, "email"),
        ({"account": "MINE/1", "last_name": "X", "influence": 0}, "influence"),
        ({"account": "MINE/1", "last_name": "X", "attitude": "grumpy"}, "attitude"),
        ({"account": "MINE/1"}, "last_name"),
        ({"account": "THEIRS", "last_name": "X"}, "account"),  # not theirs to see
        ({"account": "MINE/1", "last_name": "X", "reports_to": 999999}, "reports_to"),
    ],
)
def test_refused_values_are_named_by_field(api, kam_user, mine, theirs, payload, field):
    response = api(kam_user).post(LIST, payload, format="json")
    assert response.status_code == 400
    assert field in response.json(), response.json()
    assert not Contact.objects.exists()


def test_a_boss_of_another_account_is_refused_by_the_services(api, director, mine, theirs):
    other = ContactFactory(account=theirs)
    payload = {"account": "MINE/1", "last_name": "X", "reports_to": other.pk}
    response = api(director).post(LIST, payload, format="json")
    assert response.status_code == 400
    assert response.json()["reports_to"] == [
        "A contact can only report to someone of the same account."
    ]


def test_a_cycle_is_refused_on_update(api, director, mine):
    top = ContactFactory(account=mine)
    below = ContactFactory(account=mine, reports_to=top)
    response = api(director).patch(detail(top), {"reports_to": below.pk}, format="json")
    assert response.status_code == 400 and "reports_to" in response.json()
    top.refresh_from_db()
    assert top.reports_to is None


def test_analysts_marketing_and_other_kams_cannot_write(api, analyst, marketing, other_kam, mine):
    contact = ContactFactory(account=mine)
    for user in (analyst, marketing):
        client = api(user)
        assert (
            client.post(LIST, {"account": "MINE/1", "last_name": "X"}, format="json").status_code
            == 403
        )
        assert client.patch(detail(contact), {"last_name": "Y"}, format="json").status_code == 403
    # another KAM does not even see it
    assert (
        api(other_kam).patch(detail(contact), {"last_name": "Y"}, format="json").status_code == 404
    )
    contact.refresh_from_db()
    assert contact.last_name != "Y"


def test_update_and_mark_left(api, kam_user, mine):
    contact = ContactFactory(account=mine, buying_role="champion")
    client = api(kam_user)
    response = client.patch(detail(contact), {"attitude": "opponent"}, format="json")
    assert response.status_code == 200 and response.json()["attitude"] == "opponent"
    # the account cannot change
    moved = client.patch(detail(contact), {"account": "ELSEWHERE"}, format="json")
    assert moved.status_code == 400 and "account" in moved.json()
    left = client.post(f"{detail(contact)}left/", {"left_on": "2026-01-31"}, format="json")
    assert left.status_code == 200 and left.json()["is_current"] is False
    again = client.post(f"{detail(contact)}left/", {}, format="json")
    assert again.status_code == 400 and "left_on" in again.json()


def test_no_delete(api, director, mine):
    contact = ContactFactory(account=mine)
    assert api(director).delete(detail(contact)).status_code == 405


# -- the stakeholder map -------------------------------------------------------------------


def test_the_map_gives_the_chart_and_the_gaps(api, kam_user, mine, django_assert_max_num_queries):
    # given a decision maker, their champion who left, and a user below the champion
    top = ContactFactory(account=mine, buying_role="decision_maker", influence=5)
    champion = ContactFactory(
        account=mine, buying_role="champion", reports_to=top, left_on="2026-01-01"
    )
    user = ContactFactory(account=mine, buying_role="user", reports_to=champion, influence=1)
    client = api(kam_user)
    # when the map is read (bounded queries)
    with django_assert_max_num_queries(8):
        body = client.get(stakeholders("MINE/1")).json()
    # then the nodes come depth first, linked both ways
    assert [(n["id"], n["level"], n["parent"]) for n in body["nodes"]] == [
        (top.pk, 0, None),
        (champion.pk, 1, top.pk),
        (user.pk, 2, champion.pk),
    ]
    assert body["nodes"][0]["children"] == [champion.pk]
    assert body["nodes"][1]["is_current"] is False
    assert (body["contacts"], body["current"]) == (3, 2)
    # and the gaps: no buyer, no champion (they left)
    assert [g["code"] for g in body["coverage"]["gaps"]] == ["no_economic_buyer", "no_champion"]
    assert body["coverage"]["rules_met"] == 2 and body["coverage"]["levels"] == 2
    # and without people who left, the user moves up under the decision maker
    reduced = client.get(stakeholders("MINE/1"), {"include_left": "false"}).json()
    assert [(n["id"], n["level"]) for n in reduced["nodes"]] == [(top.pk, 0), (user.pk, 1)]


def test_the_map_of_an_account_you_may_not_see_is_a_404(api, kam_user, theirs):
    assert api(kam_user).get(stakeholders("THEIRS")).status_code == 404
    assert api(None).get(stakeholders("THEIRS")).status_code == 401


def test_the_schema_documents_contacts_and_the_map(api, analyst):
    schema = json.loads(api(analyst).get("/api/schema/", {"format": "json"}).content)
    assert {"/api/v1/contacts/", "/api/v1/contacts/{id}/", "/api/v1/contacts/{id}/left/"} <= set(
        schema["paths"]
    )
    path = schema["paths"]["/api/v1/accounts/{external_id}/stakeholders/"]["get"]
    assert path["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/StakeholderMap"
    )
    params = {p["name"] for p in schema["paths"]["/api/v1/contacts/"]["get"]["parameters"]}
    assert {"account", "current", "buying_role", "q", "page"} <= params
    node = schema["components"]["schemas"]["StakeholderNode"]["properties"]
    assert node["children"]["items"]["type"] == "integer"
