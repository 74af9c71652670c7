"""The portfolio board page: one card per manager the user may see, load against
capacity (red when over), value, accounts with tier, workload and pin."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kam.assignments.services import account_assign
from tests.factories import AccountFactory

pytestmark = pytest.mark.django_db

BOARD = reverse("assignments:board")


def test_the_board_shows_each_managers_load_value_and_accounts(login, team, key_run, director):
    # given fiona over capacity with three average key accounts, one of them pinned
    accounts = [AccountFactory(name=f"Food {i}", employees=300) for i in range(3)]
    for i, account in enumerate(accounts):
        account_assign(account=account, manager=team["food"], pinned=i == 0)
    key_run([(a, "key", 1000.0) for a in accounts])
    # when a director opens the board
    response = login(director).get(BOARD)
    # then each manager has a card, fiona's in red with her load and value
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('class="card portfolio') == 3
    fiona = team["food"].pk
    assert f'class="card portfolio is-over" aria-labelledby="manager-{fiona}"' in html
    assert "<strong>3</strong> / 2" in html
    assert "3,000" in html
    assert reverse("accounts:detail", args=[accounts[0].external_id]) in html
    assert html.count('aria-label="pinned"') == 1
    assert "1 manager is over capacity." in html
    # and the director may propose
    assert reverse("assignments:propose") in html


def test_a_kam_sees_only_their_own_card_and_the_nav_link(login, team, kam_user):
    response = login(team["food"]).get(BOARD)
    html = response.content.decode()
    assert html.count('class="card portfolio') == 1 and "fiona" in html
    assert "arno" not in html
    assert reverse("assignments:propose") not in html
    assert reverse("assignments:proposals") not in html
    # and the main navigation has the Portfolios link, marked current
    assert f'<a href="{BOARD}" aria-current="page">Portfolios</a>' in html


def test_a_user_without_portfolio_sees_an_empty_board(login, kam_user):
    response = login(kam_user).get(BOARD)
    assert response.status_code == 200
    assert "kim" in response.content.decode()  # kim is a KAM: her own (empty) card


def test_the_board_needs_a_sign_in(client):
    response = client.get(BOARD)
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_the_board_query_count_does_not_grow_with_accounts(
    login, team, key_run, director, django_assert_max_num_queries
):
    accounts: list = []
    client = login(director)

    def grow(n: int) -> None:
        new = [AccountFactory(employees=100) for _ in range(n)]
        for i, account in enumerate(new):
            account_assign(account=account, manager=[team["food"], team["gam"]][i % 2])
        accounts.extend(new)
        key_run([(a, "key", 1.0) for a in accounts])

    grow(2)
    client.get(BOARD)  # the policy is made on first use
    with django_assert_max_num_queries(12):
        assert client.get(BOARD).status_code == 200
    grow(30)
    with django_assert_max_num_queries(12):
        assert client.get(BOARD).status_code == 200
