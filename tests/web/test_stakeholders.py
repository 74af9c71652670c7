"""The "Stakeholders" section of the account page: the org chart, the coverage gaps, and
the add / edit / left forms (htmx and plain), with their permissions and query budget."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kam.accounts.models import Contact
from tests.factories import AccountFactory, ContactFactory, assign

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def mine(kam_user):
    account = AccountFactory(external_id="ACME/FR", name="Acme")
    assign(account, kam_user)
    return account


def page(account) -> str:
    return reverse("accounts:detail", args=[account.external_id])


def create_url(account) -> str:
    return reverse("accounts:contact_create", args=[account.external_id])


def edit_url(contact) -> str:
    return reverse("accounts:contact_edit", args=[contact.account.external_id, contact.pk])


def left_url(contact) -> str:
    return reverse("accounts:contact_left", args=[contact.account.external_id, contact.pk])


def section(html: str) -> str:
    """The stakeholders section of a page."""
    found = re.search(r'<section class="card stakeholders".*?</section>', html, re.S)
    assert found, "no stakeholders section"
    return found.group(0)


def test_the_account_page_draws_the_org_chart_with_roles_influence_and_attitude(
    login, director, mine
):
    # given a decision maker (supporter, influence 5) with a champion who left below
    boss = ContactFactory(
        account=mine,
        first_name="Élise",
        last_name="Durand",
        buying_role="decision_maker",
        influence=5,
        attitude="supporter",
        job_title="CEO",
    )
    ContactFactory(
        account=mine,
        last_name="Roy",
        buying_role="champion",
        reports_to=boss,
        influence=3,
        attitude="opponent",
        left_on="2026-01-15",
        do_not_mail=True,
    )
    # when a director opens the account
    html = section(login(director).get(page(mine)).content.decode())
    # then the chart nests the champion under the boss, roles and attitudes visible
    assert re.search(
        r"Élise Durand.*Decision maker.*CEO.*<ul>.*Roy.*Champion / sponsor", html, re.S
    )
    assert 'class="org-card attitude-supporter"' in html
    assert 'class="org-card attitude-opponent is-left"' in html  # greyed out
    assert "Left on" in html and "Do not mail" in html
    assert html.count('class="dot on"') == 5 + 3 + 1  # and one in the legend
    assert "Influence: 5/5" in html
    # and the gaps are listed: no economic buyer, no current champion
    gaps = re.findall(r'data-gap="([a-z_]+)"', html)
    assert gaps == ["no_economic_buyer", "no_champion", "single_level"]
    assert "No economic buyer identified among current contacts." in html


def test_an_account_without_contacts_says_so(login, director, mine):
    html = section(login(director).get(page(mine)).content.decode())
    assert "No contact is recorded for this account yet." in html
    assert re.findall(r'data-gap="([a-z_]+)"', html)[0] == "no_contacts"


def test_managers_and_directors_get_the_buttons_readers_do_not(
    login, kam_user, director, analyst, marketing, mine
):
    contact = ContactFactory(account=mine)
    for user in (kam_user, director):
        html = section(login(user).get(page(mine)).content.decode())
        assert create_url(mine) in html and edit_url(contact) in html
    for user in (analyst, marketing):
        client = login(user)
        html = section(client.get(page(mine)).content.decode())
        assert create_url(mine) not in html and edit_url(contact) not in html
        # and the forms refuse them
        assert client.get(create_url(mine)).status_code == 403
        assert client.post(create_url(mine), {"last_name": "X"}).status_code == 403
        assert client.post(left_url(contact)).status_code == 403
    assert Contact.objects.count() == 1


def test_another_kam_gets_a_404(login, other_kam, mine):
    contact = ContactFactory(account=mine)
    client = login(other_kam)
    assert client.get(create_url(mine)).status_code == 404
    assert client.post(edit_url(contact), {"last_name": "X"}).status_code == 404


def test_without_javascript_the_form_is_a_page_that_goes_back_to_the_account(login, kam_user, mine):
    client = login(kam_user)
    # the form is a whole page
    form_page = client.get(create_url(mine))
    assert form_page.status_code == 200 and b"<html" in form_page.content
    assert b"hx-post" not in form_page.content
    # a valid post goes back to the account's section, with a message
    response = client.post(
        create_url(mine),
        {"last_name": "Durand", "buying_role": "economic_buyer", "attitude": "neutral"},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == page(mine) + "#stakeholders"
    assert "Durand was added." in response.content.decode()
    assert Contact.objects.get().buying_role == "economic_buyer"


def test_a_refused_form_shows_the_errors_next_to_the_fields(login, kam_user, mine):
    client = login(kam_user)
    response = client.post(
        create_url(mine), {"last_name": "", "email": "nope", "attitude": "neutral"}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "This field is required." in html and "Enter a valid email address." in html
    assert 'aria-invalid="true"' in html
    assert not Contact.objects.exists()


def test_with_htmx_the_form_opens_in_the_section_and_saving_redraws_it(login, kam_user, mine):
    client = login(kam_user)
    # the form comes alone
    form = client.get(create_url(mine), **HTMX)
    assert form.status_code == 200 and b"<html" not in form.content
    assert b'hx-target="#contact-form-slot"' in form.content
    # a refused post answers the form again (htmx swaps only 2xx answers)
    refused = client.post(create_url(mine), {"last_name": "", "attitude": "neutral"}, **HTMX)
    assert refused.status_code == 200 and b"This field is required." in refused.content
    assert "HX-Retarget" not in refused
    # a valid post answers the redrawn section, in place of the old one
    saved = client.post(
        create_url(mine),
        {"last_name": "Durand", "buying_role": "champion", "attitude": "supporter"},
        **HTMX,
    )
    assert saved.status_code == 200
    assert saved["HX-Retarget"] == "#stakeholders" and saved["HX-Reswap"] == "outerHTML"
    html = saved.content.decode()
    assert html.startswith('<section class="card stakeholders" id="stakeholders"')
    assert "Durand was added." in html and "Champion / sponsor" in html


def test_editing_refuses_a_reporting_cycle_on_the_field(login, director, mine):
    top = ContactFactory(account=mine, last_name="Top")
    below = ContactFactory(account=mine, last_name="Below", reports_to=top)
    client = login(director)
    response = client.post(
        edit_url(top), {"last_name": "Top", "attitude": "neutral", "reports_to": below.pk}
    )
    assert response.status_code == 400
    assert "This would make a reporting cycle." in response.content.decode()
    top.refresh_from_db()
    assert top.reports_to is None


def test_the_edit_form_offers_only_the_other_contacts_of_the_account(login, director, mine):
    contact = ContactFactory(account=mine, last_name="Self")
    ContactFactory(account=mine, last_name="Colleague")
    ContactFactory(last_name="Stranger")
    html = login(director).get(edit_url(contact)).content.decode()
    options = re.search(r'<select name="reports_to".*?</select>', html, re.S).group(0)
    assert "Colleague" in options and "Self" not in options and "Stranger" not in options


def test_marking_a_contact_as_left_greys_them_out(login, kam_user, mine):
    champion = ContactFactory(account=mine, last_name="Roy", buying_role="champion")
    response = login(kam_user).post(left_url(champion), **HTMX)
    assert response.status_code == 200
    assert "Roy is marked as having left." in response.content.decode()
    assert "is-left" in response.content.decode()
    champion.refresh_from_db()
    assert champion.left_on is not None
    # and a second time says why not
    again = login(kam_user).post(left_url(champion), **HTMX)
    assert "already left" in again.content.decode()


def test_the_section_alone_for_htmx(login, analyst, mine):
    ContactFactory(account=mine, last_name="Durand")
    response = login(analyst).get(reverse("accounts:stakeholders", args=[mine.external_id]))
    assert response.status_code == 200 and b"Durand" in response.content


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_page_costs_the_same_queries_however_big_the_org_chart(
    login, kam_user, director, mine, django_assert_max_num_queries
):
    # given a small chart
    top = ContactFactory(account=mine)
    ContactFactory(account=mine, reports_to=top)
    few = {u: _queries(login(u), page(mine)) for u in (kam_user, director)}
    # when it grows to 40 people over four levels
    parents = [top]
    for _level in range(3):
        parents = [ContactFactory(account=mine, reports_to=p) for p in parents for _ in range(3)]
    ContactFactory.create_batch(2, account=mine, left_on="2025-01-01")
    assert Contact.objects.count() > 40
    # then the page costs the same, within budget (the section: contacts, and for a KAM
    # the portfolio check of the edit buttons)
    for user, count in few.items():
        assert _queries(login(user), page(mine)) == count
    for user, budget in ((director, 9), (kam_user, 15)):
        client = login(user)
        client.get(page(mine))  # the session's first request after logging in costs more
        with django_assert_max_num_queries(budget):
            client.get(page(mine))


# -- in a real browser -----------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_in_a_browser_a_kam_adds_a_contact_and_marks_one_as_left_in_place(
    page, live_server, kam_user
):
    from playwright.sync_api import expect

    from tests.browser import screenshot, sign_in

    # given the KAM's account with a decision maker and a champion
    account = AccountFactory(external_id="ACME", name="Acme")
    assign(account, kam_user)
    boss = ContactFactory(
        account=account, last_name="Durand", buying_role="decision_maker", influence=5
    )
    ContactFactory(
        account=account,
        last_name="Roy",
        buying_role="champion",
        attitude="supporter",
        reports_to=boss,
        influence=3,
    )
    sign_in(page, live_server.url, "kim")
    page.goto(f"{live_server.url}{reverse('accounts:detail', args=['ACME'])}")
    section = page.locator("#stakeholders")
    expect(section.locator(".org-card")).to_have_count(2)
    expect(section.locator('[data-gap="no_economic_buyer"]')).to_be_visible()
    page.evaluate("window.kamMarker = 1")  # gone if the page reloads
    # when the KAM adds the economic buyer under the decision maker, in place
    section.get_by_role("link", name="Add a contact").click()
    form = section.locator("#contact-form-slot form").first
    form.get_by_label("Last name").fill("Petit")
    form.get_by_label("Role in the buying decision").select_option("economic_buyer")
    form.get_by_label("Reports to").select_option(label="Alex Durand")
    form.get_by_role("button", name="Save").click()
    # then the section is redrawn with the new person and without that gap
    expect(section.get_by_text("Petit was added.")).to_be_visible()
    expect(section.locator(".org-card")).to_have_count(3)
    expect(section.locator('[data-gap="no_economic_buyer"]')).to_have_count(0)
    screenshot(page, "stakeholders")
    # and when the champion is marked as having left, their card is greyed out
    section.get_by_role("link", name="Edit Alex Roy").click()
    section.get_by_role("button", name="Alex Roy left the company today").click()
    expect(section.locator(".org-card.is-left")).to_have_count(1)
    expect(section.locator('[data-gap="no_champion"]')).to_be_visible()
    assert page.evaluate("window.kamMarker") == 1
