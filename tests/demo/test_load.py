"""Loading the demo data set into the database, through the import and user services."""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest
from django.contrib.auth import authenticate
from django.contrib.auth.models import User

from kam.accounts.models import Account
from kam.accounts.selectors import account_list
from kam.assignments.models import AccountAssignment
from kam.core.models import ManagerProfile
from kam.core.roles import Role
from kam.demo.generate import DemoSpec
from kam.demo.people import DEMO_PASSWORD, DEMO_USERS
from kam.demo.services import DemoRefused, demo_load
from kam.sales.models import ImportBatch
from kam.sales.selectors import ledger_table
from tests.factories import make_user

pytestmark = pytest.mark.django_db

SPEC = DemoSpec(as_of=date(2026, 6, 15), accounts=60, lines=3_000, seed=3)


def test_loading_stores_accounts_groups_lines_and_users_of_every_role():
    # given an empty database
    # when the demo is loaded
    result = demo_load(spec=SPEC)
    # then the accounts, their groups and every order line are stored
    assert result.loaded
    assert Account.objects.count() == 60 == result.accounts
    assert Account.objects.filter(subsidiaries__isnull=False).distinct().count() == result.groups
    assert result.groups >= 2
    assert ledger_table().count().execute() == 3_000 == result.lines
    # and there are users of every role, KAMs and GAMs with their profiles
    for role in Role:
        assert User.objects.filter(groups__name=role.value).exists(), role
    kinds = Counter(ManagerProfile.objects.values_list("kind", flat=True))
    assert kinds == {"KAM": 6, "GAM": 2}
    # who log in with the demo password
    assert authenticate(username="director", password=DEMO_PASSWORD) is not None
    assert authenticate(username="sophie.keller", password=DEMO_PASSWORD) is not None
    assert {login.password for login in result.logins} == {DEMO_PASSWORD}


def test_the_team_lead_has_reports_and_sees_their_accounts():
    # given the loaded demo
    demo_load(spec=SPEC)
    lead = User.objects.get(username="claire.dubois")
    # then three KAMs report to the lead
    reports = set(
        ManagerProfile.objects.filter(reports_to=lead).values_list("user__username", flat=True)
    )
    assert reports == {"julien.moreau", "sarah.lambert", "nicolas.fabre"}
    # and the lead sees the accounts of the whole team, a KAM only their own
    team_accounts = AccountAssignment.objects.filter(
        manager__username__in=reports | {lead.username}, ended_at__isnull=True
    ).count()
    assert account_list(user=lead).count() == team_accounts > 0
    kam = User.objects.get(username="julien.moreau")
    assert account_list(user=kam).count() == kam.assignments.filter(ended_at__isnull=True).count()


def test_the_largest_accounts_get_a_lead_within_capacity_international_ones_a_gam():
    # given the loaded demo
    result = demo_load(spec=SPEC)
    current = list(
        AccountAssignment.objects.filter(ended_at__isnull=True).select_related(
            "account", "manager__manager_profile"
        )
    )
    # then about a fifth of the accounts have a lead, and every lead is within capacity
    assert len(current) == result.assignments == result.key_accounts == 12
    per_manager = Counter(a.manager_id for a in current)
    for assignment in current:
        assert per_manager[assignment.manager_id] <= assignment.manager.manager_profile.capacity
    # and accounts operating in three countries or more went to GAMs, the others to KAMs
    international = [a for a in current if len(a.account.countries_of_operation) >= 3]
    assert international
    for assignment in current:
        expected = "GAM" if assignment in international else "KAM"
        assert assignment.manager.manager_profile.kind == expected


def test_if_empty_does_nothing_the_second_time_and_without_it_the_demo_refuses():
    # given the loaded demo
    demo_load(spec=SPEC)
    batches, users = ImportBatch.objects.count(), User.objects.count()
    # when it is loaded again with if_empty
    again = demo_load(spec=SPEC, if_empty=True)
    # then nothing happens, and it says why
    assert not again.loaded
    assert again.existing_accounts == 60
    assert (ImportBatch.objects.count(), User.objects.count()) == (batches, users)
    # and without if_empty it refuses
    with pytest.raises(DemoRefused, match="already has 60 account"):
        demo_load(spec=SPEC)


def test_an_existing_user_with_a_demo_name_is_kept_and_never_given_accounts():
    # given an analyst who happens to be called like a demo KAM
    make_user("analyst", "claire.dubois")
    # when the demo is loaded
    result = demo_load(spec=SPEC)
    # then that user is left as they were, with no password printed and no account
    login = next(x for x in result.logins if x.username == "claire.dubois")
    assert login.password is None
    claire = User.objects.get(username="claire.dubois")
    assert not hasattr(claire, "manager_profile")
    assert not AccountAssignment.objects.filter(manager=claire).exists()
    # and the other demo users are created
    assert User.objects.filter(username__in=[u.username for u in DEMO_USERS]).count() == len(
        DEMO_USERS
    )
    assert result.users_created == len(DEMO_USERS) - 1


def test_loading_reports_its_stages_in_order():
    # given a listener for progress
    stages: list[str] = []
    # when the demo is loaded
    demo_load(spec=SPEC, progress=lambda stage, fraction: stages.append(stage))
    # then it heard each step, the sales import's own stages included, ending with done
    steps = [s for s in dict.fromkeys(stages) if not s.startswith("importing sales: ")]
    assert steps == [
        "generating",
        "importing accounts",
        "creating users",
        "importing sales",
        "assigning key accounts",
        "done",
    ]
    assert any(s.startswith("importing sales: ") for s in stages)
