"""The proposal pages: list, propose now, the review (diff, counts, loads), the line
toggle (htmx and plain form), apply and discard; who may do what."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from kam.assignments.models import AccountAssignment, LineDecision, Proposal, ProposalState
from kam.assignments.proposals import proposal_create
from kam.assignments.services import account_assign
from tests.factories import AccountFactory

pytestmark = pytest.mark.django_db

LIST = reverse("assignments:proposals")
PROPOSE = reverse("assignments:propose")
HTMX = {"HTTP_HX_REQUEST": "true"}


def lead_of(account) -> str | None:
    row = AccountAssignment.objects.filter(
        account=account, ended_at__isnull=True, role="lead"
    ).first()
    return row.manager.username if row else None


@pytest.fixture
def book(team, key_run):
    """Kept: a food account fiona leads; Food and Auto: new key accounts."""
    kept = AccountFactory(name="Kept", sector="Food", employees=300, external_id="K")
    account_assign(account=kept, manager=team["food"], reason="history")
    food = AccountFactory(name="Food", sector="Food", employees=300, external_id="F")
    auto = AccountFactory(name="Auto", sector="Auto", employees=300, external_id="A")
    key_run([(kept, "key", 300.0), (food, "key", 200.0), (auto, "key", 100.0)])
    return {"kept": kept, "food": food, "auto": auto}


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def url(proposal: Proposal, name: str = "proposal", **kwargs: int) -> str:
    return reverse(f"assignments:{name}", kwargs={"pk": proposal.pk, **kwargs})


# -- list and propose ---------------------------------------------------------------------


def test_a_director_proposes_now_and_lands_on_the_proposal(login, book, director):
    client = login(director)
    assert "Propose now" in client.get(LIST).content.decode()
    response = client.post(PROPOSE)
    proposal = Proposal.objects.get()
    assert response.status_code == 302 and response["Location"] == url(proposal)
    assert proposal.created_by == director and proposal.state == ProposalState.OPEN
    # and the list shows it with its counts
    html = client.get(LIST).content.decode()
    assert url(proposal) in html and '<td class="num">2</td>' in html


def test_propose_without_a_run_in_force_says_why(login, team, director):
    response = login(director).post(PROPOSE, follow=True)
    assert "No proposal could be made: no score run is in force" in response.content.decode()
    assert not Proposal.objects.exists()


def test_kams_and_analysts_cannot_propose(login, book, kam_user, analyst):
    for user in (kam_user, analyst):
        assert login(user).post(PROPOSE).status_code == 403
    assert not Proposal.objects.exists()


def test_an_analyst_reads_proposals_but_a_kam_does_not(login, book, director, analyst, kam_user):
    proposal = proposal_create(user=director)
    client = login(analyst)
    assert client.get(LIST).status_code == 200
    html = client.get(url(proposal)).content.decode()
    assert "Apply accepted lines" not in html and "Discard" not in html
    assert url(proposal, "line", line_id=proposal.lines.first().pk) not in html
    assert "Food" in html
    client = login(kam_user)
    assert client.get(LIST).status_code == 403
    assert client.get(url(proposal)).status_code == 404


# -- the review ---------------------------------------------------------------------------


def test_the_proposal_page_shows_status_terms_counts_diff_and_loads(login, book, director):
    proposal = proposal_create(user=director)
    response = login(director).get(url(proposal))
    assert response.status_code == 200
    html = response.content.decode()
    assert "optimal" in html and "gap 0.00 %" in html
    assert "1 kept · 0 moved · 2 new · 0 unassigned" in html
    assert "fit " in html and "continuity " in html and "balance " in html
    # changes only by default: the kept account is not in the diff
    diff = html[html.index('id="diff"') : html.index("</table>", html.index('id="diff"'))]
    assert 'data-account="F"' in diff and 'data-account="A"' in diff
    assert 'data-account="K"' not in diff
    assert "— → <strong>fiona</strong>" in diff and "sector match" in diff
    # the loads: fiona 1 today, 2 proposed
    assert 'data-manager="fiona"' in html
    assert "Apply accepted lines" in html and "Discard" in html
    # and "all" lists the kept line
    html = login(director).get(url(proposal) + "?show=all").content.decode()
    assert 'data-account="K"' in html


def test_the_proposal_page_query_count_does_not_grow_with_lines(
    login, team, key_run, director, django_assert_max_num_queries
):
    client = login(director)
    accounts: list = []

    def proposal_of(n: int) -> Proposal:
        accounts.extend(AccountFactory(sector="Food", employees=10) for _ in range(n))
        key_run([(a, "key", 1.0) for a in accounts])
        return proposal_create(user=director)

    for n in (1, 5):
        proposal = proposal_of(n)
        with django_assert_max_num_queries(12):
            assert client.get(url(proposal) + "?show=all").status_code == 200


def test_an_infeasible_proposal_shows_unplaced_accounts_and_no_apply(
    login, team, key_run, director
):
    accounts = [AccountFactory(name=f"Acc {i}", employees=300) for i in range(8)]
    key_run([(a, "key", 100.0) for a in accounts])
    proposal = proposal_create(user=director)
    assert proposal.solver_status == "infeasible"
    html = login(director).get(url(proposal)).content.decode()
    assert 'id="unplaced"' in html and 'id="missing-capacity"' in html
    assert "<strong>KAM</strong><span>1 of workload</span>" in html
    assert "Apply accepted lines" not in html
    assert "Discard" in html


# -- deciding lines -----------------------------------------------------------------------


def test_rejecting_a_line_with_htmx_returns_the_row_and_the_loads(login, book, director):
    proposal = proposal_create(user=director)
    line = proposal.lines.get(account=book["auto"])
    client = login(director)
    response = client.post(url(proposal, "line", line_id=line.pk), {"decision": "rejected"}, **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.startswith(f'<tr id="line-{line.pk}" class="is-rejected"')
    assert 'name="decision" value="accepted"' in html  # the button now accepts it again
    assert '<template><div id="loads" hx-swap-oob="true"' in html
    assert 'id="decided-counts" hx-swap-oob="true">1 accepted · 1 rejected</p>' in html
    line.refresh_from_db()
    assert line.decision == LineDecision.REJECTED
    # arno: 1 proposed, 0 as decided
    loads = html[html.index('data-manager="arno"') :]
    assert '<td class="num decided">0</td>' in loads[: loads.index("</tr>")]


def test_the_line_toggle_works_as_a_plain_form(login, book, director):
    proposal = proposal_create(user=director)
    line = proposal.lines.get(account=book["auto"])
    response = login(director).post(
        url(proposal, "line", line_id=line.pk), {"decision": "rejected", "show": "all"}
    )
    assert response.status_code == 302
    assert response["Location"] == f"{url(proposal)}?show=all#line-{line.pk}"
    line.refresh_from_db()
    assert line.decision == LineDecision.REJECTED


def test_a_line_of_a_closed_proposal_cannot_be_decided(login, book, director):
    proposal = proposal_create(user=director)
    line = proposal.lines.get(account=book["auto"])
    proposal_create(user=director)  # supersedes the first
    response = login(director).post(
        url(proposal, "line", line_id=line.pk), {"decision": "rejected"}, **HTMX
    )
    assert "is superseded, not open" in response.content.decode()
    line.refresh_from_db()
    assert line.decision == LineDecision.ACCEPTED


def test_kams_and_analysts_cannot_decide_apply_or_discard(login, book, director, kam_user, analyst):
    proposal = proposal_create(user=director)
    line = proposal.lines.get(account=book["auto"])
    for user in (kam_user, analyst):
        client = login(user)
        decide = url(proposal, "line", line_id=line.pk)
        assert client.post(decide, {"decision": "rejected"}).status_code == 403
        assert client.post(url(proposal, "apply")).status_code == 403
        assert client.post(url(proposal, "discard")).status_code == 403
    proposal.refresh_from_db()
    assert proposal.state == ProposalState.OPEN
    assert lead_of(book["auto"]) is None


# -- apply and discard ----------------------------------------------------------------------


def test_applying_through_the_page_applies_the_accepted_lines(login, book, director):
    proposal = proposal_create(user=director)
    client = login(director)
    line = proposal.lines.get(account=book["auto"])
    client.post(url(proposal, "line", line_id=line.pk), {"decision": "rejected"}, **HTMX)
    response = client.post(url(proposal, "apply"))
    assert response.status_code == 302 and response["Location"] == url(proposal)
    assert messages_of(response) == [
        f"Proposal #{proposal.pk} applied: the accepted lines are the new assignments."
    ]
    assert (lead_of(book["food"]), lead_of(book["auto"])) == ("fiona", None)
    proposal.refresh_from_db()
    assert proposal.state == ProposalState.PARTLY_APPLIED
    # and the page no longer offers to apply
    html = client.get(url(proposal)).content.decode()
    assert "Apply accepted lines" not in html and "Partly applied" in html
    # and the board shows the change
    board = client.get(reverse("assignments:board")).content.decode()
    assert reverse("accounts:detail", args=["F"]) in board


def test_a_refused_apply_is_shown_and_nothing_changes(login, book, team, director):
    proposal = proposal_create(user=director)
    account_assign(account=book["food"], manager=team["auto"], reason="by hand")
    response = login(director).post(url(proposal, "apply"), follow=True)
    html = response.content.decode()
    assert "Nothing was applied: these accounts changed since the proposal was made" in html
    assert lead_of(book["auto"]) is None
    proposal.refresh_from_db()
    assert proposal.state == ProposalState.OPEN


def test_discarding_closes_the_proposal(login, book, director):
    proposal = proposal_create(user=director)
    response = login(director).post(url(proposal, "discard"), follow=True)
    assert f"Proposal #{proposal.pk} discarded." in response.content.decode()
    proposal.refresh_from_db()
    assert proposal.state == ProposalState.DISCARDED
    assert lead_of(book["food"]) is None
