"""The assignment endpoints: portfolio board, proposals (list, retrieve with lines and
loads, create, decide a line, apply, discard), an account's assignment (read, manual
reassign) and the policy; scoped, with refusals as 403 / 404 / 409 / 400."""

from __future__ import annotations

import pytest

from kam.assignments.models import AccountAssignment, LineDecision, Proposal, ProposalState
from kam.assignments.policy import policy_get
from kam.assignments.proposals import proposal_create
from kam.assignments.services import account_assign
from tests.assignments.conftest import run_in_force_with
from tests.factories import AccountFactory, make_user

pytestmark = pytest.mark.django_db

PROPOSALS = "/api/v1/assignment-proposals/"


@pytest.fixture
def key_run():
    return run_in_force_with


@pytest.fixture
def team(db):
    return {
        "food": make_user("kam", "fiona", capacity=2, sectors=["Food"], languages=["fr"]),
        "auto": make_user("kam", "arno", capacity=2, sectors=["Auto"], languages=["fr"]),
        "gam": make_user("gam", "gus", capacity=3, sectors=["Retail"], languages=["en"]),
    }


@pytest.fixture
def book(team, key_run):
    kept = AccountFactory(name="Kept", sector="Food", employees=300, external_id="K")
    account_assign(account=kept, manager=team["food"], reason="history")
    food = AccountFactory(name="Food", sector="Food", employees=300, external_id="F")
    auto = AccountFactory(name="Auto", sector="Auto", employees=300, external_id="A")
    key_run([(kept, "key", 300.0), (food, "key", 200.0), (auto, "key", 100.0)])
    return {"kept": kept, "food": food, "auto": auto}


def lead_of(account) -> str | None:
    row = AccountAssignment.objects.filter(
        account=account, ended_at__isnull=True, role="lead"
    ).first()
    return row.manager.username if row else None


# -- the board ----------------------------------------------------------------------------


def test_the_board_lists_portfolios_with_loads(api, book, team, director):
    response = api(director).get("/api/v1/portfolios/")
    assert response.status_code == 200
    board = {p["manager"]: p for p in response.json()}
    assert list(board) == ["arno", "fiona", "gus"]
    fiona = board["fiona"]
    assert (fiona["kind"], fiona["capacity"], fiona["load"], fiona["value"]) == (
        "KAM",
        2.0,
        1.0,
        300.0,
    )
    assert fiona["over_capacity"] is False
    assert fiona["led"] == [
        {
            "external_id": "K",
            "name": "Kept",
            "tier": "key",
            "workload": 1.0,
            "value": 300.0,
            "pinned": False,
            "international": False,
            "placed": True,
        }
    ]


def test_a_kam_gets_only_their_portfolio(api, book, team):
    response = api(team["food"]).get("/api/v1/portfolios/")
    assert [p["manager"] for p in response.json()] == ["fiona"]
    assert api(None).get("/api/v1/portfolios/").status_code == 401


def test_the_board_query_count_does_not_grow(
    api,
    team,
    key_run,
    director,
    django_assert_max_num_queries,
):
    client = api(director)
    accounts: list = []
    for n in (2, 20):
        new = [AccountFactory(employees=100) for _ in range(n)]
        for account in new:
            account_assign(account=account, manager=team["gam"])
        accounts.extend(new)
        key_run([(a, "key", 1.0) for a in accounts])
        client.get("/api/v1/portfolios/")
        with django_assert_max_num_queries(10):
            assert len(client.get("/api/v1/portfolios/").json()) == 3


# -- proposals ----------------------------------------------------------------------------


def test_a_director_creates_a_proposal_and_reads_its_lines_and_loads(api, book, director):
    response = api(director).post(PROPOSALS)
    assert response.status_code == 201
    body = response.json()
    proposal = Proposal.objects.get()
    assert body["id"] == proposal.pk and body["state"] == "open"
    assert body["solver_status"] == "optimal"
    assert body["counts"] == {"kept": 1, "moved": 0, "new": 2, "unassigned": 0}
    assert set(body["objective"]) == {"fit", "continuity", "balance", "total"}
    lines = {line["account"]: line for line in body["lines"]}
    assert set(lines) == {"K", "F", "A"}
    assert (lines["F"]["change"], lines["F"]["lead"], lines["F"]["previous_lead"]) == (
        "new",
        "fiona",
        "",
    )
    assert lines["F"]["tier"] == "key" and "sector match" in lines["F"]["reasons"]
    assert lines["K"]["is_change"] is False
    loads = {load["manager"]: load for load in body["loads"]}
    assert (loads["fiona"]["workload_before"], loads["fiona"]["workload_after"]) == (1.0, 2.0)
    assert body["unplaced"] == [] and body["missing_capacity"] == {}
    # and the same through retrieve
    again = api(director).get(f"{PROPOSALS}{proposal.pk}/").json()
    assert again["counts"] == body["counts"] and len(again["lines"]) == 3


