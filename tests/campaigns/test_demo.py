"""The demo's past campaign (kam.demo.campaigns), loaded by demo_load: stored as sent
without any e-mail, consent respected, some responses, results with a comparison."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from kam.accounts.models import Account
from kam.demo.campaigns import demo_campaign
from kam.demo.generate import DemoSpec
from kam.demo.services import demo_load
from kam.engagement.campaigns import campaign_results
from kam.engagement.models import Activity, Campaign, CampaignTarget, TargetStatus
from tests.factories import AccountFactory, ContactFactory

SPEC = DemoSpec(as_of=date(2026, 6, 15), accounts=120, lines=6_000, seed=5)


@pytest.mark.django_db
def test_the_demo_has_a_sent_campaign_with_responses_and_results(mailoutbox):
    demo_load(spec=SPEC)
    campaign = Campaign.objects.get()
    assert campaign.is_sent and mailoutbox == []  # stored as sent: no e-mail went out
    sent_on = SPEC.period[1] - timedelta(days=90)
    assert campaign.sent_at is not None and campaign.sent_at.date() == sent_on
    targets = CampaignTarget.objects.filter(campaign=campaign)
    assert campaign.sent_count == targets.filter(status=TargetStatus.SENT).count() > 0
    assert targets.filter(responded=True).exists()
    # consent: every contact who refused mailings is skipped, none is sent anything
    refused = targets.filter(contact__do_not_mail=True)
    assert not refused.filter(status=TargetStatus.SENT).exists()
    assert campaign.skipped_no_consent == refused.exclude(status=TargetStatus.SKIPPED_LEFT).count()
    assert (
        Activity.objects.filter(subject=campaign.name).count()
        == targets.filter(status=TargetStatus.SENT).values("account").distinct().count()
    )
    results = campaign_results(campaign=campaign, days=90)
    assert results.effect is not None
    assert results.effect.targeted.accounts > 0 and results.effect.comparison.accounts > 0
    assert results.did is not None and results.response_rate is not None


def _targets() -> list[tuple[str, str, str, str]]:
    return list(
        CampaignTarget.objects.order_by("account__external_id", "contact__external_id").values_list(
            "account__external_id", "contact__external_id", "status", "outcome"
        )
    )


def test_the_demo_campaign_is_deterministic_and_needs_four_accounts_of_a_sector(db, marketing):
    leads = []
    for n in range(6):
        account = AccountFactory(external_id=f"R{n}", sector="Retail")
        for k in range(3):
            ContactFactory(
                account=account,
                external_id=f"R{n}-{k}",
                email=f"p{k}@r{n}.example",
                do_not_mail=(k == 2),
            )
        leads.append((account.external_id, marketing))
    first = demo_campaign(seed=1, period=SPEC.period, leads=leads, by=marketing)
    assert first is not None
    assert [t.account_id for t in first.targets.all()][:1] == [
        Account.objects.get(external_id="R0").pk
    ]
    assert {a for a, *_ in _targets()} == {"R0", "R2", "R4"}  # every other account
    assert (first.sent_count, first.skipped_no_consent) == (6, 3)
    before = _targets()
    Activity.objects.all().delete()
    first.delete()
    assert demo_campaign(seed=1, period=SPEC.period, leads=leads, by=marketing) is not None
    assert _targets() == before
    Campaign.objects.all().delete()
    assert demo_campaign(seed=1, period=SPEC.period, leads=leads[:3], by=None) is None
