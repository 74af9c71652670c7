"""One account's score page: the explanation (chart and table), the history across runs,
the tier set by hand (directors only) and its audit trail; and the Score panel of the
account page."""

from __future__ import annotations

import json
import re

import pytest
from django.db import connection
from django.template import Context, Template
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kam.core.models import AuditEvent
from kam.core.roles import sees_all_accounts
from kam.scoring.models import AccountScore, TierOverride
from kam.scoring.services import tier_override_set
from tests.factories import AccountFactory
from tests.web_scoring.conftest import Book, score_and_apply

pytestmark = pytest.mark.django_db


def score_url(account, **query) -> str:
    url = reverse("scoring:account_score", args=[account.external_id])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def spec(html: str, element_id: str) -> dict:
    found = re.search(
        rf'<script id="{element_id}" type="application/json">(.*?)</script>', html, re.S
    )
    assert found, element_id
    return json.loads(found.group(1))


def chart_values(chart: dict) -> list[dict]:
    """The data rows of a chart spec: its own, else its first layer's."""
    data = chart.get("data") or chart["layer"][0]["data"]
    return data["values"]


def test_the_page_explains_the_score_criterion_by_criterion(login, director, book: Book):
    # when the director opens Bravo's score (revenue 1,000: 2/3 of 60 points; 1 order: 20)
    html = login(director).get(score_url(book.bravo)).content.decode()
    # then the score, rank, tier and class are shown
    assert "<h1>Bravo</h1>" in html
    assert "60.0" in html and "Strategic" in html and 'class="abc abc-large abc-C"' in html
    # and each criterion's raw value, weight and points, adding up to the score
    table = html[html.index('id="contributions-table"') :]
    table = table[: table.index("</table>")]
    assert "Revenue, last 12 months" in table and "Orders, last 12 months" in table
    assert ">1,000</td>" in table  # the raw revenue
    assert ">40.0</td>" in table and ">20.0</td>" in table  # the points
    assert '<td class="num">60.0</td>' in table.split("<tfoot>")[1]  # their sum
    # and the chart draws the same points against the weights
    rows = chart_values(spec(html, "contributions-spec"))
    assert {(r["criterion"], r["points"], r["weight"]) for r in rows} == {
        ("Revenue, last 12 months", 40.0, 60.0),
        ("Orders, last 12 months", 20.0, 40.0),
    }


def test_the_contributions_sum_to_the_stored_score_for_every_account(login, director, book):
    client = login(director)
    for score in AccountScore.objects.filter(run=book.run).select_related("account"):
        html = client.get(score_url(score.account)).content.decode()
        footer = html[html.index("<tfoot>") : html.index("</tfoot>")]
        assert f"{score.score:.1f}</td>" in footer


def test_a_kam_gets_404_for_another_kams_account(login, kam_user, book: Book):
    assert login(kam_user).get(score_url(book.bravo)).status_code == 404


def test_a_kam_opens_their_own_account(login, kam_user, book: Book):
    response = login(kam_user).get(score_url(book.charlie))
    assert response.status_code == 200
    assert "<h1>Charlie</h1>" in response.content.decode()


@pytest.mark.parametrize("role_fixture", ["analyst", "marketing"])
def test_read_only_roles_see_the_score_without_the_override_form(
    request, login, role_fixture, book
):
    html = login(request.getfixturevalue(role_fixture)).get(score_url(book.delta)).content.decode()
    assert "<h1>Delta</h1>" in html
    assert 'name="reason"' not in html


def test_an_unknown_account_is_404(login, director, book: Book):
    response = login(director).get(reverse("scoring:account_score", args=["NOPE"]))
    assert response.status_code == 404


def test_an_external_id_with_a_slash_has_a_working_page(login, director, book: Book):
    AccountFactory(external_id="FR/0001", name="Slashed")
    score_and_apply(book.scorecard)
    url = reverse("scoring:account_score", args=["FR/0001"])
    assert "FR/0001" in url
    assert "<h1>Slashed</h1>" in login(director).get(url).content.decode()


