"""Creating campaigns (refusals naming the field), recording responses, the tracking
report (a difference in differences read from the ledger) and the target-list export."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from openpyxl import load_workbook

from kam.accounts.models import Contact
from kam.domain.campaign_effect import campaign_effect, contact_status
from kam.engagement.campaigns import (
    campaign_record_response,
    campaign_results,
    campaign_send,
    campaign_target_list,
    target_list_csv,
    target_list_xlsx,
)
from kam.engagement.models import Campaign, CampaignTarget, Channel, Outcome, TargetStatus
from kam.scoring.services import score_run_apply, score_run_create, scorecard_create
from tests.campaigns.conftest import Audience, Inbox, new_campaign
from tests.factories import AccountFactory, assign
from tests.scoring.conftest import AS_OF, sell

# -- pure arithmetic ---------------------------------------------------------------------------


def test_contact_status_order_of_reasons():
    today = date(2026, 5, 1)
    assert contact_status(email="a@b.c", do_not_mail=False, left_on=None, today=today) == "pending"
    assert contact_status(email="a@b.c", do_not_mail=True, left_on=None, today=today) == (
        "skipped_no_consent"
    )
    assert contact_status(email=" ", do_not_mail=False, left_on=None, today=today) == (
        "skipped_no_email"
    )
    left = date(2026, 4, 1)
    assert contact_status(email="", do_not_mail=True, left_on=left, today=today) == "skipped_left"
    # Leaving next month: still a contact today.
    assert contact_status(
        email="a@b.c", do_not_mail=False, left_on=date(2026, 6, 1), today=today
    ) == ("pending")


def test_difference_in_differences_by_hand():
    revenue = {"T1": (100.0, 160.0), "T2": (50.0, 70.0), "C1": (80.0, 90.0)}
    result = campaign_effect(revenue=revenue, targeted=["T1", "T2"], comparison=["C1", "C2"])
    # Targeted: +60 and +20, mean +40. Comparison: +10 and 0 (C2 had no sales), mean +5.
    assert result.targeted.change_mean == pytest.approx(40.0)
    assert result.comparison.change_mean == pytest.approx(5.0)
    assert result.did == pytest.approx(35.0)
    assert campaign_effect(revenue=revenue, targeted=["T1"], comparison=[]).did is None


# -- create -----------------------------------------------------------------------------------


def test_create_refusals_name_the_field(audience: Audience, marketing):
    today = timezone.localdate()
    Channel.objects.filter(code="webinar").update(active=False)
    cases = [
        ({"name": "  "}, "name"),
        ({"name": "Two\nlines"}, "name"),
        ({"offer": ""}, "offer"),
        ({"discount_percent": "120"}, "discount_percent"),
        ({"discount_percent": "ten"}, "discount_percent"),
        ({"valid_to": today - timedelta(days=1), "valid_from": today}, "valid_to"),
        (
            {"valid_from": today - timedelta(days=10), "valid_to": today - timedelta(days=2)},
            "valid_to",
        ),
        ({"channel": "carrier-pigeon"}, "channel"),
        ({"channel": "webinar"}, "channel"),
        ({"criteria": {"kams": ["nobody"]}}, "kams"),
        ({"criteria": {"min_score": "high"}}, "min_score"),
        ({"criteria": {"colour": "red"}}, "criteria"),
    ]
    for changes, field in cases:
        with pytest.raises(ValidationError) as refused:
            new_campaign(marketing, **changes)
        assert field in refused.value.message_dict, (changes, refused.value.message_dict)
    assert Campaign.objects.count() == 0


def test_only_marketing_and_directors_create(audience: Audience, kam_user, analyst, director):
    for user in (kam_user, analyst):
        with pytest.raises(PermissionDenied):
            new_campaign(user)
    assert new_campaign(director).criteria == {
        "tiers": ["key"],
        "kams": [],
        "sectors": [],
        "min_score": None,
    }


# -- responses --------------------------------------------------------------------------------


def test_record_response_by_the_accounts_kam(
    audience: Audience, marketing, kam_user, other_kam, smtp_server: Inbox
):
    campaign = new_campaign(marketing)
    campaign_send(campaign=campaign, user=marketing)
    ann = CampaignTarget.objects.get(campaign=campaign, contact=audience.ann)
    with pytest.raises(PermissionDenied):
        campaign_record_response(target=ann, outcome=Outcome.REPLY, user=other_kam)
    campaign_record_response(target=ann, outcome=Outcome.MEETING, user=kam_user)
    ann.refresh_from_db()
    assert (ann.responded, ann.outcome, ann.responded_on) == (
        True,
        Outcome.MEETING,
        timezone.localdate(),
    )
    with pytest.raises(ValidationError) as refused:
        campaign_record_response(target=ann, outcome="maybe", user=kam_user)
    assert "outcome" in refused.value.message_dict
    bob = CampaignTarget.objects.get(campaign=campaign, contact=audience.bob)
    with pytest.raises(ValidationError) as refused:
        campaign_record_response(target=bob, outcome=Outcome.REPLY, user=marketing)
    assert "target" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        campaign_record_response(
            target=ann,
            outcome=Outcome.REPLY,
            user=marketing,
            responded_on=timezone.localdate() - timedelta(days=3),
        )
    assert "responded_on" in refused.value.message_dict


# -- results ----------------------------------------------------------------------------------

SENT_ON = date(2026, 4, 1)

FOUR_KEY = {
    "criteria": [{"feature": "revenue_12m", "weight": 100, "normalisation": "percentile"}],
    "tier_rules": [{"tier": "key", "top_n": 4}],
    "default_tier": "standard",
}


@pytest.fixture
def tracked(db, marketing, kam_user, other_kam, smtp_server: Inbox) -> Campaign:
    """Four key accounts in Retail and one in Energy; the campaign reaches kim's two
    (T1, T2); otto's Retail account (C1) is the comparison; Energy (E1) is not comparable.
    Sent on 2026-04-01 (moved back in time after sending)."""
    names = {"T1": kam_user, "T2": kam_user, "C1": other_kam, "E1": other_kam}
    for external_id, manager in names.items():
        account = AccountFactory(
            external_id=external_id, sector="Energy" if external_id == "E1" else "Retail"
        )
        assign(account, manager)
        Contact.objects.create(
            account=account, last_name=external_id, email=f"{external_id.lower()}@x.example"
        )
    sell(
        # before the scoring date: makes them all key
        ("T1", "S1", date(2025, 9, 1), 500.0),
        ("T2", "S2", date(2025, 9, 1), 400.0),
        ("C1", "S3", date(2025, 9, 1), 300.0),
        ("E1", "S4", date(2025, 9, 1), 200.0),
    )
    card = scorecard_create(name="four key", definition=FOUR_KEY, user=None)
    run = score_run_create(scorecard=card, as_of=AS_OF, user=None).run
    assert run is not None
    score_run_apply(run=run, user=None)
    sell(
        # 30 days before sending, then 30 days after
        ("T1", "B1", date(2026, 3, 10), 100.0),
        ("T1", "A1", date(2026, 4, 10), 200.0),  # +100
        ("T2", "A2", date(2026, 4, 20), 50.0),  # +50
        ("C1", "B3", date(2026, 3, 20), 40.0),
        ("C1", "A3", date(2026, 4, 5), 60.0),  # +20
        ("E1", "A4", date(2026, 4, 5), 9999.0),  # not comparable: another sector
        ("T1", "X1", date(2026, 2, 1), 7777.0),  # outside the 30-day window
        name="after",
    )
    campaign = new_campaign(marketing, criteria={"kams": ["kim"]})
    campaign_send(campaign=campaign, user=marketing)
    Campaign.objects.filter(pk=campaign.pk).update(
        sent_at=timezone.make_aware(datetime(2026, 4, 1, 9, 0))
    )
    campaign.refresh_from_db()
    return campaign


def test_results_difference_in_differences_from_the_ledger(tracked: Campaign, marketing):
    target = CampaignTarget.objects.get(campaign=tracked, account__external_id="T1")
    campaign_record_response(
        target=target, outcome=Outcome.ORDER, user=marketing, responded_on=date(2026, 4, 9)
    )
    results = campaign_results(campaign=tracked, days=30)
    assert (results.before_from, results.sent_on, results.after_to) == (
        date(2026, 3, 2),
        SENT_ON,
        date(2026, 4, 30),
    )
    assert (results.sent, results.responded, results.response_rate) == (2, 1, 0.5)
    assert results.outcomes["order"] == 1
    assert results.effect is not None
    targeted, comparison = results.effect.targeted, results.effect.comparison
    assert (targeted.accounts, targeted.before_total, targeted.after_total) == (2, 100.0, 250.0)
    assert (comparison.accounts, comparison.before_total, comparison.after_total) == (
        1,
        40.0,
        60.0,
    )
    # Targeted: +75 per account on average; comparison: +20; the campaign: +55.
    assert results.did == pytest.approx(55.0)
    data = results.as_dict()
    assert data["targeted"]["change_mean"] == pytest.approx(75.0)
    assert data["did"] == pytest.approx(55.0)


def test_results_of_a_draft_are_refused(audience: Audience, marketing):
    with pytest.raises(ValidationError) as refused:
        campaign_results(campaign=new_campaign(marketing))
    assert "status" in refused.value.message_dict


def test_results_window_bounds(tracked: Campaign):
    for days in (0, 10_000):
        with pytest.raises(ValidationError) as refused:
            campaign_results(campaign=tracked, days=days)
        assert "days" in refused.value.message_dict


# -- export -----------------------------------------------------------------------------------


def test_export_excludes_and_counts_skipped_contacts(
    audience: Audience, marketing, smtp_server: Inbox
):
    campaign = new_campaign(marketing)
    draft = campaign_target_list(campaign=campaign, user=marketing)
    campaign_send(campaign=campaign, user=marketing)
    sent = campaign_target_list(campaign=campaign, user=marketing)
    for targets in (draft, sent):
        assert sorted(r["email"] for r in targets.rows) == [
            "ann@alpha.example",
            "bea@bravo.example",
        ]
        assert targets.skipped == {
            "skipped_no_consent": 1,
            "skipped_no_email": 1,
            "skipped_left": 1,
        }
    rows = list(csv.DictReader(io.StringIO(target_list_csv(sent).decode("utf-8-sig"))))
    assert [(r["account"], r["contact"], r["email"], r["kam"]) for r in rows] == [
        ("A", "Ann Lee", "ann@alpha.example", "kim"),
        ("B", "Bea Sun", "bea@bravo.example", "otto"),
    ]
    assert rows[0]["offer"] == "Ten percent off every reorder of consumables."
    book = load_workbook(io.BytesIO(target_list_xlsx(sent)))
    sheet = [list(r) for r in book["targets"].iter_rows(values_only=True)]
    assert sheet[0] == ["account", "account_name", "contact", "email", "kam", "offer"]
    assert [r[3] for r in sheet[1:]] == ["ann@alpha.example", "bea@bravo.example"]
    skipped = dict(book["skipped"].iter_rows(min_row=2, values_only=True))
    assert skipped == {"skipped_no_consent": 1, "skipped_no_email": 1, "skipped_left": 1}
    assert TargetStatus.SENT in CampaignTarget.objects.values_list("status", flat=True)
