"""The scoring admin pages (directors, read-only) and runs computed in the background."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test import Client

from kam.scoring.models import RunStatus, ScoreRun
from kam.scoring.services import score_run_start, scorecard_create
from tests.scoring.conftest import AS_OF, SIMPLE, Book, make_book


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    [
        "/admin/scoring/scorecard/",
        "/admin/scoring/scorerun/",
        "/admin/scoring/accountscore/",
        "/admin/scoring/tieroverride/",
        "/admin/core/auditevent/",
    ],
)
def test_directors_read_the_scoring_admin_pages(director, url):
    # given a scorecard (audited)
    scorecard_create(name="simple", definition=SIMPLE, user=director)
    client = Client()
    client.force_login(director)
    # when a director opens the page, they read it; adding is not offered
    response = client.get(url)
    assert response.status_code == 200
    assert client.get(f"{url}add/").status_code == 403


@pytest.mark.django_db
def test_a_kam_is_sent_away_from_the_scoring_admin(kam_user):
    client = Client()
    client.force_login(kam_user)
    assert client.get("/admin/scoring/scorecard/").status_code == 302


# serialized_rollback puts the role groups (a data migration) back for the tests after.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_background_run_is_running_at_once_then_done_and_applied(settings, tmp_path: Path):
    # given the book (committed: the run's thread has its own connection)
    settings.KAM_HOME = tmp_path
    book: Book = make_book()
    card = scorecard_create(name="simple", definition=SIMPLE, user=None)
    # when a run is started in the background, to be applied
    started = score_run_start(scorecard=card, as_of=AS_OF, user=None, apply=True)
    # then its row exists at once, and once finished it is done and in force
    assert started.run.pk is not None
    run = started.wait(timeout=60)
    assert run.status == RunStatus.DONE and run.progress == 1.0
    assert run.in_force and run.accounts_scored == 4
    assert run.scores.get(account=book.a).rank == 1
    assert ScoreRun.objects.count() == 1
