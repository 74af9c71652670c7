"""Score runs: the history for every role, and "Score now" for directors, which runs in
the background while the page polls the run's progress."""

from __future__ import annotations

import threading

import pytest
from django.urls import reverse

from kam.scoring.models import RunStatus, ScoreRun
from tests.factories import AccountFactory
from tests.web_scoring.conftest import AS_OF, Book, score_and_apply

RUNS = reverse("scoring:runs")
START = reverse("scoring:run_start")


@pytest.mark.django_db
@pytest.mark.parametrize("role_fixture", ["director", "kam_user", "analyst", "marketing"])
def test_every_role_sees_the_history_only_directors_may_score(request, login, role_fixture, book):
    html = login(request.getfixturevalue(role_fixture)).get(RUNS).content.decode()
    assert f">{book.run.pk}</a>" in html and "simple" in html and "In force" in html
    assert (f'action="{START}"' in html) == (role_fixture == "director")


@pytest.mark.django_db
@pytest.mark.parametrize("role_fixture", ["kam_user", "analyst", "marketing"])
def test_other_roles_may_not_start_a_run(request, login, role_fixture, book: Book):
    response = login(request.getfixturevalue(role_fixture)).post(START, {})
    assert response.status_code == 403
    assert ScoreRun.objects.count() == 1


@pytest.mark.django_db
def test_a_running_run_shows_its_progress_and_the_table_polls(login, director, book: Book):
    # given a run still being computed
    ScoreRun.objects.create(
        scorecard=book.scorecard,
        as_of=AS_OF,
        status=RunStatus.RUNNING,
        stage="scoring",
        progress=0.5,
    )
    html = login(director).get(RUNS).content.decode()
    # then its stage and progress show, and the table asks to be refreshed
    assert 'aria-valuenow="50"' in html and "scoring" in html
    assert 'hx-trigger="every 2s"' in html
    # and an htmx refresh gets the table alone
    partial = login(director).get(RUNS, HTTP_HX_REQUEST="true").content.decode()
    assert partial.startswith('<div id="run-table"')


@pytest.mark.django_db
def test_a_finished_history_does_not_poll(login, director, book: Book):
    assert "hx-trigger" not in login(director).get(RUNS, HTTP_HX_REQUEST="true").content.decode()


@pytest.mark.django_db
def test_the_history_costs_a_bounded_number_of_queries(
    login, director, book, django_assert_max_num_queries
):
    for _ in range(5):
        score_and_apply(book.scorecard)
    client = login(director)
    with django_assert_max_num_queries(8):
        assert client.get(RUNS).status_code == 200


@pytest.mark.django_db
def test_a_bad_as_of_date_is_refused_with_a_message(login, director, book: Book):
    response = login(director).post(START, {"as_of": "yesterday-ish"}, follow=True)
    assert "Enter a valid date." in response.content.decode()
    assert ScoreRun.objects.count() == 1


def _wait_for_run_threads() -> None:
    for thread in threading.enumerate():
        if thread.name.startswith("kam-score-run-"):
            thread.join(timeout=60)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_score_now_scores_in_the_background_and_puts_the_run_in_force(login, director, book):
    # given a new account since the run in force
    AccountFactory(external_id="E", name="Echo")
    client = login(director)
    # when the director scores now, as of the book's date
    response = client.post(START, {"scorecard": book.scorecard.pk, "as_of": AS_OF.isoformat()})
    # then the page comes back at once and the run, once done, is in force with Echo
    assert response.status_code == 302 and response["Location"] == RUNS
    _wait_for_run_threads()
    run = ScoreRun.objects.order_by("-pk").first()
    assert run.pk != book.run.pk
    assert run.status == RunStatus.DONE and run.in_force and run.accounts_scored == 5
    assert run.scores.filter(account__external_id="E").exists()
    html = client.get(RUNS).content.decode()
    assert f"Score run #{run.pk} started" in html
