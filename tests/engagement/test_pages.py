"""The engagement pages: the account's section (two-click logging, plan, recommendation),
the channel catalogue and the key accounts without a plan."""

from __future__ import annotations

from django.urls import reverse

from kam.engagement.models import Activity, ChannelPlan
from kam.engagement.services import PlanItemInput, activity_log, channel_plan_set
from tests.engagement.conftest import channel

HTMX = {"HTTP_HX_REQUEST": "true"}


def section_url(external_id: str) -> str:
    return reverse("engagement:account", args=[external_id])


def test_the_account_page_loads_the_section_with_one_include(login, portfolio, kam_user):
    page = login(kam_user).get(reverse("accounts:detail", args=["A"]))
    html = page.content.decode()
    assert page.status_code == 200
    assert f'hx-get="{section_url("A")}"' in html
    assert 'hx-trigger="load"' in html


def test_the_section_shows_the_timeline_plan_and_recommendation(login, portfolio, kam_user):
    activity_log(
        account=portfolio.alpha,
        channel=channel("visit"),
        outcome="meeting",
        subject="Yearly review",
        contacts=[portfolio.ann],
        user=kam_user,
    )
    response = login(kam_user).get(section_url("A"), **HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html  # a fragment for htmx
    assert "Yearly review" in html and "Ann Lee" in html
    assert "This account has no channel plan" in html
    assert "Visit: replies to 100 % of contacts (1 of 1)" in html
    assert "Use the suggested plan" in html
    assert 'name="outcome" value="order"' in html


def test_the_section_is_a_page_without_htmx(login, portfolio, analyst):
    response = login(analyst).get(section_url("A"))
    html = response.content.decode()
    assert response.status_code == 200 and "<html" in html
    assert "Log an activity" not in html  # analysts read
    assert "Save the plan" not in html


def test_two_clicks_log_an_activity(login, portfolio, kam_user):
    client = login(kam_user)
    response = client.post(
        reverse("engagement:log", args=["A"]), {"channel": "phone", "outcome": "reply"}, **HTMX
    )
    assert response.status_code == 200
    assert "Logged: Phone call, Reply." in response.content.decode()
    activity = Activity.objects.get()
    assert (activity.channel.code, activity.outcome, activity.author) == (
        "phone",
        "reply",
        kam_user,
    )


def test_without_htmx_logging_goes_back_to_the_account_page(login, portfolio, kam_user):
    response = login(kam_user).post(
        reverse("engagement:log", args=["A"]), {"channel": "visit", "outcome": "none"}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:detail", args=["A"]) + "#engagement"


def test_a_log_without_channel_shows_the_error(login, portfolio, kam_user):
    response = login(kam_user).post(
        reverse("engagement:log", args=["A"]), {"outcome": "reply"}, **HTMX
    )
    assert "This field is required." in response.content.decode()
    assert not Activity.objects.exists()


def test_a_fourth_channel_is_refused_with_the_same_message(login, portfolio, kam_user):
    data = {}
    for code in ("visit", "emailing", "phone", "webinar"):
        data |= {f"use_{code}": "on", f"times_{code}": "1", f"period_{code}": "month"}
    for period in ("emailing", "event", "mailing", "phone", "social", "visit", "webinar"):
        data.setdefault(f"period_{period}", "month")
    client = login(kam_user)
    response = client.post(reverse("engagement:plan_set", args=["A"]), data, **HTMX)
    assert "channels: a key account has at most 3 channels (got 4)" in response.content.decode()
    assert not ChannelPlan.objects.exists()
    without_htmx = client.post(reverse("engagement:plan_set", args=["A"]), data)
    assert without_htmx.status_code == 400
    assert "channels: a key account has at most 3 channels (got 4)" in without_htmx.content.decode()


def test_a_plan_is_saved_from_the_form(login, portfolio, kam_user):
    data = {f"period_{c}": "month" for c in ("emailing", "event", "mailing", "phone", "social")}
    data |= {
        "use_visit": "on",
        "times_visit": "2",
        "period_visit": "quarter",
        "period_webinar": "year",
    }
    response = login(kam_user).post(reverse("engagement:plan_set", args=["A"]), data, **HTMX)
    assert "The channel plan is saved." in response.content.decode()
    plan = ChannelPlan.objects.get()
    assert [(i.channel.code, i.times, i.period) for i in plan.items.all()] == [
        ("visit", 2, "quarter")
    ]


def test_use_the_suggested_plan(login, portfolio, kam_user):
    activity_log(account=portfolio.alpha, channel=channel("phone"), outcome="order", user=kam_user)
    response = login(kam_user).post(reverse("engagement:plan_suggested", args=["A"]), **HTMX)
    assert "The suggested plan is now the account&#x27;s channel plan." in response.content.decode()
    plan = ChannelPlan.objects.get()
    assert plan.from_recommendation
    assert [i.channel.code for i in plan.items.all()] == ["phone"]


def test_others_may_not_write(login, portfolio, analyst, kam_user):
    for user, account in ((analyst, "A"), (kam_user, "B")):
        client = login(user)
        log = client.post(
            reverse("engagement:log", args=[account]), {"channel": "visit", "outcome": "none"}
        )
        assert log.status_code in (403, 404)
        plan = client.post(reverse("engagement:plan_suggested", args=[account]))
        assert plan.status_code in (403, 404)
    assert login(analyst).post(reverse("engagement:plan_suggested", args=["A"])).status_code == 403
    assert not Activity.objects.exists() and not ChannelPlan.objects.exists()


def test_the_section_costs_the_same_queries_with_more_history(
    login, portfolio, kam_user, django_assert_max_num_queries
):
    client = login(kam_user)
    for _ in range(3):
        activity_log(
            account=portfolio.alpha,
            channel=channel("visit"),
            contacts=[portfolio.ann],
            user=kam_user,
        )
    channel_plan_set(
        account=portfolio.alpha, items=[PlanItemInput("visit", 1, "month")], user=kam_user
    )
    with django_assert_max_num_queries(17) as few:
        client.get(section_url("A"), **HTMX)
    for _ in range(10):
        activity_log(
            account=portfolio.alpha,
            channel=channel("phone"),
            contacts=[portfolio.bob],
            user=kam_user,
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(section_url("A"), **HTMX)


def test_marketing_edits_the_catalogue(login, db, marketing, kam_user):
    listed = login(kam_user).get(reverse("engagement:channels"))
    assert listed.status_code == 200 and "Mailing with offers" in listed.content.decode()
    assert "Add a channel" not in listed.content.decode()
    assert (
        login(kam_user).get(reverse("engagement:channel_edit", args=["visit"])).status_code == 403
    )
    client = login(marketing)
    saved = client.post(
        reverse("engagement:channel_edit", args=["visit"]),
        {"name": "Field visit", "kind": "visit", "unit_cost": "320", "active": "on"},
    )
    assert saved.status_code == 302
    assert channel("visit").label == "Field visit"
    added = client.post(
        reverse("engagement:channels"),
        {"code": "fair", "name": "Trade fair", "kind": "event", "unit_cost": "900", "active": "on"},
    )
    assert added.status_code == 302
    duplicate = client.post(
        reverse("engagement:channels"),
        {"code": "fair", "name": "Again", "kind": "event", "unit_cost": "1"},
    )
    assert duplicate.status_code == 400
    assert "Channel with this Code already exists." in duplicate.content.decode()


def test_key_accounts_without_a_plan(
    login, scored, director, kam_user, django_assert_max_num_queries
):
    channel_plan_set(account=scored.bravo, items=[PlanItemInput("visit", 1, "month")], user=None)
    client = login(director)
    with django_assert_max_num_queries(10):
        response = client.get(reverse("engagement:missing_plans"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Alpha" in html and "Bravo" not in html
    assert "1 key account without a plan" in html
    assert f'href="{reverse("engagement:missing_plans")}" aria-current="page">Channels' in html