def test_the_list_is_for_directors_and_analysts(api, book, director, analyst, kam_user):
    proposal = proposal_create(user=director)
    for user in (director, analyst):
        body = api(user).get(PROPOSALS).json()
        assert [p["id"] for p in body["results"]] == [proposal.pk]
        assert body["results"][0]["counts"]["new"] == 2
        assert api(user).get(f"{PROPOSALS}{proposal.pk}/").status_code == 200
    assert api(kam_user).get(PROPOSALS).json()["results"] == []
    assert api(kam_user).get(f"{PROPOSALS}{proposal.pk}/").status_code == 404


def test_the_list_query_count_does_not_grow(api, book, director, django_assert_max_num_queries):
    client = api(director)
    for _ in range(2):
        proposal_create(user=director)
    with django_assert_max_num_queries(6):
        assert client.get(PROPOSALS).json()["count"] == 2
    for _ in range(5):
        proposal_create(user=director)
    with django_assert_max_num_queries(6):
        assert client.get(PROPOSALS).json()["count"] == 7


def test_kams_and_analysts_cannot_propose_decide_apply_or_discard(
    api, book, director, kam_user, analyst
):
    proposal = proposal_create(user=director)
    line = proposal.lines.get(account=book["auto"])
    for user in (kam_user, analyst):
        client = api(user)
        assert client.post(PROPOSALS).status_code == 403
        assert client.post(f"{PROPOSALS}{proposal.pk}/apply/").status_code == 403
        assert client.post(f"{PROPOSALS}{proposal.pk}/discard/").status_code == 403
        decide = f"{PROPOSALS}{proposal.pk}/lines/{line.pk}/"
        assert client.patch(decide, {"decision": "rejected"}, format="json").status_code == 403
    assert Proposal.objects.count() == 1
    assert lead_of(book["food"]) is None


def test_no_run_in_force_is_a_409(api, team, director):
    response = api(director).post(PROPOSALS)
    assert response.status_code == 409
    assert "no score run is in force" in response.json()["detail"]


def test_decide_a_line_then_apply_the_accepted_ones(api, book, director):
    proposal = proposal_create(user=director)
    client = api(director)
    auto = proposal.lines.get(account=book["auto"])
    # when the auto line is rejected
    response = client.patch(
        f"{PROPOSALS}{proposal.pk}/lines/{auto.pk}/", {"decision": "rejected"}, format="json"
    )
    assert response.status_code == 200
    assert (response.json()["decision"], response.json()["lead"]) == ("rejected", "arno")
    # a bad decision is a 400 naming the field
    response = client.patch(
        f"{PROPOSALS}{proposal.pk}/lines/{auto.pk}/", {"decision": "maybe"}, format="json"
    )
    assert response.status_code == 400 and "decision" in response.json()
    assert (
        client.patch(
            f"{PROPOSALS}{proposal.pk}/lines/999999/", {"decision": "accepted"}, format="json"
        ).status_code
        == 404
    )
    # and applied: the accepted lines only
    response = client.post(f"{PROPOSALS}{proposal.pk}/apply/", {}, format="json")
    assert response.status_code == 200
    assert response.json()["state"] == ProposalState.PARTLY_APPLIED
    assert (lead_of(book["food"]), lead_of(book["auto"])) == ("fiona", None)
    # and applying again is a conflict
    response = client.post(f"{PROPOSALS}{proposal.pk}/apply/", {}, format="json")
    assert response.status_code == 409
    assert "is partly_applied, not open" in response.json()["detail"]


def test_apply_only_some_lines(api, book, director):
    proposal = proposal_create(user=director)
    food = proposal.lines.get(account=book["food"])
    response = api(director).post(
        f"{PROPOSALS}{proposal.pk}/apply/", {"lines": [food.pk]}, format="json"
    )
    assert response.status_code == 200
    assert (lead_of(book["food"]), lead_of(book["auto"])) == ("fiona", None)
    food.refresh_from_db()
    assert food.decision == LineDecision.APPLIED


