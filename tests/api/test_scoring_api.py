"""The scoring endpoints of the REST API: scoped reads, director-only writes, preview."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kam.core.models import AuditEvent
from kam.scoring.models import Scorecard, ScoreRun
from kam.scoring.services import score_run_apply, score_run_create, scorecard_create
from tests.factories import AccountFactory, assign
from tests.scoring.conftest import AS_OF, SIMPLE, Book, make_book, sell

pytestmark = pytest.mark.django_db

SCORES = "/api/v1/account-scores/"


def _score_and_apply() -> ScoreRun:
    card = Scorecard.objects.filter(name="simple").first() or scorecard_create(
        name="simple", definition=SIMPLE, user=None
    )
    run = score_run_create(scorecard=card, as_of=AS_OF, user=None).run
    assert run is not None
    return score_run_apply(run=run, user=None)


@pytest.fixture
def scored(db) -> Book:
    book = make_book()
    _score_and_apply()
    return book


def test_account_scores_are_scoped_to_the_kam(api, scored, kam_user):
    assign(scored.b, kam_user)
    response = api(kam_user).get(SCORES)
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    row = body["results"][0]
    assert row["external_id"] == "B" and row["manager"] == "kim"
    assert row["rank"] == 2 and row["tier"] == "strategic"
    assert [c["feature"] for c in row["contributions"]] == ["revenue_12m", "orders_12m"]
    assert sum(c["points"] for c in row["contributions"]) == pytest.approx(row["score"])


def test_filter_by_tier_and_by_run(api, scored, analyst):
    first = ScoreRun.objects.get()
    second = _score_and_apply()
    key = api(analyst).get(SCORES, {"tier": "key", "run": first.pk}).json()
    assert [r["external_id"] for r in key["results"]] == ["A"]
    assert {r["run"] for r in api(analyst).get(SCORES).json()["results"]} == {second.pk}
    assert api(analyst).get(SCORES, {"run": 999}).status_code == 404
    bad = api(analyst).get(SCORES, {"run": "x"})
    assert bad.status_code == 400 and "run" in bad.json()


def test_the_scores_list_costs_the_same_queries_for_4_or_40_accounts(api, scored, director):
    client = api(director)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(SCORES).status_code == 200
        return len(captured)

    few = queries()
    for account in [AccountFactory() for _ in range(36)]:
        sell((account.external_id, f"O-{account.external_id}", AS_OF.replace(day=1), 5.0))
    _score_and_apply()
    assert queries() == few


def test_runs_and_scorecards_are_readable_by_everyone_signed_in(api, scored, kam_user):
    runs = api(kam_user).get("/api/v1/score-runs/")
    assert runs.status_code == 200
    run = runs.json()["results"][0]
    assert run["in_force"] is True and run["status"] == "done"
    assert run["scorecard"]["name"] == "simple" and run["stats"]["accounts"] == 4
    cards = api(kam_user).get("/api/v1/scorecards/").json()
    assert [c["name"] for c in cards["results"]] == ["simple"]
    assert api(None).get("/api/v1/score-runs/").status_code in (401, 403)


def test_one_account_score_by_external_id(api, scored, kam_user, director):
    response = api(director).get("/api/v1/accounts/C/score/")
    assert response.status_code == 200
    assert response.json()["score"] == pytest.approx(40.0)
    # a KAM gets 404 for an account that is not theirs, as for an unknown one
    assert api(kam_user).get("/api/v1/accounts/C/score/").status_code == 404
    assert api(director).get("/api/v1/accounts/NOPE/score/").status_code == 404


def test_a_director_creates_a_scorecard(api, director):
    response = api(director).post(
        "/api/v1/scorecards/", {"name": "api", "definition": SIMPLE}, format="json"
    )
    assert response.status_code == 201
    assert response.json()["version"] == 1 and response.json()["status"] == "draft"
    assert AuditEvent.objects.filter(action="scorecard.create").count() == 1


def test_an_invalid_scorecard_gets_400_naming_each_problem(api, director):
    bad = {**SIMPLE, "criteria": [{"feature": "sector", "weight": 100, "normalisation": "minmax"}]}
    response = api(director).post(
        "/api/v1/scorecards/", {"name": "bad", "definition": bad}, format="json"
    )
    assert response.status_code == 400
    body = response.json()
    assert body["problems"][0]["field"] == "criteria[0].normalisation"
    assert "categorical" in body["definition"][0]
    assert not Scorecard.objects.exists()


@pytest.mark.parametrize("role", ["kam_user", "analyst", "marketing"])
def test_other_roles_get_403_when_creating_a_scorecard(request, api, role):
    user = request.getfixturevalue(role)
    response = api(user).post(
        "/api/v1/scorecards/", {"name": "mine", "definition": SIMPLE}, format="json"
    )
    assert response.status_code == 403
    assert not Scorecard.objects.exists()


def test_preview_compares_a_draft_with_the_run_in_force(api, scored, analyst, kam_user):
    # given a draft that only counts orders, with the best two as key accounts
    draft = {
        **SIMPLE,
        "criteria": [{"feature": "orders_12m", "weight": 100, "normalisation": "minmax"}],
        "tier_rules": [{"tier": "key", "top_n": 2}],
    }
    # when an analyst previews it
    response = api(analyst).post(
        "/api/v1/scorecards/preview/", {"definition": draft}, format="json"
    )
    # then B (second by orders, tie broken by revenue) enters the key tier, nothing is stored
    assert response.status_code == 200
    body = response.json()
    key = next(t for t in body["tiers"] if t["tier"] == "key")
    assert key["entering"] == ["B"] and key["leaving"] == []
    assert key["count_before"] == 1 and key["count_after"] == 2
    assert body["key_coverage_before"] == pytest.approx(1500 / 2600)
    assert body["key_coverage_after"] == pytest.approx(2500 / 2600)
    assert ScoreRun.objects.count() == 1
    # and a KAM may not preview
    denied = api(kam_user).post("/api/v1/scorecards/preview/", {"definition": draft}, format="json")
    assert denied.status_code == 403


def test_apply_a_run_through_the_api(api, scored, director, kam_user):
    card = Scorecard.objects.get()
    run = score_run_create(scorecard=card, as_of=AS_OF, user=None).run
    assert run is not None
    assert api(kam_user).post(f"/api/v1/score-runs/{run.pk}/apply/").status_code == 403
    response = api(director).post(f"/api/v1/score-runs/{run.pk}/apply/")
    assert response.status_code == 200 and response.json()["in_force"] is True
    assert ScoreRun.objects.get(in_force=True) == run


def test_the_schema_documents_the_scoring_endpoints(api, analyst):
    schema = json.loads(api(analyst).get("/api/schema/", {"format": "json"}).content)
    assert set(schema["paths"]) >= {
        "/api/v1/scorecards/",
        "/api/v1/scorecards/preview/",
        "/api/v1/score-runs/",
        "/api/v1/score-runs/{id}/apply/",
        "/api/v1/account-scores/",
        "/api/v1/accounts/{external_id}/score/",
    }
    params = {p["name"] for p in schema["paths"]["/api/v1/account-scores/"]["get"]["parameters"]}
    assert {"run", "tier", "page"} <= params
    score = schema["components"]["schemas"]["AccountScore"]["properties"]
    assert score["manager"]["type"] == "string"


@pytest.mark.parametrize("url", ["/api/v1/score-runs/", "/api/v1/scorecards/"])
def test_run_and_scorecard_lists_cost_the_same_queries_for_1_or_5_rows(api, scored, director, url):
    client = api(director)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    one = queries()
    for n in range(4):
        card = scorecard_create(name=f"more-{n}", definition=SIMPLE, user=director)
        run = score_run_create(scorecard=card, as_of=AS_OF, user=director).run
        assert run is not None
    assert queries() == one <= 4
