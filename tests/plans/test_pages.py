"""The 360° page's plan, health and alert sections, the plan page and its PDF, the
alerts on the home page, the policy page; query counts stay bounded."""

from __future__ import annotations

import re
import zlib
from datetime import date

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from kam.plans.models import AccountPlan, Alert
from kam.plans.services import (
    action_create,
    alerts_refresh,
    objective_create,
    plan_create,
)
from tests.plans.conftest import AS_OF

HX = {"HTTP_HX_REQUEST": "true"}


def _queries(client, url: str, **extra: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, **extra)
        assert response.status_code == 200
    return len(captured)


def _fill(plan: AccountPlan, n: int) -> None:
    for i in range(n):
        objective = objective_create(
            plan=plan, user=None, title=f"Objective {i}", target_value=10, current_value=i
        )
        action_create(
            plan=plan,
            user=None,
            title=f"Action {i}",
            objective=objective,
            due_date=date(2026, 1, 1 + i),
        )


def test_the_account_page_includes_the_sections_lazily_within_budget(
    book, login, director, django_assert_max_num_queries
):
    url = reverse("accounts:detail", args=["A"])
    kim = login(book.kim)
    few = _queries(kim, url)
    plan = plan_create(account=book.alpha, year=timezone.localdate().year, user=None)
    _fill(plan, 10)
    alerts_refresh(as_of=AS_OF)
    assert _queries(kim, url) == few  # plans, objectives, actions, alerts cost nothing here
    with django_assert_max_num_queries(few):
        kim.get(url)
    boss = login(director)
    boss.get(url)  # the first visit fills the caches of the scores
    with django_assert_max_num_queries(9):  # the budget of tests/web/test_account_detail.py
        page = boss.get(url).content.decode()
    for section in ("plans:health", "plans:account", "plans:account_alerts"):
        assert reverse(section, args=["A"]) in page
    assert 'id="health"' in page and 'id="plan"' in page and 'id="alerts"' in page


def test_the_sections_cost_a_fixed_number_of_queries(book, login, django_assert_max_num_queries):
    client = login(book.kim)
    plan = plan_create(account=book.alpha, year=timezone.localdate().year, user=None)
    _fill(plan, 2)
    alerts_refresh(as_of=AS_OF)
    urls = [
        reverse(name, args=["A"])
        for name in ("plans:health", "plans:account", "plans:account_alerts")
    ]
    few = [_queries(client, u, **HX) for u in urls]
    _fill(plan, 10)
    Alert.objects.filter(rule="no_activity").update(closed_at=timezone.now())
    alerts_refresh(as_of=AS_OF)  # one more, closed alert in the history
    assert [_queries(client, u, **HX) for u in urls] == few
    for u, budget in zip(urls, (18, 14, 10), strict=True):
        with django_assert_max_num_queries(budget):
            client.get(u, **HX)


def test_the_health_section_shows_the_components_that_sum_to_the_score(book, login):
    client = login(book.kim)
    html = client.get(reverse("plans:health", args=["A"]), **HX).content.decode()
    for code in (
        "revenue_trend",
        "order_recency",
        "activity_freshness",
        "stakeholder_coverage",
        "plan_progress",
    ):
        assert f'data-component="{code}"' in html
    assert "<meter" in html
    assert client.get(reverse("plans:health", args=["B"])).status_code == 404  # otto's account


def test_starting_a_plan_from_the_account_page_and_editing_it(book, login):
    client = login(book.kim)
    year = timezone.localdate().year
    summary = client.get(reverse("plans:account", args=["A"]), **HX).content.decode()
    assert "Start a plan" in summary
    response = client.post(reverse("plans:create", args=["A"]), {"year": year})
    plan = AccountPlan.objects.get(account=book.alpha, year=year)
    assert response.status_code == 302 and response["Location"] == reverse(
        "plans:detail", args=[plan.pk]
    )
    again = client.post(reverse("plans:create", args=["A"]), {"year": year})
    assert again.status_code == 400 and "already has a plan" in again.content.decode()
    detail = reverse("plans:detail", args=[plan.pk])
    saved = client.post(
        detail,
        {
            "status": "active",
            "needs": "Same-day delivery",
            "expectations": "",
            "strengths": "",
            "weaknesses": "",
            "opportunities": "",
            "threats": "",
        },
    )
    assert saved.status_code == 302
    plan.refresh_from_db()
    assert (plan.status, plan.needs) == ("active", "Same-day delivery")
    bad = client.post(
        reverse("plans:objective_add", args=[plan.pk]), {"title": "Grow", "target_value": "x"}
    )
    assert bad.status_code == 400
    assert (
        client.post(
            reverse("plans:objective_add", args=[plan.pk]),
            {"title": "Grow", "target_value": "100", "current_value": "50"},
        ).status_code
        == 302
    )
    assert (
        client.post(
            reverse("plans:action_add", args=[plan.pk]),
            {"title": "Visit", "status": "todo", "owner": book.kim.pk},
        ).status_code
        == 302
    )
    objective = plan.objectives.get()
    edit = reverse("plans:objective_edit", args=[objective.pk])
    assert client.post(edit, {"current_value": "80", "progress_set": ""}).status_code == 302
    objective.refresh_from_db()
    assert objective.current_value == 80 and objective.progress == 80.0
    refused = client.post(edit, {"current_value": "80", "progress_set": "120"}, follow=True)
    assert "progress_set" in refused.content.decode()
    objective.refresh_from_db()
    assert objective.progress_set is None
    action = plan.actions.get()
    assert (
        client.post(
            reverse("plans:action_status", args=[action.pk]), {"status": "done"}
        ).status_code
        == 302
    )
    action.refresh_from_db()
    assert action.status == "done"
    page = client.get(detail).content.decode()
    assert "Same-day delivery" in page and "Grow" in page and "Download PDF" in page
    summary = client.get(reverse("plans:account", args=["A"]), **HX).content.decode()
    assert "1 of 1 actions done" in summary


