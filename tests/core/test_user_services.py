"""Creating users with a role, and their API token."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from kam.core.models import ManagerProfile
from kam.core.roles import Role, can_import, is_director, sees_all_accounts, user_roles
from kam.core.services import user_create, user_token

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("role", "group", "kind", "staff"),
    [
        ("director", Role.DIRECTOR, None, True),
        ("kam", Role.KAM, "KAM", False),
        ("gam", Role.KAM, "GAM", False),
        ("marketing", Role.MARKETING, None, False),
        ("analyst", Role.ANALYST, None, False),
    ],
)
def test_user_create_gives_the_role_and_the_manager_profile(role, group, kind, staff):
    # when a user is created with a role
    user, password = user_create(username=f"u-{role}", role=role)
    # then the user has that role's group, a profile for managers, and a usable password
    assert user_roles(user) == {group}
    assert user.is_staff is staff
    profile = ManagerProfile.objects.filter(user=user).first()
    assert (profile.kind if profile else None) == kind
    assert user.check_password(password)
    assert len(password) >= 12


def test_only_directors_import_and_see_everything(director, kam_user, analyst, marketing):
    assert [can_import(u) for u in (director, kam_user, analyst, marketing)] == [
        True,
        False,
        False,
        False,
    ]
    assert [sees_all_accounts(u) for u in (director, kam_user, analyst, marketing)] == [
        True,
        False,
        True,
        True,
    ]
    assert is_director(director) and not is_director(analyst)


def test_duplicate_user_names_are_refused(director):
    with pytest.raises(ValidationError, match="already exists"):
        user_create(username=director.username, role="analyst")


def test_unknown_role_is_refused():
    with pytest.raises(ValidationError, match="unknown role"):
        user_create(username="x", role="ceo")


def test_token_is_created_once(kam_user):
    first = user_token(username=kam_user.username)
    assert len(first) == 40
    assert user_token(username=kam_user.username) == first


def test_a_manager_cannot_report_to_themselves(kam_user):
    profile = kam_user.manager_profile
    profile.reports_to = kam_user
    with pytest.raises(ValidationError, match="themselves"):
        profile.full_clean()