def test_history_across_runs_and_a_past_run(login, director, book: Book):
    # given a second run in force, with a new account that pushes Delta down a rank
    AccountFactory(external_id="E", name="Echo")
    second = score_and_apply(book.scorecard)
    client = login(director)
    # when Delta's page is opened
    html = client.get(score_url(book.delta)).content.decode()
    # then both runs are in its history, with a chart
    assert html.count(f'href="?run={book.run.pk}"') == 1
    assert html.count(f'href="?run={second.pk}"') == 1
    history = chart_values(spec(html, "history-spec"))
    assert [row["run"] for row in history] == [f"#{book.run.pk}", f"#{second.pk}"]
    # and the first run can be shown again
    past = client.get(score_url(book.delta, run=book.run.pk)).content.decode()
    assert "Past run" in past and f"Run #{book.run.pk}" in past


def test_a_director_sets_and_removes_a_tier_with_a_reason(login, director, book: Book):
    client = login(director)
    # when the director puts Delta in the key tier, with a reason
    response = client.post(
        score_url(book.delta), {"action": "set", "tier": "key", "reason": "New framework deal"}
    )
    # then the run in force has it, the page says so and the audit trail has it
    assert response.status_code == 302
    score = AccountScore.objects.get(run=book.run, account=book.delta)
    assert (score.tier, score.computed_tier) == ("key", "standard")
    html = client.get(score_url(book.delta)).content.decode()
    assert "set by hand; the scorecard gives Standard" in html
    assert "New framework deal" in html and "dora put the account in the tier Key" in html
    assert AuditEvent.objects.filter(action="tier.override").count() == 1
    # when the director removes it, with a reason
    response = client.post(score_url(book.delta), {"action": "remove", "reason": "Deal lost"})
    assert response.status_code == 302
    assert AccountScore.objects.get(run=book.run, account=book.delta).tier == "standard"
    html = client.get(score_url(book.delta)).content.decode()
    assert "dora removed the tier Key set by hand" in html and "Deal lost" in html


def test_a_tier_without_a_reason_is_refused_next_to_the_field(login, director, book: Book):
    response = login(director).post(score_url(book.delta), {"action": "set", "tier": "key"})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="id_reason" rows="2" required aria-invalid="true"' in html
    assert not TierOverride.objects.exists()


def test_an_unknown_tier_is_refused(login, director, book: Book):
    response = login(director).post(
        score_url(book.delta), {"action": "set", "tier": "gold", "reason": "why not"}
    )
    assert response.status_code == 400
    assert not TierOverride.objects.exists()


@pytest.mark.parametrize("role_fixture", ["kam_user", "analyst"])
def test_other_roles_may_not_set_a_tier(request, login, role_fixture, book: Book):
    user = request.getfixturevalue(role_fixture)
    response = login(user).post(
        score_url(book.alpha), {"action": "set", "tier": "standard", "reason": "mine"}
    )
    assert response.status_code == 403
    assert not TierOverride.objects.exists()


def test_the_page_costs_a_bounded_number_of_queries(
    login, director, book, django_assert_max_num_queries
):
    tier_override_set(account=book.alpha, tier="key", reason="kept", user=director)
    client = login(director)
    with django_assert_max_num_queries(10):
        assert client.get(score_url(book.alpha)).status_code == 200


# -- the Score panel of the account page ----------------------------------------------------


def test_the_account_page_shows_the_score_panel(login, director, book: Book):
    html = login(director).get(reverse("accounts:detail", args=["B"])).content.decode()
    panel = html[html.index('class="card score-panel"') :]
    panel = panel[: panel.index("</section>")]
    assert "60.0" in panel and "Strategic" in panel and "abc-C" in panel
    assert f'href="{score_url(book.bravo)}"' in panel


def test_the_panel_says_when_the_account_has_no_score(login, director, book: Book):
    account = AccountFactory(name="Newcomer")
    html = (
        login(director).get(reverse("accounts:detail", args=[account.external_id])).content.decode()
    )
    assert "Not scored in the run in force." in html


def _panel_queries(user, account) -> int:
    request = RequestFactory().get("/")
    request.user = user
    sees_all_accounts(user)  # the account page has read the user's roles already
    template = Template("{% load scoring_tags %}{% account_score_panel account %}")
    with CaptureQueriesContext(connection) as queries:
        html = template.render(Context({"request": request, "account": account}))
    assert "score-panel" in html
    return len(queries)


def test_the_panel_costs_the_account_page_at_most_two_queries(director, kam_user, book: Book):
    assert _panel_queries(director, book.alpha) == 1
    assert _panel_queries(kam_user, book.alpha) <= 2
