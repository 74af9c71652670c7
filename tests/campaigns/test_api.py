"""The campaign endpoints of the REST API, with the real SMTP server for sending."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from django.utils import timezone
from openpyxl import load_workbook

from kam.engagement.models import Campaign, CampaignTarget
from tests.campaigns.conftest import Audience, Inbox, new_campaign


def _payload(**changes):
    today = timezone.localdate()
    data = {
        "name": "Autumn offer",
        "offer": "Free delivery on every order.",
        "discount_percent": "5",
        "valid_from": today.isoformat(),
        "valid_to": (today + timedelta(days=20)).isoformat(),
        "channel": "emailing",
        "criteria": {"tiers": ["key"], "sectors": []},
    }
    data.update(changes)
    return data


def test_create_preview_send_export_respond_over_the_api(
    api, audience: Audience, marketing, kam_user, smtp_server: Inbox
):
    client = api(marketing)
    created = client.post("/api/v1/campaigns/", _payload(), format="json")
    assert created.status_code == 201, created.json()
    pk = created.json()["id"]
    assert created.json()["status"] == "draft"

    preview = client.get(f"/api/v1/campaigns/{pk}/preview/").json()
    assert preview["counts"]["mailable"] == 2
    assert preview["counts"]["skipped_no_consent"] == 1
    assert {t["status"] for t in preview["targets"]} == {
        "pending",
        "skipped_no_consent",
        "skipped_no_email",
        "skipped_left",
    }

    sent = client.post(f"/api/v1/campaigns/{pk}/send/")
    assert sent.status_code == 200, sent.json()
    assert sent.json()["sent"] == 2 and sent.json()["skipped_no_consent"] == 1
    assert smtp_server.recipients == ["ann@alpha.example", "bea@bravo.example"]
    assert smtp_server.messages[0].message["Subject"] == "Autumn offer"
    again = client.post(f"/api/v1/campaigns/{pk}/send/")
    assert again.status_code == 400 and "status" in again.json()
    assert len(smtp_server.messages) == 2

    exported = client.get(f"/api/v1/campaigns/{pk}/export/", {"format": "csv"})
    assert exported.status_code == 200 and exported["X-Kam-Skipped"] == "3"
    assert exported["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert [r["email"] for r in rows] == ["ann@alpha.example", "bea@bravo.example"]
    xlsx = client.get(f"/api/v1/campaigns/{pk}/export/", {"format": "xlsx"})
    assert xlsx.status_code == 200
    book = load_workbook(io.BytesIO(xlsx.content))
    assert book["targets"].max_row == 3
    assert client.get(f"/api/v1/campaigns/{pk}/export/", {"format": "pdf"}).status_code == 404

    ann = CampaignTarget.objects.get(campaign_id=pk, contact=audience.ann)
    bea = CampaignTarget.objects.get(campaign_id=pk, contact=audience.bea)
    kim = api(kam_user)
    answered = kim.post(
        f"/api/v1/campaigns/{pk}/responses/", {"target": ann.pk, "outcome": "reply"}, format="json"
    )
    assert answered.status_code == 200 and answered.json()["responded"] is True
    # Bea's account is otto's: kim does not see that target.
    hidden = kim.post(
        f"/api/v1/campaigns/{pk}/responses/", {"target": bea.pk, "outcome": "reply"}, format="json"
    )
    assert hidden.status_code == 404
    results = client.get(f"/api/v1/campaigns/{pk}/results/", {"days": "30"}).json()
    assert results["sent"] == 2 and results["responded"] == 1 and results["response_rate"] == 0.5
    assert client.get(f"/api/v1/campaigns/{pk}/results/", {"days": "x"}).status_code == 400


def test_create_refusals_name_the_field(api, audience: Audience, marketing, kam_user):
    client = api(marketing)
    bad = client.post("/api/v1/campaigns/", _payload(discount_percent="150"), format="json")
    assert bad.status_code == 400 and "discount_percent" in bad.json()
    bad = client.post("/api/v1/campaigns/", _payload(channel="nope"), format="json")
    assert bad.status_code == 400 and "channel" in bad.json()
    bad = client.post("/api/v1/campaigns/", _payload(criteria={"kams": ["ghost"]}), format="json")
    assert bad.status_code == 400 and "kams" in bad.json()
    denied = api(kam_user).post("/api/v1/campaigns/", _payload(), format="json")
    assert denied.status_code == 403
    assert Campaign.objects.count() == 0


def test_who_sees_which_campaigns(
    api,
    audience: Audience,
    marketing,
    kam_user,
    other_kam,
    analyst,
    smtp_server: Inbox,
    django_assert_max_num_queries,
):
    to_kim = new_campaign(marketing, name="For kim", criteria={"kams": ["kim"]})
    to_otto = new_campaign(marketing, name="For otto", criteria={"kams": ["otto"]})
    new_campaign(marketing, name="Draft")
    from kam.engagement.campaigns import campaign_send

    campaign_send(campaign=to_kim, user=marketing)
    campaign_send(campaign=to_otto, user=marketing)
    analyst_client = api(analyst)
    with django_assert_max_num_queries(8):
        listed = analyst_client.get("/api/v1/campaigns/")
    assert listed.json()["count"] == 3
    kim = api(kam_user)
    with django_assert_max_num_queries(8):
        names = [c["name"] for c in kim.get("/api/v1/campaigns/").json()["results"]]
    assert names == ["For kim"]
    assert kim.get(f"/api/v1/campaigns/{to_otto.pk}/").status_code == 404
    assert analyst_client.post(f"/api/v1/campaigns/{to_kim.pk}/send/").status_code == 403
