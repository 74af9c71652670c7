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
from kam.assignments.policy import policy_get
from kam.assignments.problem import problem_build
from kam.assignments.proposals import proposal_compute
from kam.core.models import ManagerProfile
from kam.core.roles import Role
from kam.demo.generate import DemoSpec
from kam.demo.people import DEMO_PASSWORD, DEMO_USERS
from kam.demo.services import DemoRefused, demo_load
from kam.sales.models import ImportBatch
from kam.sales.selectors import ledger_table
from kam.scoring.selectors import run_in_force
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


@pytest.mark.parametrize("spec", [SPEC, DemoSpec(as_of=SPEC.as_of)], ids=["small", "default"])
def test_every_key_account_gets_a_lead_within_capacity_international_ones_a_gam(spec):
    # given the loaded demo (the default one is what `make run` shows)
    demo_load(spec=spec)
    context = problem_build(policy_get(), run_in_force())
    key = {pk for pk, placed in context.placed.items() if placed.tier == "key"}
    assert key
    current = list(
        AccountAssignment.objects.filter(ended_at__isnull=True).select_related(
            "manager__manager_profile"
        )
    )
    # then every key account has a lead, and only key accounts have one
    leads = {a.account_id: a.manager for a in current if a.role == "lead"}
    assert set(leads) == key
    # and no manager is over capacity (workloads of the assignment policy)
    load: Counter[int] = Counter()
    for account_id, manager in leads.items():
        load[manager.pk] += context.placed[account_id].workload
    for manager in {m.pk: m for m in leads.values()}.values():
        assert load[manager.pk] <= float(manager.manager_profile.capacity) + 1e-9
    # and international accounts are led by GAMs
    international = {pk for pk in key if context.placed[pk].international}
    assert international
    assert {leads[pk].manager_profile.kind for pk in international} == {"GAM"}
    # and a second proposal, with no data change, moves nothing
    again = proposal_compute(user=None)
    assert again.counts() == {"kept": len(key), "moved": 0, "new": 0, "unassigned": 0}


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
