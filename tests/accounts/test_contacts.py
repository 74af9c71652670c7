"""Contacts: who sees and who changes them, the services' validation and audit trail,
and the stakeholder map read from the database."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from kam.accounts.contacts.selectors import account_stakeholder_map, contact_list
from kam.accounts.contacts.services import (
    contact_create,
    contact_mark_left,
    contact_update,
    contacts_editable,
)
from kam.accounts.models import Contact
from kam.core.models import AuditEvent
from kam.domain.stakeholders import NO_CHAMPION, NO_ECONOMIC_BUYER, SINGLE_LEVEL
from tests.factories import AccountFactory, ContactFactory, assign, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def mine(kam_user):
    account = AccountFactory(external_id="MINE")
    assign(account, kam_user)
    return account


@pytest.fixture
def theirs(other_kam):
    account = AccountFactory(external_id="THEIRS")
    assign(account, other_kam)
    return account


# -- who sees, who writes --------------------------------------------------------------------


def test_a_kam_sees_the_contacts_of_their_accounts_only(kam_user, director, analyst, mine, theirs):
    # given one contact on each account
    own, other = ContactFactory(account=mine), ContactFactory(account=theirs)
    # then the KAM sees theirs; directors and analysts see both
    assert list(contact_list(user=kam_user)) == [own]
    assert list(contact_list(user=kam_user, account=theirs)) == []
    assert set(contact_list(user=director)) == {own, other}
    assert set(contact_list(user=analyst, account=theirs)) == {other}


def test_the_team_lead_sees_and_edits_their_reports_accounts(mine):
    # given a lead whose KAM manages the account
    lead = make_user("kam", "lea")
    kim = mine.assignments.get().manager
    kim.manager_profile.reports_to = lead
    kim.manager_profile.save()
    ContactFactory(account=mine)
    assert contact_list(user=lead).count() == 1
    assert contacts_editable(user=lead, account=mine)


def test_managers_and_directors_write_analysts_and_marketing_only_read(
    kam_user, other_kam, director, analyst, marketing, gam_user, mine
):
    assert contacts_editable(user=kam_user, account=mine)
    assert contacts_editable(user=director, account=mine)
    assert contacts_editable(user=None, account=mine)  # kam itself (CLI)
    assert not contacts_editable(user=other_kam, account=mine)
    assert not contacts_editable(user=gam_user, account=mine)
    assert not contacts_editable(user=analyst, account=mine)
    assert not contacts_editable(user=marketing, account=mine)
    with pytest.raises(PermissionDenied):
        contact_create(account=mine, user=analyst, values={"last_name": "Durand"})
    assert not Contact.objects.exists()


# -- services --------------------------------------------------------------------------------


def test_create_stores_the_profile_and_records_it(kam_user, mine):
    # when the KAM adds a decision maker
    contact = contact_create(
        account=mine,
        user=kam_user,
        values={
            "first_name": " Élise ",
            "last_name": "Durand",
            "email": "elise@acme.fr",
            "buying_role": "decision_maker",
            "influence": 5,
            "attitude": "supporter",
        },
    )
    # then it is stored, trimmed, and in the audit trail with its author
    contact.refresh_from_db()
    assert (contact.first_name, contact.buying_role, contact.influence) == (
        "Élise",
        "decision_maker",
        5,
    )
    event = AuditEvent.objects.get(action="contact.create")
    assert event.actor == kam_user and event.object_id == str(contact.pk)
    assert event.details["account"] == "MINE" and event.details["influence"] == 5


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"last_name": ""}, "last_name"),
        ({"last_name": "X", "email": "not-an-email"}, "email"),
        ({"last_name": "X", "influence": 6}, "influence"),
        ({"last_name": "X", "buying_role": "boss"}, "buying_role"),
        ({"last_name": "X", "account": None}, "account"),
        ({"last_name": "X", "left_on": timezone.localdate() + timedelta(days=2)}, "left_on"),
    ],
)
def test_create_refuses_bad_values_naming_the_field(director, mine, values, field):
    with pytest.raises(ValidationError) as refused:
        contact_create(account=mine, user=director, values=values)
    assert field in refused.value.message_dict
    assert not Contact.objects.exists() and not AuditEvent.objects.exists()


def test_a_boss_must_be_of_the_same_account(director, mine, theirs):
    boss = ContactFactory(account=theirs)
    with pytest.raises(ValidationError) as refused:
        contact_create(account=mine, user=director, values={"last_name": "X", "reports_to": boss})
    assert "reports_to" in refused.value.message_dict


def test_a_reporting_cycle_is_refused_and_nothing_changes(director, mine):
    # given a chain: top <- middle <- bottom
    top = ContactFactory(account=mine)
    middle = ContactFactory(account=mine, reports_to=top)
    bottom = ContactFactory(account=mine, reports_to=middle)
    # when the top is made to report to the bottom
    with pytest.raises(ValidationError) as refused:
        contact_update(contact=top, user=director, values={"reports_to": bottom})
    # then it is refused, named on the field, and nothing is stored
    assert "reports_to" in refused.value.message_dict
    top.refresh_from_db()
    assert top.reports_to is None
    assert not AuditEvent.objects.exists()


def test_an_external_id_is_unique_in_its_account(director, mine, theirs):
    ContactFactory(account=mine, external_id="P1")
    with pytest.raises(ValidationError) as refused:
        contact_create(account=mine, user=director, values={"last_name": "X", "external_id": "P1"})
    assert refused.value.message_dict["external_id"] == [
        "Another contact of this account has this external id."
    ]
    # and another account may use it
    contact_create(account=theirs, user=director, values={"last_name": "X", "external_id": "P1"})


def test_update_records_each_change_before_and_after(kam_user, mine):
    contact = ContactFactory(account=mine, attitude="neutral", influence=2)
    contact_update(contact=contact, user=kam_user, values={"attitude": "opponent", "influence": 2})
    event = AuditEvent.objects.get(action="contact.update")
    assert event.details["changes"] == {"attitude": ["neutral", "opponent"]}
    # and an update that changes nothing records nothing
    contact_update(contact=contact, user=kam_user, values={"attitude": "opponent"})
    assert AuditEvent.objects.filter(action="contact.update").count() == 1


def test_the_account_of_a_contact_cannot_be_changed(director, mine, theirs):
    contact = ContactFactory(account=mine)
    with pytest.raises(ValidationError) as refused:
        contact_update(contact=contact, user=director, values={"account": theirs})
    assert "account" in refused.value.message_dict


def test_mark_left_keeps_the_contact_and_is_recorded_once(kam_user, mine):
    champion = ContactFactory(account=mine, buying_role="champion")
    contact_mark_left(contact=champion, user=kam_user)
    champion.refresh_from_db()
    assert champion.left_on == timezone.localdate() and not champion.is_current
    event = AuditEvent.objects.get(action="contact.left")
    assert event.details["buying_role"] == "champion"
    with pytest.raises(ValidationError) as refused:
        contact_mark_left(contact=champion, user=kam_user)
    assert "left_on" in refused.value.message_dict


# -- the map ---------------------------------------------------------------------------------


def test_the_map_of_an_account_in_one_query(director, mine, django_assert_num_queries):
    # (the user's roles are read once per request; here beforehand)
    account_stakeholder_map(user=director, account=mine)
    # given a decision maker with two reports, one of whom left
    top = ContactFactory(account=mine, buying_role="decision_maker", influence=5)
    ContactFactory(account=mine, reports_to=top, buying_role="economic_buyer", left_on="2026-01-01")
    ContactFactory(account=mine, reports_to=top, buying_role="user")
    ContactFactory()  # another account's contact
    # when the map is read
    with django_assert_num_queries(1):
        stakeholders = account_stakeholder_map(user=director, account=mine)
    # then it has the tree, the counts and the gaps
    assert [n.contact for n in stakeholders.roots] == [top]
    assert [n.level for n in stakeholders.nodes()] == [0, 1, 1]
    assert (stakeholders.current, stakeholders.left) == (2, 1)
    assert [g.code for g in stakeholders.coverage.gaps] == [NO_ECONOMIC_BUYER, NO_CHAMPION]


def test_the_map_is_empty_for_someone_who_may_not_see_the_account(other_kam, mine):
    ContactFactory(account=mine)
    stakeholders = account_stakeholder_map(user=other_kam, account=mine)
    assert stakeholders.roots == () and stakeholders.contacts == ()


def test_a_flat_map_hides_nothing_and_reports_one_level(director, mine):
    ContactFactory.create_batch(3, account=mine)
    codes = [g.code for g in account_stakeholder_map(user=director, account=mine).coverage.gaps]
    assert SINGLE_LEVEL in codes


def test_directors_manage_contacts_in_the_admin_kams_do_not(login, director, kam_user, mine):
    contact = ContactFactory(account=mine, last_name="Durand")
    url = f"/admin/accounts/contact/{contact.pk}/change/"
    assert login(director).get("/admin/accounts/contact/").status_code == 200
    assert b"Durand" in login(director).get(url).content
    assert login(kam_user).get("/admin/accounts/contact/").status_code == 302  # to the login
