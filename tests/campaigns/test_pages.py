"""The campaign pages: list, creation form, preview with the send button, sending,
responses, export and results."""

from __future__ import annotations

import re
from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from kam.engagement.models import Campaign, CampaignTarget
from tests.campaigns.conftest import Audience, Inbox, new_campaign


def test_create_preview_and_send_from_the_pages(
    login, audience: Audience, marketing, smtp_server: Inbox
):
    client = login(marketing)
    form = client.get(reverse("engagement:campaign_create"))
    assert form.status_code == 200
    html = form.content.decode()
    assert 'value="kim"' in html and 'value="Retail"' in html
    assert 'value="mark"' not in html  # marketing manages no account: not offered
    today = timezone.localdate()
    posted = client.post(
        reverse("engagement:campaign_create"),
        {
            "name": "Page offer",
            "offer": "A gift with every order.",
            "discount_percent": "",
            "valid_from": today.isoformat(),
            "valid_to": (today + timedelta(days=5)).isoformat(),
            "channel": "emailing",
            "tiers": "key",
            "kams": ["kim"],
        },
    )
    campaign = Campaign.objects.get(name="Page offer")
    assert posted.status_code == 302
    assert posted["Location"] == reverse("engagement:campaign", args=[campaign.pk])
    assert campaign.criteria["kams"] == ["kim"]

    preview = client.get(posted["Location"]).content.decode()
    counts = re.findall(r'<p class="kpi-value">(\d+)</p>', preview)
    assert counts[:3] == ["1", "1", "1"]  # Alpha; Ann to mail; Bob without consent
    assert "Send 1 e-mail" in preview
    assert "skipped: no consent" in preview and "bob@alpha.example" in preview

    sent = client.post(reverse("engagement:campaign_send", args=[campaign.pk]), follow=True)
    page = sent.content.decode()
    assert "Sent: 1 e-mail(s) to 1 account(s); 0 failed; 2 contact(s) skipped" in page
    assert "1 without consent" in page
    assert smtp_server.recipients == ["ann@alpha.example"]
    again = client.post(reverse("engagement:campaign_send", args=[campaign.pk]), follow=True)
    assert "already sent" in again.content.decode()
    assert len(smtp_server.messages) == 1

    ann = CampaignTarget.objects.get(campaign=campaign, contact=audience.ann)
    client.post(
        reverse("engagement:campaign_response", args=[campaign.pk]),
        {"target": ann.pk, "outcome": "meeting"},
    )
    ann.refresh_from_db()
    assert ann.responded and ann.outcome == "meeting"

    results = client.get(reverse("engagement:campaign_results", args=[campaign.pk]), {"days": 30})
    assert results.status_code == 200
    html = results.content.decode()
    assert 'id="response-rate">100 %' in html and "Difference in differences" in html
    exported = client.get(
        reverse("engagement:campaign_export", args=[campaign.pk]), {"format": "csv"}
    )
    assert exported.status_code == 200 and exported["X-Kam-Skipped"] == "2"
    assert "ann@alpha.example" in exported.content.decode("utf-8-sig")


def test_a_form_refusal_is_shown_on_its_field(login, audience: Audience, director):
    today = timezone.localdate()
    page = login(director).post(
        reverse("engagement:campaign_create"),
        {
            "name": "Bad",
            "offer": "x",
            "discount_percent": "200",
            "valid_from": today.isoformat(),
            "valid_to": today.isoformat(),
            "channel": "emailing",
        },
    )
    assert page.status_code == 400
    assert "The discount is a percentage from 0 to 100" in page.content.decode()
    assert not Campaign.objects.exists()


def test_permissions_of_the_pages(
    login,
    audience: Audience,
    marketing,
    kam_user,
    analyst,
    smtp_server: Inbox,
    django_assert_max_num_queries,
):
    campaign = new_campaign(marketing)
    draft = new_campaign(marketing, name="Still a draft")
    from kam.engagement.campaigns import campaign_send

    campaign_send(campaign=campaign, user=marketing)
    analyst_client = login(analyst)
    with django_assert_max_num_queries(8):
        listed = analyst_client.get(reverse("engagement:campaigns")).content.decode()
    assert "Still a draft" in listed and "New campaign" not in listed
    assert analyst_client.get(reverse("engagement:campaign_create")).status_code == 403
    detail = analyst_client.get(reverse("engagement:campaign", args=[draft.pk])).content.decode()
    assert "Send " not in detail
    assert (
        analyst_client.post(reverse("engagement:campaign_send", args=[draft.pk])).status_code == 403
    )
    kim = login(kam_user)
    listed = kim.get(reverse("engagement:campaigns")).content.decode()
    assert campaign.name in listed and "Still a draft" not in listed
    assert kim.get(reverse("engagement:campaign", args=[draft.pk])).status_code == 404
    page = kim.get(reverse("engagement:campaign", args=[campaign.pk])).content.decode()
    assert "ann@alpha.example" in page and "bea@bravo.example" not in page
