"""The engagement endpoints of the REST API."""

from __future__ import annotations

import json

from kam.engagement.models import Activity, ChannelPlan
from kam.engagement.services import PlanItemInput, activity_log, channel_plan_set
from tests.engagement.conftest import channel

FOUR = [
    {"channel": "visit", "times": 4, "period": "year"},
    {"channel": "emailing", "times": 1, "period": "month"},
    {"channel": "phone", "times": 1, "period": "month"},
    {"channel": "webinar", "times": 1, "period": "quarter"},
]


def test_everyone_lists_the_channels_marketing_edits_them(api, analyst, marketing, db):
    listed = api(analyst).get("/api/v1/channels/")
    assert listed.status_code == 200
    codes = [c["code"] for c in listed.json()["results"]]
    assert "visit" in codes and "webinar" in codes
    refused = api(analyst).patch("/api/v1/channels/visit/", {"unit_cost": "1"}, format="json")
    assert refused.status_code == 403
    changed = api(marketing).patch(
        "/api/v1/channels/visit/", {"unit_cost": "350.00", "name": "Site visit"}, format="json"
    )
    assert changed.status_code == 200, changed.content
    assert changed.json()["unit_cost"] == "350.00"
    assert changed.json()["label"] == "Site visit"
    created = api(marketing).post(
        "/api/v1/channels/",
        {"code": "fair", "name": "Trade fair", "kind": "event", "unit_cost": "900"},
        format="json",
    )
    assert created.status_code == 201, created.content
    duplicate = api(marketing).post(
        "/api/v1/channels/", {"code": "fair", "name": "Again"}, format="json"
    )
    assert duplicate.status_code == 400 and "code" in duplicate.json()


def test_a_fourth_channel_is_a_400_naming_the_field(api, portfolio, kam_user):
    response = api(kam_user).put(
        "/api/v1/accounts/A/channel-plan/", {"channels": FOUR}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {"channels": ["a key account has at most 3 channels (got 4)"]}
    assert not ChannelPlan.objects.exists()


def test_a_plan_is_put_and_read_back(api, portfolio, kam_user):
    put = api(kam_user).put(
        "/api/v1/accounts/A/channel-plan/", {"channels": FOUR[:2]}, format="json"
    )
    assert put.status_code == 200, put.content
    got = api(kam_user).get("/api/v1/accounts/A/channel-plan/").json()
    assert [(c["channel"], c["times"], c["period"]) for c in got["channels"]] == [
        ("visit", 4, "year"),
        ("emailing", 1, "month"),
    ]
    assert got["created_by"] == "kim"


def test_an_account_without_plan_reads_empty_and_others_are_hidden(api, portfolio, kam_user):
    assert api(kam_user).get("/api/v1/accounts/C/channel-plan/").json()["channels"] == []
    assert api(kam_user).get("/api/v1/accounts/B/channel-plan/").status_code == 404
    refused = api(kam_user).put(
        "/api/v1/accounts/B/channel-plan/", {"channels": FOUR[:1]}, format="json"
    )
    assert refused.status_code == 404


def test_an_analyst_reads_plans_but_may_not_set_them(api, portfolio, analyst):
    channel_plan_set(account=portfolio.alpha, items=[PlanItemInput("visit", 1, "year")], user=None)
    assert api(analyst).get("/api/v1/accounts/A/channel-plan/").status_code == 200
    refused = api(analyst).put(
        "/api/v1/accounts/A/channel-plan/", {"channels": FOUR[:1]}, format="json"
    )
    assert refused.status_code == 403


def test_activities_are_logged_and_listed_with_filters(
    api, portfolio, kam_user, django_assert_max_num_queries
):
    created = api(kam_user).post(
        "/api/v1/activities/",
        {
            "account": "A",
            "channel": "phone",
            "outcome": "order",
            "order_amount": "120.00",
            "contacts": [portfolio.ann.pk],
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["account"], body["channel"], body["cost"], body["author"]) == (
        "A",
        "phone",
        "45.00",
        "kim",
    )
    for _ in range(5):
        activity_log(account=portfolio.alpha, channel=channel("visit"), user=kam_user)
    client = api(kam_user)
    # session, user, roles, portfolio (twice: the account, the list), count, page, contacts
    with django_assert_max_num_queries(9):
        listed = client.get("/api/v1/activities/", {"account": "A"})
    assert listed.status_code == 200 and listed.json()["count"] == 6
    assert client.get("/api/v1/activities/", {"channel": "phone"}).json()["count"] == 1
    assert client.get("/api/v1/activities/", {"date_from": "x"}).status_code == 400


def test_a_contact_of_another_account_is_a_400_on_contacts(api, portfolio, kam_user):
    response = api(kam_user).post(
        "/api/v1/activities/",
        {"account": "A", "channel": "visit", "contacts": [portfolio.bea.pk]},
        format="json",
    )
    assert response.status_code == 400
    assert list(response.json()) == ["contacts"]
    assert not Activity.objects.exists()


def test_a_recommendation_per_account_and_for_every_key_account(api, scored, director):
    activity_log(account=scored.alpha, channel=channel("visit"), outcome="reply", user=None)
    one = api(director).get("/api/v1/accounts/A/channel-recommendation/")
    assert one.status_code == 200
    body = one.json()
    assert body["suggested_plan"] == [{"channel": "visit", "times": 1, "period": "quarter"}]
    assert body["channels"][0]["reason"].startswith("Visit: replies to 100 % of contacts")
    every = api(director).get("/api/v1/channel-recommendations/").json()
    assert [r["account"] for r in every] == ["A", "B"]


def test_the_schema_documents_the_endpoints(api, analyst):
    schema = json.loads(api(analyst).get("/api/schema/", {"format": "json"}).content)
    assert {
        "/api/v1/channels/",
        "/api/v1/activities/",
        "/api/v1/accounts/{external_id}/channel-plan/",
        "/api/v1/accounts/{external_id}/channel-recommendation/",
        "/api/v1/channel-recommendations/",
    } <= set(schema["paths"])
    put = schema["paths"]["/api/v1/accounts/{external_id}/channel-plan/"]["put"]
    assert "at most 3 channels" in put["description"]
