"""Issue 7's acceptance on the demo data: a KAM opens one of their key accounts and
sees the whole 360° page — identity, score, sales, stakeholders with coverage gaps,
activities and channel plan, assignment, health (components summing to the score), plan,
alerts and KPIs — each in a bounded number of queries; the account built to decline has
its revenue-drop alert."""

from __future__ import annotations

from datetime import date

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from kam.assignments.models import AccountAssignment
from kam.demo.generate import DemoSpec, demo_generate
from kam.demo.services import demo_load
from kam.plans.models import Alert
from kam.scoring.selectors import run_in_force

pytestmark = pytest.mark.django_db

SPEC = DemoSpec(as_of=date(2026, 6, 15))  # the default demo, as `make run` loads it
# Each lazily loaded section of the account page, by its URL name.
SECTIONS = (
    "engagement:account",
    "assignments:account",
    "plans:health",
    "plans:account",
    "plans:account_alerts",
    "kpis:account",
)


def test_a_kam_sees_the_whole_360_page_of_a_key_account(client, django_assert_max_num_queries):
    demo_load(spec=SPEC)
    (declining,) = demo_generate(SPEC).declining
    # the account built to decline is key, and its revenue-drop alert is open
    run = run_in_force()
    assert run is not None
    assert run.scores.get(account__external_id=declining).tier == "key"
    alert = Alert.objects.get(
        account__external_id=declining, rule="revenue_drop", closed_at__isnull=True
    )
    assert "%" in alert.detail
    # its lead, a KAM or GAM, opens the account page
    lead = AccountAssignment.objects.get(
        account__external_id=declining, role="lead", ended_at__isnull=True
    ).manager
    client.force_login(User.objects.get(pk=lead.pk))
    with django_assert_max_num_queries(20):
        page = client.get(reverse("accounts:detail", args=[declining]))
    assert page.status_code == 200
    html = page.content.decode()
    for part in ("Stakeholders", "score", declining):
        assert part in html
    # and every section loads, each in a bounded number of queries
    bodies = {}
    for name in SECTIONS:
        with django_assert_max_num_queries(25):
            response = client.get(reverse(name, args=[declining]), HTTP_HX_REQUEST="true")
        assert response.status_code == 200, name
        bodies[name] = response.content.decode()
    assert "Revenue drop" in bodies["plans:account_alerts"]
    assert lead.username in bodies["assignments:account"]


def test_the_health_components_sum_to_the_score_on_the_demo():
    from kam.plans.selectors import account_health, key_accounts

    spec = DemoSpec(as_of=date(2026, 6, 15), accounts=60, lines=3_000, seed=3)
    demo_load(spec=spec)
    accounts = list(key_accounts())
    assert accounts
    for account in accounts:
        found = account_health(user=None, account=account, as_of=spec.as_of)
        assert found is not None
        health = found.health
        assert sum(c.points for c in health.components) == pytest.approx(health.score, abs=1e-6)
        assert 0 <= health.score <= 100