def test_a_stale_proposal_is_a_409_and_nothing_is_applied(api, book, team, director):
    proposal = proposal_create(user=director)
    account_assign(account=book["food"], manager=team["auto"], reason="by hand")
    response = api(director).post(f"{PROPOSALS}{proposal.pk}/apply/", {}, format="json")
    assert response.status_code == 409
    assert "changed since the proposal" in response.json()["detail"]
    assert lead_of(book["auto"]) is None


def test_discard(api, book, director):
    proposal = proposal_create(user=director)
    response = api(director).post(f"{PROPOSALS}{proposal.pk}/discard/")
    assert response.status_code == 200 and response.json()["state"] == "discarded"
    assert api(director).post(f"{PROPOSALS}{proposal.pk}/discard/").status_code == 409


# -- an account's assignment ----------------------------------------------------------------


def test_an_accounts_assignment_and_history(api, book, team, director, kam_user):
    account_assign(account=book["kept"], manager=team["auto"], reason="moved")
    response = api(team["auto"]).get("/api/v1/accounts/K/assignment/")
    assert response.status_code == 200
    body = response.json()
    assert body["account"] == "K"
    assert (body["lead"]["manager"], body["lead"]["reason"]) == ("arno", "moved")
    assert body["support"] == []
    assert [(h["manager"], h["ended_at"] is None) for h in body["history"]] == [
        ("arno", True),
        ("fiona", False),
    ]
    assert body["history"][1]["end_reason"] == "moved"
    # hidden from a KAM outside the portfolio
    assert api(kam_user).get("/api/v1/accounts/K/assignment/").status_code == 404


def test_a_director_reassigns_through_the_api(api, book, team, director):
    response = api(director).post(
        "/api/v1/accounts/F/assignment/",
        {"manager": "gus", "reason": "global buyer", "pinned": True},
        format="json",
    )
    assert response.status_code == 200
    assert (response.json()["lead"]["manager"], response.json()["lead"]["pinned"]) == (
        "gus",
        True,
    )
    assert lead_of(book["food"]) == "gus"


def test_reassign_refusals_name_the_field(api, book, team, director, kam_user):
    client = api(director)
    url = "/api/v1/accounts/A/assignment/"
    # fiona already leads K; give her F, then A is one too many
    account_assign(account=book["food"], manager=team["food"])
    response = client.post(url, {"manager": "fiona", "reason": "x"}, format="json")
    assert response.status_code == 400
    assert "'fiona' would be over capacity" in response.json()["manager"][0]
    response = client.post(url, {"manager": "nobody", "reason": "x"}, format="json")
    assert response.status_code == 400 and "manager" in response.json()
    response = client.post(url, {"manager": "gus"}, format="json")
    assert response.status_code == 400 and "reason" in response.json()
    response = api(kam_user).post(url, {"manager": "kim", "reason": "x"}, format="json")
    assert response.status_code == 403
    assert lead_of(book["auto"]) is None


# -- the policy -------------------------------------------------------------------------


def test_everyone_reads_the_policy_and_directors_change_it(api, director, kam_user):
    body = api(kam_user).get("/api/v1/assignment-policy/").json()
    assert body["tiers"] == {"key": {"workload": 1.0, "support": 0}}
    assert body["size_bands"] == [[0, 0.8], [250, 1.0], [5000, 1.3]]
    assert body["updated_by"] is None
    response = api(kam_user).patch("/api/v1/assignment-policy/", {"continuity": 2.0}, format="json")
    assert response.status_code == 403
    response = api(director).patch(
        "/api/v1/assignment-policy/",
        {"continuity": 2.0, "size_bands": [[0, 1.0], [1000, 1.2]]},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["continuity"] == 2.0 and response.json()["updated_by"] == "dora"
    assert policy_get().size_bands == [[0, 1.0], [1000, 1.2]]


def test_policy_refusals_name_the_field_and_save_nothing(api, director):
    client = api(director)
    for changes, field in (
        ({"tiers": {"key": {"workload": -1, "support": 0}}}, "tiers"),
        ({"size_bands": [[100, 1.0]]}, "size_bands"),
        ({"gap_limit": 0.9}, "gap_limit"),
        ({"continuity": "lots"}, "continuity"),
        ({"colour": "red"}, "colour"),
    ):
        response = client.patch("/api/v1/assignment-policy/", changes, format="json")
        assert response.status_code == 400, changes
        assert field in response.json(), response.json()
    policy = policy_get()
    assert policy.tiers == {"key": {"workload": 1.0, "support": 0}}
    assert policy.gap_limit == 0.01
