"""Account plans through the services: validation naming fields, permissions, the copy
of last year's plan, completion."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from kam.plans.models import AccountPlan, Action, Objective
from kam.plans.selectors import completion_of, plan_list
from kam.plans.services import (
    action_create,
    action_update,
    objective_create,
    objective_update,
    plan_create,
    plan_update,
)
from tests.factories import make_user


def test_managers_and_directors_write_others_read(book, director):
    plan = plan_create(account=book.alpha, year=2026, user=book.kim, needs="Faster delivery")
    assert plan.created_by == book.kim and plan.status == "draft"
    plan_update(plan=plan, user=director, status="active")
    with pytest.raises(PermissionDenied):
        plan_update(plan=plan, user=book.otto, needs="no")
    analyst = make_user("analyst")
    with pytest.raises(PermissionDenied):
        objective_create(plan=plan, user=analyst, title="x")
    assert list(plan_list(user=analyst)) == [plan]  # reads every account
    assert list(plan_list(user=book.otto)) == []  # not his account
    assert AccountPlan.objects.get().needs == "Faster delivery"


def test_bad_input_is_refused_naming_the_field(book):
    plan = plan_create(account=book.alpha, year=2026, user=None)
    with pytest.raises(ValidationError) as caught:
        plan_create(account=book.alpha, year=2026, user=None)
    assert "year" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        plan_update(plan=plan, user=None, status="finished")
    assert "status" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        objective_create(plan=plan, user=None, title="", target_value="12")
    assert "title" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        objective_create(plan=plan, user=None, title="Grow", target_value="a lot")
    assert "target_value" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        objective_create(plan=plan, user=None, title="Grow", progress_set="120")
    assert "progress_set" in caught.value.message_dict
    other = plan_create(account=book.charlie, year=2026, user=None)
    foreign = objective_create(plan=other, user=None, title="Other")
    with pytest.raises(ValidationError) as caught:
        action_create(plan=plan, user=None, title="Call", objective=foreign)
    assert "objective" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        action_create(plan=plan, user=None, title="Call", status="later")
    assert "status" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        plan_create(account=book.bravo, year=2026, user=None, copy_previous=True)
    assert "copy_previous" in caught.value.message_dict
    assert Objective.objects.count() == 1 and Action.objects.count() == 0  # nothing half-made


def test_a_new_year_starts_from_last_years_plan(book):
    old = plan_create(
        account=book.alpha, year=2025, user=None, needs="Stock", threats="A competitor"
    )
    grow = objective_create(
        plan=old,
        user=None,
        title="Grow",
        measure="revenue",
        target_value=Decimal(100),
        current_value=Decimal(80),
        due_date=date(2025, 12, 31),
    )
    action_create(
        plan=old,
        user=None,
        title="Visit",
        objective=grow,
        owner=book.kim,
        status="doing",
        due_date=date(2025, 6, 1),
    )
    action_create(plan=old, user=None, title="Done already", status="done")
    new = plan_create(account=book.alpha, year=2026, user=book.kim, copy_previous=True)
    assert new.copied_from == old
    assert (new.needs, new.threats) == ("Stock", "A competitor")
    [objective] = new.objectives.all()
    assert (objective.title, objective.target_value, objective.current_value) == ("Grow", 100, None)
    assert objective.due_date == date(2026, 12, 31)
    [action] = new.actions.all()  # only the open one
    assert (action.title, action.status, action.objective, action.owner) == (
        "Visit",
        "todo",
        objective,
        book.kim,
    )
    assert action.due_date == date(2026, 6, 1)
    assert old.objectives.get().current_value == 80  # the old plan is untouched


def test_completion_of_a_plan(book):
    plan = plan_create(account=book.alpha, year=2026, user=None)
    on = objective_create(plan=plan, user=None, title="On", target_value=100, current_value=60)
    objective_create(plan=plan, user=None, title="Behind", target_value=100, current_value=10)
    objective_update(objective=on, user=None, progress_set=Decimal(50))
    first = action_create(plan=plan, user=None, title="One", due_date=date(2026, 3, 1))
    action_create(plan=plan, user=None, title="Two", status="cancelled")
    action_create(plan=plan, user=None, title="Three", status="done")
    loaded = plan_list(user=None).get(pk=plan.pk)
    done = completion_of(loaded, date(2026, 6, 15))  # 45 % of the year gone by
    assert (done.actions, done.actions_done, done.overdue_actions) == (2, 1, 1)
    assert (done.objectives, done.objectives_on_track) == (2, 1)
    assert done.completion_pct == pytest.approx(50.0)
    action_update(action=first, user=None, status="done")
    done = completion_of(plan_list(user=None).get(pk=plan.pk), date(2026, 6, 15))
    assert done.completion_pct == pytest.approx(75.0) and done.overdue_actions == 0
