"""Sending a campaign through a REAL SMTP server (aiosmtpd on 127.0.0.1): what the
server received, who was skipped and why, the activities logged and the audit trail."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from kam.core.models import AuditEvent
from kam.engagement.campaigns import campaign_send, campaign_targets_preview
from kam.engagement.models import Activity, Campaign, CampaignTarget, Outcome, TargetStatus
from tests.campaigns.conftest import REFUSED_DOMAIN, Audience, Inbox, _free_port, new_campaign


def test_preview_counts_who_is_mailed_and_who_is_skipped_and_why(audience: Audience, marketing):
    campaign = new_campaign(marketing)
    preview = campaign_targets_preview(campaign=campaign, user=marketing)
    assert preview.counts == {
        "accounts": 2,  # Alpha and Bravo, the key accounts; not Charlie
        "mailable": 2,
        "skipped_no_consent": 1,
        "skipped_no_email": 1,
        "skipped_left": 1,
        "skipped": 3,
    }
    by_email = {r.contact_name: r.status for r in preview.rows}
    assert by_email == {
        "Ann Lee": TargetStatus.PENDING,
        "Bob Ray": TargetStatus.SKIPPED_NO_CONSENT,
        "Cid Vo": TargetStatus.SKIPPED_NO_EMAIL,
        "Bea Sun": TargetStatus.PENDING,
        "Dan Wu": TargetStatus.SKIPPED_LEFT,
    }
    assert {r.kam for r in preview.rows} == {"kim", "otto"}


def test_send_delivers_one_email_per_consenting_contact(
    audience: Audience, marketing, smtp_server: Inbox
):
    campaign = new_campaign(marketing)
    result = campaign_send(campaign=campaign, user=marketing)

    # What the SMTP server received: Ann and Bea, one message each, nobody else.
    assert smtp_server.recipients == ["ann@alpha.example", "bea@bravo.example"]
    assert len(smtp_server.messages) == 2
    for received in smtp_server.messages:
        assert received.mail_from == "offers@kam.example"
        assert received.message["Subject"] == "Spring loyalty offer"
        assert received.message["X-Kam-Campaign"] == str(campaign.pk)
        text = received.part("text/plain")
        html = received.part("text/html")
        assert "Ten percent off every reorder of consumables." in text
        assert "Ten percent off every reorder of consumables." in html
        assert "Your discount: 10 %." in text
    ann = next(m for m in smtp_server.messages if m.rcpt_tos == ["ann@alpha.example"])
    assert "Dear Ann Lee," in ann.part("text/plain")
    assert "Alpha" in ann.part("text/html")
    # Bob refused mailings: he received nothing, and is counted as skipped for consent.
    assert "bob@alpha.example" not in smtp_server.recipients
    assert result.as_dict() == {
        "accounts": 2,
        "sent": 2,
        "failed": 0,
        "skipped": 3,
        "skipped_no_consent": 1,
        "skipped_no_email": 1,
        "skipped_left": 1,
        "activities": 2,
    }
    campaign.refresh_from_db()
    assert campaign.is_sent and campaign.sent_at is not None and campaign.sent_by == marketing
    assert (campaign.sent_count, campaign.skipped_no_consent, campaign.accounts_count) == (2, 1, 2)
    statuses = dict(
        CampaignTarget.objects.filter(campaign=campaign).values_list(
            "contact__first_name", "status"
        )
    )
    assert statuses == {
        "Ann": TargetStatus.SENT,
        "Bob": TargetStatus.SKIPPED_NO_CONSENT,
        "Cid": TargetStatus.SKIPPED_NO_EMAIL,
        "Bea": TargetStatus.SENT,
        "Dan": TargetStatus.SKIPPED_LEFT,
    }
    # One activity per account reached, on the campaign's channel, at its unit cost.
    activities = Activity.objects.filter(subject="Spring loyalty offer").order_by("account__name")
    assert [a.account.name for a in activities] == ["Alpha", "Bravo"]
    for activity in activities:
        assert activity.channel.code == "emailing"
        assert activity.cost == Decimal("1.50")
        assert activity.outcome == Outcome.NONE
        assert activity.author == marketing
    assert [c.first_name for c in activities[0].contacts.all()] == ["Ann"]
    event = AuditEvent.objects.get(action="campaign.send")
    assert event.details["skipped_no_consent"] == 1 and event.actor == marketing


def test_sending_twice_is_refused_and_sends_nothing_more(
    audience: Audience, director, smtp_server: Inbox
):
    campaign = new_campaign(director)
    campaign_send(campaign=campaign, user=director)
    with pytest.raises(ValidationError) as refused:
        campaign_send(campaign=campaign, user=director)
    assert "already sent" in refused.value.message_dict["status"][0]
    assert len(smtp_server.messages) == 2
    assert CampaignTarget.objects.filter(campaign=campaign).count() == 5


def test_a_refused_address_is_recorded_and_the_others_still_go(
    audience: Audience, marketing, smtp_server: Inbox
):
    audience.ann.email = f"ann@{REFUSED_DOMAIN}"
    audience.ann.save()
    campaign = new_campaign(marketing)
    result = campaign_send(campaign=campaign, user=marketing)
    assert (result.sent, result.failed) == (1, 1)
    assert smtp_server.recipients == ["bea@bravo.example"]
    failed = CampaignTarget.objects.get(campaign=campaign, status=TargetStatus.FAILED)
    assert failed.contact == audience.ann and "No such mailbox" in failed.error
    # Alpha got no e-mail through: no activity is logged for it.
    assert list(Activity.objects.values_list("account__name", flat=True)) == ["Bravo"]


def test_an_unreachable_server_fails_every_target_without_losing_the_campaign(
    audience: Audience, marketing, settings
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = _free_port()  # nothing listens there
    settings.EMAIL_TIMEOUT = 2
    campaign = new_campaign(marketing)
    result = campaign_send(campaign=campaign, user=marketing)
    assert (result.sent, result.failed, result.skipped_no_consent) == (0, 2, 1)
    assert CampaignTarget.objects.filter(status=TargetStatus.FAILED).exclude(error="").count() == 2
    assert Campaign.objects.get(pk=campaign.pk).failed_count == 2


def test_kams_and_analysts_may_not_send(audience: Audience, marketing, kam_user, analyst):
    campaign = new_campaign(marketing)
    for user in (kam_user, analyst):
        with pytest.raises(PermissionDenied):
            campaign_send(campaign=campaign, user=user)
    assert not Campaign.objects.get(pk=campaign.pk).is_sent


def test_nobody_to_mail_is_refused_and_the_campaign_stays_a_draft(
    audience: Audience, marketing, smtp_server: Inbox
):
    campaign = new_campaign(marketing, criteria={"kams": ["kim"], "sectors": ["Retail"]})
    audience.ann.do_not_mail = True
    audience.ann.save()
    with pytest.raises(ValidationError) as refused:
        campaign_send(campaign=campaign, user=marketing)
    message = refused.value.message_dict["criteria"][0]
    assert "Nobody to mail" in message and "2 without consent" in message
    assert not Campaign.objects.get(pk=campaign.pk).is_sent
    assert smtp_server.messages == []


def test_criteria_choose_accounts_by_kam_sector_and_score(audience: Audience, marketing):
    by_kam = new_campaign(marketing, criteria={"kams": ["otto"]})
    assert {r.external_id for r in campaign_targets_preview(campaign=by_kam, user=None).rows} == {
        "B"
    }
    by_sector = new_campaign(marketing, criteria={"sectors": "Retail"})
    assert {
        r.external_id for r in campaign_targets_preview(campaign=by_sector, user=None).rows
    } == {"A"}
    every_tier = new_campaign(marketing, criteria={"tiers": ["key", "standard"]})
    assert campaign_targets_preview(campaign=every_tier, user=None).accounts == 3
    too_high = new_campaign(marketing, criteria={"min_score": 1000})
    assert campaign_targets_preview(campaign=too_high, user=None).rows == []


def test_a_kam_previews_only_their_accounts(audience: Audience, marketing, kam_user):
    campaign = new_campaign(marketing)
    preview = campaign_targets_preview(campaign=campaign, user=kam_user)
    assert {r.external_id for r in preview.rows} == {"A"}


def test_a_send_stopped_midway_leaves_targets_saying_who_was_mailed(
    audience: Audience, marketing, settings
):
    from django.core import mail

    from tests.campaigns.backends import ProcessStopped, StopsAfterOneBackend

    # given a backend that "dies" after its first message
    settings.EMAIL_BACKEND = "tests.campaigns.backends.StopsAfterOneBackend"
    StopsAfterOneBackend.sent = 0
    campaign = new_campaign(marketing)
    with pytest.raises(ProcessStopped):
        campaign_send(campaign=campaign, user=marketing)
    # then the one message that went out is recorded as sent, the other is still pending
    assert len(mail.outbox) == 1
    (mailed,) = mail.outbox[0].to
    statuses = dict(
        CampaignTarget.objects.filter(campaign=campaign)
        .exclude(email="")
        .values_list("email", "status")
    )
    assert statuses.pop(mailed) == TargetStatus.SENT
    assert set(statuses.values()) == {TargetStatus.PENDING}
