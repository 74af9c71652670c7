"""The plan, objective, action, health and alert endpoints."""

from __future__ import annotations

from kam.plans.models import AccountPlan, Alert
from kam.plans.services import action_create, alerts_refresh, objective_create, plan_create
from tests.factories import make_user
from tests.plans.conftest import AS_OF


def test_plans_objectives_and_actions_through_the_api(book, api, django_assert_max_num_queries):
    client = api(book.kim)
    created = client.post(
        "/api/v1/account-plans/", {"account": "A", "year": 2026, "needs": "Stock"}, format="json"
    )
    assert created.status_code == 201, created.content
    plan_id = created.json()["id"]
    assert (
        created.json()["account"] == "A" and created.json()["completion"]["completion_pct"] is None
    )
    again = client.post("/api/v1/account-plans/", {"account": "A", "year": 2026}, format="json")
    assert again.status_code == 400 and "year" in again.json()
    objective = client.post(
        "/api/v1/plan-objectives/",
        {"plan": plan_id, "title": "Grow", "target_value": "100", "current_value": "25"},
        format="json",
    )
    assert objective.status_code == 201, objective.content
    assert objective.json()["progress"] == 25.0
    action = client.post(
        "/api/v1/plan-actions/",
        {"plan": plan_id, "title": "Visit", "owner": "kim", "objective": objective.json()["id"]},
        format="json",
    )
    assert action.status_code == 201, action.content
    done = client.patch(
        f"/api/v1/plan-actions/{action.json()['id']}/", {"status": "done"}, format="json"
    )
    assert done.status_code == 200 and done.json()["status"] == "done"
    bad = client.patch(
        f"/api/v1/plan-actions/{action.json()['id']}/", {"status": "later"}, format="json"
    )
    assert bad.status_code == 400 and "status" in bad.json()
    patched = client.patch(f"/api/v1/account-plans/{plan_id}/", {"status": "active"}, format="json")
    assert patched.status_code == 200 and patched.json()["status"] == "active"
    body = client.get(f"/api/v1/account-plans/{plan_id}/").json()
    assert body["completion"]["actions_done"] == 1 and len(body["objectives"]) == 1
    # otto neither sees nor changes kim's plan; an analyst reads but may not write
    otto = api(book.otto)
    assert otto.get(f"/api/v1/account-plans/{plan_id}/").status_code == 404
    assert (
        otto.post(
            "/api/v1/plan-objectives/", {"plan": plan_id, "title": "x"}, format="json"
        ).status_code
        == 404
    )
    analyst = api(make_user("analyst"))
    assert analyst.get("/api/v1/account-plans/?account=A").json()["count"] == 1
    assert (
        analyst.patch(
            f"/api/v1/account-plans/{plan_id}/", {"needs": "x"}, format="json"
        ).status_code
        == 403
    )
    # the list costs a fixed number of queries
    for year in (2023, 2024, 2025):
        plan = plan_create(account=book.alpha, year=year, user=None)
        action_create(
            plan=plan,
            user=None,
            title="a",
            objective=objective_create(plan=plan, user=None, title="o"),
        )
    with django_assert_max_num_queries(12):
        listed = client.get("/api/v1/account-plans/")
    assert listed.json()["count"] == 4
    assert AccountPlan.objects.count() == 4


def test_health_and_alerts(book, api, django_assert_max_num_queries):
    client = api(book.kim)
    health = client.get("/api/v1/accounts/A/health/")
    assert health.status_code == 200
    body = health.json()
    assert [c["code"] for c in body["components"]] == [
        "revenue_trend",
        "order_recency",
        "activity_freshness",
        "stakeholder_coverage",
        "plan_progress",
    ]
    assert abs(sum(c["points"] for c in body["components"]) - body["score"]) < 1e-9
    assert client.get("/api/v1/accounts/B/health/").status_code == 404
    alerts_refresh(as_of=AS_OF)
    with django_assert_max_num_queries(10):
        listed = client.get("/api/v1/alerts/")
    assert {a["account"] for a in listed.json()["results"]} == {"A"}
    alert = Alert.objects.get(account=book.alpha, rule="revenue_drop")
    acked = client.post(f"/api/v1/alerts/{alert.pk}/acknowledge/", {"note": "Known"}, format="json")
    assert acked.status_code == 200 and acked.json()["note"] == "Known"
    assert acked.json()["acknowledged_by"] == "kim"
    other = Alert.objects.filter(account=book.bravo).first()
    assert other is not None
    assert (
        client.post(f"/api/v1/alerts/{other.pk}/acknowledge/", {}, format="json").status_code == 404
    )
    assert api(None).get("/api/v1/alerts/").status_code in (401, 403)
