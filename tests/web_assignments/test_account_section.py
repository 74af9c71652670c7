"""The account page's Assignment section: current lead and support with pin state, the
history, and for directors the manual reassign form and pin / unpin."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kam.assignments.models import AccountAssignment
from kam.assignments.services import account_assign
from tests.factories import AccountFactory

pytestmark = pytest.mark.django_db


def section(account) -> str:
    return reverse("assignments:account", args=[account.external_id])


def current(account) -> list[tuple[str, str, bool]]:
    rows = AccountAssignment.objects.filter(account=account, ended_at__isnull=True)
    return sorted((r.manager.username, r.role, r.pinned) for r in rows)


@pytest.fixture
def account(team, key_run):
    account = AccountFactory(name="Acme", sector="Food", employees=300, external_id="AC/1")
    account_assign(account=account, manager=team["auto"], reason="first one")
    account_assign(account=account, manager=team["food"], reason="speaks French")
    account_assign(account=account, manager=team["gam"], role="support", reason="helps")
    key_run([(account, "key", 500.0)])
    return account


def test_the_account_page_loads_the_section_with_one_include(login, account, director):
    html = login(director).get(reverse("accounts:detail", args=["AC/1"])).content.decode()
    assert f'hx-get="{section(account)}" hx-trigger="load"' in html


def test_a_director_sees_lead_support_history_and_the_forms(login, account, director):
    response = login(director).get(section(account), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = response.content.decode()
    assert html.startswith('<section id="assignment"')  # the partial, not a page
    assert "<strong>fiona</strong>" in html and 'id="pin-state">Not pinned' in html
    history = html[html.index('id="assignment-history"') :]
    assert history.index("speaks French") < history.index("first one")
    assert "Ended: speaks French" in history
    assert "Pin the lead" in html and 'id="reassign-form"' in html
    assert "gus (GAM, load 0.25 of 3)" in html


def test_without_javascript_the_section_is_a_page(login, account, kam_user, team):
    response = login(team["food"]).get(section(account))
    html = response.content.decode()
    assert "<h1>Acme</h1>" in html and 'id="assignment-history"' in html
    # a KAM reads it but has no form
    assert 'id="reassign-form"' not in html and "Pin the lead" not in html


def test_a_hidden_account_is_a_404(login, account, kam_user):
    client = login(kam_user)
    assert client.get(section(account)).status_code == 404
    reassign = reverse("assignments:reassign", args=["AC/1"])
    assert client.post(reassign, {"manager": "kim", "reason": "x"}).status_code == 403


def test_a_director_reassigns_by_hand(login, account, director, team):
    reassign = reverse("assignments:reassign", args=["AC/1"])
    response = login(director).post(
        reassign, {"manager": "gus", "reason": "goes global", "pinned": "on"}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:detail", args=["AC/1"]) + "#assignment"
    assert current(account) == [("gus", "lead", True)]
    html = login(director).get(section(account)).content.decode()
    assert (
        "goes global" in html and 'id="pin-state"><span aria-hidden="true">📌</span> Pinned' in html
    )


def test_a_refused_reassign_shows_the_reason_on_the_form(login, account, director, team, key_run):
    # given fiona (capacity 2) leads Acme and another average key account; arno a third
    mine = AccountFactory(employees=300)
    account_assign(account=mine, manager=team["food"])
    other = AccountFactory(sector="Food", employees=300)
    account_assign(account=other, manager=team["auto"])
    key_run([(account, "key", 500.0), (mine, "key", 1.0), (other, "key", 100.0)])
    reassign = reverse("assignments:reassign", args=[other.external_id])
    # when the director gives her a third: refused, nothing changes
    response = login(director).post(reassign, {"manager": "fiona", "reason": "why not"})
    assert response.status_code == 400
    assert "&#x27;fiona&#x27; would be over capacity: 3 of 2" in response.content.decode()
    assert current(other) == [("arno", "lead", False)]
    # and a missing reason is named too
    response = login(director).post(reassign, {"manager": "gus", "reason": ""})
    assert response.status_code == 400 and 'id="err-reason"' in response.content.decode()


def test_pin_and_unpin(login, account, director):
    pin = reverse("assignments:pin", args=["AC/1"])
    client = login(director)
    assert client.post(pin, {"pinned": "on"}).status_code == 302
    assert current(account)[0:1] == [("fiona", "lead", True)]
    client.post(pin, {"pinned": ""})
    assert ("fiona", "lead", False) in current(account)


def test_kams_cannot_pin(login, account, team):
    pin = reverse("assignments:pin", args=["AC/1"])
    assert login(team["food"]).post(pin, {"pinned": "on"}).status_code == 403
    assert ("fiona", "lead", False) in current(account)
