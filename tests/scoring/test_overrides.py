"""Tier overrides: a reason is required, the run in force changes at once, new runs keep
the override until it is removed, and everything is audited."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from kam.core.models import AuditEvent
from kam.scoring.models import AccountScore, ScoreRun, TierOverride
from kam.scoring.services import (
    score_run_apply,
    score_run_create,
    scorecard_create,
    tier_override_remove,
    tier_override_set,
)
from tests.scoring.conftest import AS_OF, SIMPLE, Book

pytestmark = pytest.mark.django_db


def _in_force(book: Book) -> ScoreRun:
    card = scorecard_create(name="simple", definition=SIMPLE, user=None)
    run = score_run_create(scorecard=card, as_of=AS_OF, user=None).run
    assert run is not None
    return score_run_apply(run=run, user=None)


def _tier(run: ScoreRun, external_id: str) -> tuple[str, str]:
    row = AccountScore.objects.get(run=run, account__external_id=external_id)
    return row.tier, row.computed_tier


def test_an_override_changes_the_run_in_force_at_once_and_is_audited(book: Book, director):
    # given D (standard) in the run in force
    run = _in_force(book)
    assert _tier(run, "D") == ("standard", "standard")
    # when a director makes D key, with a reason
    override = tier_override_set(
        account=book.d, tier="key", reason="Signed a framework deal", user=director
    )
    # then the run in force says key (computed: standard), and its counts follow
    assert _tier(run, "D") == ("key", "standard")
    run.refresh_from_db()
    assert run.stats["tiers"]["key"] == 2
    assert override.created_by == director and override.is_active
    # and the audit trail has who, what and why
    event = AuditEvent.objects.get(action="tier.override")
    assert event.actor == director
    assert event.details == {"account": "D", "tier": "key", "computed_tier": "standard"}
    assert "Signed a framework deal" in event.summary


def test_the_override_is_kept_by_new_runs_until_removed(book: Book, director):
    _in_force(book)
    tier_override_set(account=book.d, tier="key", reason="Strategic partner", user=director)
    # when a new run is made
    card = ScoreRun.objects.get(in_force=True).scorecard
    new = score_run_create(scorecard=card, as_of=AS_OF, user=director).run
    assert new is not None
    # then it keeps the override
    assert _tier(new, "D") == ("key", "standard")
    assert new.stats["overridden"] == 1
    # when the override is removed and the new run applied
    score_run_apply(run=new, user=director)
    tier_override_remove(account=book.d, reason="Deal cancelled", user=director)
    # then the run in force goes back to the computed tier, and later runs too
    assert _tier(new, "D") == ("standard", "standard")
    later = score_run_create(scorecard=card, as_of=AS_OF, user=director).run
    assert later is not None and _tier(later, "D") == ("standard", "standard")
    # and the override is history, with who removed it and why
    removed = TierOverride.objects.get()
    assert removed.removed_by == director and removed.removal_reason == "Deal cancelled"
    assert AuditEvent.objects.filter(action="tier.override_remove").count() == 1


@pytest.mark.parametrize("reason", ["", "   "])
def test_an_override_without_a_reason_is_refused(book: Book, director, reason):
    run = _in_force(book)
    with pytest.raises(ValidationError) as refused:
        tier_override_set(account=book.d, tier="key", reason=reason, user=director)
    assert "reason" in refused.value.message_dict
    assert not TierOverride.objects.exists()
    assert _tier(run, "D") == ("standard", "standard")


def test_an_unknown_tier_is_refused_naming_the_known_ones(book: Book, director):
    with pytest.raises(ValidationError) as refused:
        tier_override_set(account=book.d, tier="platinum", reason="why not", user=director)
    assert "tier" in refused.value.message_dict
    assert "key" in str(refused.value)


def test_a_new_override_ends_the_previous_one(book: Book, director):
    _in_force(book)
    tier_override_set(account=book.d, tier="key", reason="first", user=director)
    tier_override_set(account=book.d, tier="strategic", reason="second", user=director)
    active = TierOverride.objects.get(removed_at__isnull=True)
    assert active.tier == "strategic"
    assert TierOverride.objects.filter(removed_at__isnull=False).count() == 1


def test_removing_a_missing_override_is_refused(book: Book, director):
    with pytest.raises(ValidationError) as refused:
        tier_override_remove(account=book.d, reason="nothing to remove", user=director)
    assert "account" in refused.value.message_dict


def test_applying_an_older_run_follows_the_overrides_of_today(book: Book, director):
    # given a run, then an override set while another run was in force
    first = _in_force(book)
    card = first.scorecard
    second = score_run_create(scorecard=card, as_of=AS_OF, user=director).run
    assert second is not None
    score_run_apply(run=second, user=director)
    tier_override_set(account=book.d, tier="key", reason="partner", user=director)
    # when the first run is applied again
    score_run_apply(run=first, user=director)
    # then its tiers carry the override too
    assert _tier(first, "D") == ("key", "standard")


@pytest.mark.parametrize("role", ["kam_user", "analyst", "marketing"])
def test_only_directors_override_tiers(request, book: Book, role):
    user = request.getfixturevalue(role)
    with pytest.raises(PermissionDenied):
        tier_override_set(account=book.d, tier="key", reason="I want it", user=user)
    with pytest.raises(PermissionDenied):
        tier_override_remove(account=book.d, reason="I want it", user=user)
    assert not TierOverride.objects.exists()


def test_a_kam_cannot_store_or_apply_runs(book: Book, kam_user):
    card = scorecard_create(name="simple", definition=SIMPLE, user=None)
    with pytest.raises(PermissionDenied):
        score_run_create(scorecard=card, as_of=AS_OF, user=kam_user)
    run = score_run_create(scorecard=card, as_of=AS_OF, user=None).run
    assert run is not None
    with pytest.raises(PermissionDenied):
        score_run_apply(run=run, user=kam_user)
    with pytest.raises(PermissionDenied):
        score_run_create(scorecard=card, as_of=AS_OF, user=kam_user, dry_run=True)
    assert ScoreRun.objects.count() == 1 and not ScoreRun.objects.filter(in_force=True).exists()
