"""Logging activities and reading the timeline; the channel catalogue and its labels."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone, translation

from kam.engagement.catalogue import seeded_label
from kam.engagement.models import Activity, Channel, ChannelKind, Outcome
from kam.engagement.selectors import activity_list, channel_list
from kam.engagement.services import activity_log, channel_create, channel_update, channels_seed
from tests.engagement.conftest import channel


def test_two_clicks_log_an_activity_today_at_the_channels_cost(portfolio, kam_user):
    activity = activity_log(
        account=portfolio.alpha, channel=channel("visit"), outcome=Outcome.MEETING, user=kam_user
    )
    activity.refresh_from_db()
    assert activity.occurred_on == timezone.localdate()
    assert activity.cost == Decimal("400.00")
    assert activity.outcome == "meeting"
    assert activity.author == kam_user


def test_contacts_and_an_order(portfolio, kam_user):
    activity = activity_log(
        account=portfolio.alpha,
        channel=channel("phone"),
        outcome=Outcome.ORDER,
        occurred_on=date(2025, 1, 15),
        contacts=[portfolio.ann, portfolio.bob],
        cost=Decimal("10"),
        order_amount=Decimal("2500"),
        order_reference=" PO-1 ",
        subject="Renewal",
        user=kam_user,
    )
    assert set(activity.contacts.all()) == {portfolio.ann, portfolio.bob}
    assert (activity.cost, activity.order_amount, activity.order_reference) == (
        Decimal("10"),
        Decimal("2500"),
        "PO-1",
    )


def test_a_contact_of_another_account_is_refused(portfolio, kam_user):
    with pytest.raises(ValidationError) as exc:
        activity_log(
            account=portfolio.alpha,
            channel=channel("visit"),
            contacts=[portfolio.bea],
            user=kam_user,
        )
    assert exc.value.message_dict == {"contacts": ["Not a contact of this account: Bea Sun."]}
    assert not Activity.objects.exists()


def test_an_order_amount_needs_the_outcome_order(portfolio, kam_user):
    with pytest.raises(ValidationError) as exc:
        activity_log(
            account=portfolio.alpha,
            channel=channel("visit"),
            outcome=Outcome.REPLY,
            order_amount=Decimal("10"),
            user=kam_user,
        )
    assert list(exc.value.message_dict) == ["order_amount"]


def test_future_dates_and_inactive_channels_are_refused(portfolio, kam_user, marketing):
    with pytest.raises(ValidationError) as exc:
        activity_log(
            account=portfolio.alpha,
            channel=channel("visit"),
            occurred_on=timezone.localdate() + timedelta(days=1),
            user=kam_user,
        )
    assert list(exc.value.message_dict) == ["occurred_on"]
    channel_update(channel=channel("event"), active=False, user=marketing)
    with pytest.raises(ValidationError) as exc:
        activity_log(account=portfolio.alpha, channel=channel("event"), user=kam_user)
    assert list(exc.value.message_dict) == ["channel"]


def test_only_managers_and_directors_log_activities(portfolio, kam_user, director, analyst):
    activity_log(account=portfolio.bravo, channel=channel("visit"), user=director)
    for outsider in (kam_user, analyst):
        with pytest.raises(PermissionDenied):
            activity_log(account=portfolio.bravo, channel=channel("visit"), user=outsider)


def test_the_timeline_is_scoped_and_newest_first(
    portfolio, kam_user, other_kam, director, django_assert_max_num_queries
):
    for day in (1, 3, 2):
        activity_log(
            account=portfolio.alpha,
            channel=channel("visit"),
            occurred_on=date(2025, 1, day),
            contacts=[portfolio.ann],
            user=kam_user,
        )
    activity_log(account=portfolio.bravo, channel=channel("phone"), user=other_kam)
    with django_assert_max_num_queries(4):
        mine = list(activity_list(user=kam_user))
        labels = [
            (a.occurred_on.day, a.channel.label, [str(c) for c in a.contacts.all()]) for a in mine
        ]
    assert labels == [
        (3, "Visit", ["Ann Lee"]),
        (2, "Visit", ["Ann Lee"]),
        (1, "Visit", ["Ann Lee"]),
    ]
    assert activity_list(user=director).count() == 4
    assert activity_list(user=director, channel=channel("phone")).count() == 1
    assert (
        activity_list(user=director, date_from=date(2025, 1, 2), date_to=date(2025, 1, 2)).count()
        == 1
    )


def test_the_catalogue_is_seeded_with_translatable_names(db):
    codes = list(channel_list(user=None).values_list("code", flat=True))
    assert codes == ["emailing", "event", "mailing", "phone", "social", "visit", "webinar"]
    assert channel("mailing").label == "Mailing with offers"
    # the label of an untouched seeded channel is the catalogue's translatable text
    assert seeded_label("visit", "Visit") == "Visit"
    assert seeded_label("visit", "Tournée terrain") is None
    assert seeded_label("trade-show", "Trade show") is None


def test_a_renamed_channel_shows_its_new_name_in_every_language(db, marketing):
    visit = channel_update(channel=channel("visit"), name="Tournée terrain", user=marketing)
    with translation.override("fr"):
        assert visit.label == "Tournée terrain"
    assert visit.label == "Tournée terrain"


def test_marketing_and_directors_edit_the_catalogue_others_do_not(db, marketing, kam_user, analyst):
    webinar = channel_create(
        code="trade-show",
        name="Trade show",
        kind=ChannelKind.EVENT,
        unit_cost=Decimal("900"),
        user=marketing,
    )
    assert Channel.objects.get(code="trade-show").label == "Trade show" == webinar.label
    for outsider in (kam_user, analyst):
        with pytest.raises(PermissionDenied):
            channel_update(channel=webinar, unit_cost=Decimal("1"), user=outsider)
    with pytest.raises(ValidationError) as exc:
        channel_create(code="bad code!", name="x", unit_cost=Decimal("-1"), user=marketing)
    assert set(exc.value.message_dict) == {"code", "unit_cost"}


def test_the_seeded_channels_are_put_back_in_a_flushed_catalogue(db, marketing):
    # given a catalogue with a renamed visit and without its webinar
    channel_update(channel=channel("visit"), name="Field visit", user=marketing)
    Channel.objects.filter(code="webinar").delete()
    # when the seeded channels are put back
    added = channels_seed()
    # then only the missing one comes back, the renamed one is left alone
    assert added == 1
    assert channel("webinar").label == "Webinar"
    assert channel("visit").label == "Field visit"
    assert channels_seed() == 0
