"""Scorecards: created, revised, immutable once applied, refused when invalid, and only
by directors."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from kam.core.models import AuditEvent
from kam.domain.scorecard import ScorecardInvalid
from kam.scoring.models import Scorecard, ScorecardStatus
from kam.scoring.services import (
    score_run_apply,
    score_run_create,
    scorecard_create,
    scorecard_revise,
    scorecard_update,
)
from tests.scoring.conftest import AS_OF, SIMPLE, Book

pytestmark = pytest.mark.django_db


def _with(**changes: Any) -> dict[str, Any]:
    return {**SIMPLE, **changes}


def test_a_director_creates_a_draft_scorecard_recorded_in_the_audit_trail(director):
    # when a director creates a scorecard
    card = scorecard_create(name="simple", definition=SIMPLE, user=director, description="two")
    # then it is version 1, a draft, with its definition in JSON form
    assert (card.name, card.version, card.status) == ("simple", 1, ScorecardStatus.DRAFT)
    assert card.created_by == director and card.description == "two"
    assert card.definition["criteria"][0]["feature"] == "revenue_12m"
    assert card.definition["criteria"][0]["weight"] == 60.0
    # and the creation is audited
    event = AuditEvent.objects.get(action="scorecard.create")
    assert event.actor == director and event.object_id == str(card.pk)
    assert event.object_type == "scoring.scorecard"


@pytest.mark.parametrize(
    ("definition", "message"),
    [
        (
            _with(criteria=[{"feature": "revenue_12m", "weight": 90, "normalisation": "minmax"}]),
            "weights: must sum to 100 % (got 90 %)",
        ),
        (
            _with(criteria=[{"feature": "revnue_12m", "weight": 100, "normalisation": "minmax"}]),
            "criteria[0].feature: unknown feature 'revnue_12m' (did you mean 'revenue_12m'?)",
        ),
        (
            _with(
                criteria=[
                    {
                        "feature": "orders_12m",
                        "weight": 100,
                        "normalisation": "bands",
                        "bands": [10, 5],
                        "band_points": [0, 50, 100],
                    }
                ]
            ),
            "criteria[0].bands: cut points must be strictly increasing (got 10, 5)",
        ),
    ],
)
def test_an_invalid_scorecard_is_refused_with_a_message_naming_the_field(
    director, definition, message
):
    # when a scorecard with a mistake is created
    with pytest.raises(ScorecardInvalid) as refused:
        scorecard_create(name="bad", definition=definition, user=director)
    # then the message names the field and the reason, and nothing is stored
    assert message in str(refused.value)
    assert not Scorecard.objects.exists() and not AuditEvent.objects.exists()


def test_a_name_already_used_is_refused(director):
    scorecard_create(name="simple", definition=SIMPLE, user=director)
    with pytest.raises(ValidationError) as refused:
        scorecard_create(name="simple", definition=SIMPLE, user=director)
    assert "name" in refused.value.message_dict


@pytest.mark.parametrize("role", ["kam_user", "gam_user", "analyst", "marketing"])
def test_only_directors_create_scorecards(request, role):
    user = request.getfixturevalue(role)
    with pytest.raises(PermissionDenied):
        scorecard_create(name="mine", definition=SIMPLE, user=user)
    assert not Scorecard.objects.exists()


def test_a_kam_cannot_revise_or_change_a_scorecard(kam_user):
    card = scorecard_create(name="simple", definition=SIMPLE, user=None)
    with pytest.raises(PermissionDenied):
        scorecard_revise(scorecard=card, definition=SIMPLE, user=kam_user)
    with pytest.raises(PermissionDenied):
        scorecard_update(scorecard=card, definition=SIMPLE, user=kam_user)
    assert Scorecard.objects.count() == 1


def test_a_draft_changes_in_place_until_applied_then_revising_makes_a_new_version(
    book: Book, director
):
    # given a draft, changed in place
    card = scorecard_create(name="simple", definition=SIMPLE, user=director)
    orders_first = _with(
        criteria=[{**SIMPLE["criteria"][0], "weight": 30}, {**SIMPLE["criteria"][1], "weight": 70}]
    )
    changed = scorecard_update(scorecard=card, definition=orders_first, user=director)
    assert changed.pk == card.pk and changed.definition["criteria"][1]["weight"] == 70.0
    # when a run of it is applied
    run = score_run_create(scorecard=changed, as_of=AS_OF, user=director).run
    assert run is not None
    score_run_apply(run=run, user=director)
    # then it can no longer change
    with pytest.raises(ValidationError) as refused:
        scorecard_update(scorecard=changed, definition=SIMPLE, user=director)
    assert "revise" in str(refused.value)
    changed.refresh_from_db()
    assert changed.definition["criteria"][1]["weight"] == 70.0
    # but a revision makes version 2, a draft, and leaves version 1 active
    revised = scorecard_revise(scorecard=changed, definition=SIMPLE, user=director)
    assert (revised.name, revised.version, revised.status) == ("simple", 2, "draft")
    changed.refresh_from_db()
    assert changed.status == ScorecardStatus.ACTIVE
    assert AuditEvent.objects.filter(action="scorecard.revise", object_id=revised.pk).exists()


def test_revising_an_old_version_numbers_after_the_latest(director):
    v1 = scorecard_create(name="simple", definition=SIMPLE, user=director)
    scorecard_revise(scorecard=v1, definition=SIMPLE, user=director)
    v3 = scorecard_revise(scorecard=v1, definition=SIMPLE, user=director)
    assert v3.version == 3


def test_an_invalid_revision_stores_nothing(director):
    card = scorecard_create(name="simple", definition=SIMPLE, user=director)
    with pytest.raises(ScorecardInvalid):
        scorecard_revise(scorecard=card, definition=_with(abc_a=0.99, abc_b=0.9), user=director)
    assert Scorecard.objects.count() == 1