def test_others_read_the_plan_but_may_not_change_it(book, login, analyst):
    plan = plan_create(account=book.alpha, year=2026, user=None)
    client = login(analyst)
    page = client.get(reverse("plans:detail", args=[plan.pk])).content.decode()
    assert "Save the plan" not in page
    assert (
        client.post(reverse("plans:objective_add", args=[plan.pk]), {"title": "x"}).status_code
        == 403
    )
    otto = login(book.otto)
    assert otto.get(reverse("plans:detail", args=[plan.pk])).status_code == 404


def test_the_plan_prints_to_an_a4_pdf(book, login):
    plan = plan_create(account=book.alpha, year=2026, user=None, needs="Faster delivery")
    _fill(plan, 2)
    response = login(book.kim).get(reverse("plans:pdf", args=[plan.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert 'filename="plan-A-2026.pdf"' in response["Content-Disposition"]
    assert response.content.startswith(b"%PDF")
    assert re.search(rb"/MediaBox \[0 0 595\.27\d* 841\.88\d*\]", _pdf_text(response.content))
    assert b"Faster delivery" not in response.content  # the text is in compressed streams


def _pdf_text(pdf: bytes) -> bytes:
    """The PDF with its compressed streams (and object streams) inflated."""
    parts = [pdf]
    for found in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            parts.append(zlib.decompress(found.group(1)))
        except zlib.error:
            continue
    return b"\n".join(parts)


def test_alerts_on_the_home_page_and_acknowledging_them(book, login):
    alerts_refresh(as_of=AS_OF)
    client = login(book.kim)
    home = client.get(reverse("accounts:list")).content.decode()
    assert reverse("plans:alerts") in home
    section = client.get(reverse("plans:alerts"), **HX).content.decode()
    assert "Alpha" in section and "Bravo" not in section
    assert reverse("accounts:detail", args=["A"]) + "#alerts" in section
    alert = Alert.objects.get(account=book.alpha, rule="revenue_drop")
    response = client.post(
        reverse("plans:alert_ack", args=[alert.pk]), {"note": "Known: budget freeze"}
    )
    assert response.status_code == 302
    alert.refresh_from_db()
    assert alert.note == "Known: budget freeze" and alert.acknowledged_by == book.kim
    account_alerts = client.get(reverse("plans:account_alerts", args=["A"]), **HX).content.decode()
    assert "Known: budget freeze" in account_alerts
    bravo_alert = Alert.objects.filter(account=book.bravo).first()
    assert bravo_alert is not None
    assert (
        client.post(reverse("plans:alert_ack", args=[bravo_alert.pk]), {"note": "x"}).status_code
        == 404
    )


def test_the_alert_list_query_count_is_bounded(
    book, login, director, django_assert_max_num_queries
):
    alerts_refresh(as_of=AS_OF)
    client = login(director)
    few = _queries(client, reverse("plans:alerts"))
    Alert.objects.filter(rule="no_activity").update(closed_at=timezone.now())
    alerts_refresh(as_of=AS_OF)
    assert _queries(client, reverse("plans:alerts")) == few
    with django_assert_max_num_queries(10):
        client.get(reverse("plans:alerts"))


def test_directors_edit_the_policy(book, login, director):
    client = login(book.kim)
    assert "Save" not in client.get(reverse("plans:policy")).content.decode()
    assert client.post(reverse("plans:policy"), {}).status_code == 403
    client = login(director)
    fields = {
        "weight_revenue_trend": 40,
        "weight_order_recency": 20,
        "weight_activity_freshness": 20,
        "weight_stakeholder_coverage": 10,
        "weight_plan_progress": 10,
        "revenue_drop_pct": "25",
        "inactivity_days": 45,
    }
    assert client.post(reverse("plans:policy"), fields).status_code == 302
    zero = dict(
        fields,
        weight_revenue_trend=0,
        weight_order_recency=0,
        weight_activity_freshness=0,
        weight_stakeholder_coverage=0,
        weight_plan_progress=0,
    )
    refused = client.post(reverse("plans:policy"), zero)
    assert refused.status_code == 400 and "At least one weight" in refused.content.decode()
