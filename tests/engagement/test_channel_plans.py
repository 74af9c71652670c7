"""Channel plans: the 1-to-3 rule, history, permissions (kam.engagement.services)."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from kam.engagement.models import ChannelPlan
from kam.engagement.selectors import channel_plan_get, channel_plan_history
from kam.engagement.services import PlanItemInput, channel_plan_set, channel_update
from tests.engagement.conftest import channel

FOUR = [
    PlanItemInput("visit", 4, "year"),
    PlanItemInput("emailing", 1, "month"),
    PlanItemInput("phone", 1, "month"),
    PlanItemInput("webinar", 1, "quarter"),
]


def refusal(exc: pytest.ExceptionInfo[ValidationError]) -> dict[str, list[str]]:
    return exc.value.message_dict


def test_a_plan_of_three_channels_is_stored_in_order(portfolio, kam_user):
    plan = channel_plan_set(account=portfolio.alpha, items=FOUR[:3], user=kam_user)
    current = channel_plan_get(user=kam_user, account=portfolio.alpha)
    assert current == plan
    assert [(i.channel.code, i.times, i.period) for i in current.items.all()] == [
        ("visit", 4, "year"),
        ("emailing", 1, "month"),
        ("phone", 1, "month"),
    ]
    assert plan.created_by == kam_user


def test_a_fourth_channel_is_refused_naming_the_field(portfolio, kam_user):
    with pytest.raises(ValidationError) as exc:
        channel_plan_set(account=portfolio.alpha, items=FOUR, user=kam_user)
    assert refusal(exc) == {"channels": ["a key account has at most 3 channels (got 4)"]}
    assert not ChannelPlan.objects.exists()


def test_a_plan_needs_a_channel(portfolio, kam_user):
    with pytest.raises(ValidationError) as exc:
        channel_plan_set(account=portfolio.alpha, items=[], user=kam_user)
    assert refusal(exc) == {"channels": ["a key account needs at least 1 channel"]}


@pytest.mark.parametrize(
    ("items", "message"),
    [
        (
            [PlanItemInput("visit", 1, "year"), PlanItemInput("visit", 2, "year")],
            "the channel “visit” is given twice",
        ),
        ([PlanItemInput("fax", 1, "year")], "unknown channel “fax”"),
        (
            [PlanItemInput("visit", 1, "fortnight")],
            "visit: unknown period “fortnight” (week, month, quarter or year)",
        ),
        (
            [PlanItemInput("visit", 0, "year")],
            "visit: the cadence is 1 to 365 times per period (got 0)",
        ),
    ],
)
def test_bad_items_are_refused_on_the_channels_field(portfolio, kam_user, items, message):
    with pytest.raises(ValidationError) as exc:
        channel_plan_set(account=portfolio.alpha, items=items, user=kam_user)
    (text,) = refusal(exc)["channels"]
    assert text.startswith(message)


def test_an_inactive_channel_is_refused(portfolio, kam_user, director):
    channel_update(channel=channel("event"), active=False, user=director)
    with pytest.raises(ValidationError) as exc:
        channel_plan_set(
            account=portfolio.alpha, items=[PlanItemInput("event", 2, "year")], user=kam_user
        )
    assert refusal(exc) == {"channels": ["the channel “event” is not active"]}


def test_a_new_plan_replaces_the_current_one_which_stays_in_the_history(portfolio, kam_user):
    first = channel_plan_set(account=portfolio.alpha, items=FOUR[:1], user=kam_user)
    second = channel_plan_set(account=portfolio.alpha, items=FOUR[1:3], user=kam_user)
    first.refresh_from_db()
    assert first.valid_to is not None and second.valid_to is None
    assert list(channel_plan_history(user=kam_user, account=portfolio.alpha)) == [second, first]


def test_setting_the_same_plan_again_changes_nothing(portfolio, kam_user):
    first = channel_plan_set(account=portfolio.alpha, items=FOUR[:2], user=kam_user)
    again = channel_plan_set(account=portfolio.alpha, items=FOUR[:2], user=kam_user)
    assert again == first
    assert ChannelPlan.objects.count() == 1


def test_only_the_accounts_managers_and_directors_set_plans(
    portfolio, kam_user, other_kam, director, analyst, marketing
):
    items = FOUR[:1]
    channel_plan_set(account=portfolio.bravo, items=items, user=director)
    for outsider in (kam_user, analyst, marketing):
        with pytest.raises(PermissionDenied):
            channel_plan_set(account=portfolio.bravo, items=FOUR[1:2], user=outsider)
    channel_plan_set(account=portfolio.bravo, items=FOUR[1:2], user=other_kam)
    assert ChannelPlan.objects.filter(account=portfolio.bravo).count() == 2


def test_a_kam_does_not_read_the_plan_of_an_account_not_theirs(portfolio, kam_user, other_kam):
    channel_plan_set(account=portfolio.bravo, items=FOUR[:1], user=other_kam)
    assert channel_plan_get(user=kam_user, account=portfolio.bravo) is None
    assert list(channel_plan_history(user=kam_user, account=portfolio.bravo)) == []
