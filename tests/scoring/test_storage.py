"""Storing a run's rows in bulk, and its explanations in one file per run: every value as
computed, whatever order they come in; a run is never done without its explanations."""

from __future__ import annotations

import math

import polars as pl
import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from kam.scoring import storage
from kam.scoring.compute import score_frame
from kam.scoring.features import account_features
from kam.scoring.models import AccountScore, RunStatus, ScoreRun
from kam.scoring.scorecards import scorecard_definition
from kam.scoring.selectors import account_score_get, account_score_list
from kam.scoring.services import score_run_create, scorecard_create
from kam.scoring.storage import (
    account_scores_insert,
    contributions_path,
    contributions_save,
    explanation_files_check,
    run_contributions,
)
from tests.scoring.conftest import AS_OF, SIMPLE, Book

pytestmark = pytest.mark.django_db


def test_rows_are_stored_as_computed_in_the_order_of_the_accounts(book: Book):
    # given a run's score frame, sorted by rank (D, with no sale, ranks last) with an
    # account the database does not know and values no database holds
    card = scorecard_create(name="simple", definition=SIMPLE, user=None)
    definition = scorecard_definition(card)
    features = account_features(as_of=AS_OF)
    scores = score_frame(features.frame, definition)
    scores = scores.with_columns(
        growth=pl.when(pl.col("account_id") == "B").then(math.nan).otherwise("growth"),
        strength=pl.when(pl.col("account_id") == "C").then(math.inf).otherwise("strength"),
    )
    stranger = scores.filter(pl.col("account_id") == "A").with_columns(account_id=pl.lit("ZZ"))
    frame = pl.concat([scores, stranger]).sort("rank", descending=True)
    run = ScoreRun.objects.create(scorecard=card, as_of=AS_OF)
    # when the rows are inserted and the explanations saved
    with transaction.atomic():
        stored = account_scores_insert(frame, run_id=run.pk, account_pks=features.ids)
    contributions_save(run, frame, definition, account_pks=features.ids)
    # then one row per known account went in, in the order of the accounts' keys
    assert stored == 4
    rows = list(AccountScore.objects.filter(run=run).select_related("account").order_by("pk"))
    assert [r.account.external_id for r in rows] == ["A", "B", "C", "D"]
    # and each row holds the computed values; what no database holds is stored as unknown
    by_id = {r.account.external_id: r for r in rows}
    expected = {r["account_id"]: r for r in scores.to_dicts()}
    explained = run_contributions(run, [r.account_id for r in rows])
    assert sorted(explained) == sorted(r.account_id for r in rows)  # not the stranger
    for external_id, row in by_id.items():
        want = expected[external_id]
        assert row.score == pytest.approx(want["score"], abs=1e-12)
        assert (row.rank, row.abc, row.tier) == (want["rank"], want["abc"], want["tier"])
        assert row.revenue_12m == want["revenue_12m"]
        assert row.contributions == []  # the explanation is in the run's file
        mine = explained[row.account_id]
        assert sum(c["points"] for c in mine) == pytest.approx(row.score, abs=1e-9)
        assert [c["feature"] for c in mine] == ["revenue_12m", "orders_12m"]
    assert by_id["B"].growth is None and by_id["C"].strength is None
    assert by_id["C"].growth == pytest.approx(-2 / 3)
    assert explained[book.a.pk][0] == {
        "feature": "revenue_12m",
        "value": 1500.0,
        "points": pytest.approx(60.0),
        "weight": 60.0,
    }


def test_rows_split_in_many_chunks_are_all_stored_once(book: Book, monkeypatch):
    # given chunks of one row (the rows of a chunk are made while the one before is
    # written), and a run's score frame of four accounts
    monkeypatch.setattr(storage, "INSERT_CHUNK", 1)
    card = scorecard_create(name="simple", definition=SIMPLE, user=None)
    definition = scorecard_definition(card)
    features = account_features(as_of=AS_OF)
    scores = score_frame(features.frame, definition)
    run = ScoreRun.objects.create(scorecard=card, as_of=AS_OF)
    # when inserted, then every account has exactly one row, with its own rank
    with transaction.atomic():
        count = account_scores_insert(scores, run_id=run.pk, account_pks=features.ids)
    assert count == 4
    stored = dict(AccountScore.objects.filter(run=run).values_list("account__external_id", "rank"))
    assert stored == dict(scores.select("account_id", "rank").iter_rows())
    # and an empty frame stores nothing
    other = ScoreRun.objects.create(scorecard=card, as_of=AS_OF)
    empty = account_scores_insert(scores.clear(), run_id=other.pk, account_pks=features.ids)
    assert empty == 0 and not AccountScore.objects.filter(run=other).exists()


def test_a_done_run_has_its_explanation_file_and_pages_read_it(book: Book):
    # when a run is stored
    card = scorecard_create(name="simple", definition=SIMPLE, user=None)
    run = score_run_create(scorecard=card, as_of=AS_OF, user=None).run
    assert run is not None and run.status == RunStatus.DONE
    # then its explanations are in its file, under KAM_HOME/runs, and nowhere else
    path = contributions_path(run)
    assert path.is_file() and path.parent.name == "runs"
    assert not list(path.parent.glob(".tmp-*"))
    in_rows = AccountScore.objects.filter(run=run).values_list("contributions", flat=True)
    assert list(in_rows) == [[], [], [], []]
    # and a page of the list, or one account, reads them for its own rows only
    page = list(account_score_list(user=None, run=run)[:2])
    assert [s.account.external_id for s in page] == ["A", "B"]
    assert all(len(s.contributions) == 2 for s in page)
    b = account_score_get(user=None, external_id="B", run=run)
    assert b.contributions == page[1].contributions
    assert sum(c["points"] for c in b.contributions) == pytest.approx(b.score, abs=1e-9)


def test_values_and_counts_of_the_list_read_no_file(book: Book, monkeypatch):
    card = scorecard_create(name="simple", definition=SIMPLE, user=None)
    run = score_run_create(scorecard=card, as_of=AS_OF, user=None).run
    assert run is not None
    read: list[int] = []
    monkeypatch.setattr(storage, "run_contributions", lambda run, pks: read.append(len(pks)) or {})
    scores = account_score_list(user=None, run=run)
    assert scores.count() == 4
    assert len(list(scores.values_list("rank", flat=True))) == 4
    assert read == []
    # while fetching the rows reads the file once, for those rows
    list(scores)
    assert read == [4]


def test_listing_scores_with_their_explanations_costs_no_query_per_row(book: Book):
    card = scorecard_create(name="simple", definition=SIMPLE, user=None)
    run = score_run_create(scorecard=card, as_of=AS_OF, user=None).run
    with CaptureQueriesContext(connection) as queries:
        rows = list(account_score_list(user=None, run=run))
    assert len(rows) == 4 and all(r.contributions for r in rows)
    assert len(queries) == 1  # the scores with their accounts and run; the file is read


def test_a_run_whose_explanations_cannot_be_written_fails_and_stores_nothing(
    book: Book, monkeypatch
):
    # given an explanation file that cannot be written
    def refuse(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise OSError("disk full")

    monkeypatch.setattr("kam.scoring.services.contributions_save", refuse)
    card = scorecard_create(name="simple", definition=SIMPLE, user=None)
    # when a run is stored, then it fails, with no row and no file
    with pytest.raises(OSError, match="disk full"):
        score_run_create(scorecard=card, as_of=AS_OF, user=None)
    run = ScoreRun.objects.get()
    assert run.status == RunStatus.FAILED and "disk full" in run.error
    assert not AccountScore.objects.filter(run=run).exists()
    assert not contributions_path(run).exists()


def test_a_run_whose_rows_cannot_be_stored_leaves_no_explanation_file(book: Book, monkeypatch):
    # given rows that cannot be inserted
    def refuse(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("no room for rows")

    monkeypatch.setattr("kam.scoring.services.account_scores_insert", refuse)
    card = scorecard_create(name="simple", definition=SIMPLE, user=None)
    # when a run is stored, then it fails and its explanation file was removed
    with pytest.raises(RuntimeError, match="no room"):
        score_run_create(scorecard=card, as_of=AS_OF, user=None)
    run = ScoreRun.objects.get()
    assert run.status == RunStatus.FAILED
    assert not contributions_path(run).exists()
    assert not list(contributions_path(run).parent.glob("*"))


def test_rows_stored_by_an_older_kam_keep_their_own_explanations(book: Book):
    # given a run stored before explanations went to files: in the rows, and no file
    card = scorecard_create(name="simple", definition=SIMPLE, user=None)
    run = score_run_create(scorecard=card, as_of=AS_OF, user=None).run
    assert run is not None
    contributions_path(run).unlink()
    old = [{"feature": "revenue_12m", "value": 1.0, "points": 60.0, "weight": 60.0}]
    AccountScore.objects.filter(run=run, account=book.a).update(contributions=old)
    # when they are read, then the rows' own explanations come back
    assert run_contributions(run, [book.a.pk]) == {book.a.pk: old}
    assert account_score_get(user=None, external_id="A", run=run).contributions == old


def test_the_check_finds_missing_explanations_and_orphan_files(book: Book):
    # given two finished runs, one of which lost its file, a run stored by an older kam
    # (explanations in its rows, no file) and the file of a run that never finished
    card = scorecard_create(name="simple", definition=SIMPLE, user=None)
    runs = [score_run_create(scorecard=card, as_of=AS_OF, user=None).run for _ in range(3)]
    kept, lost, old = runs
    assert kept is not None and lost is not None and old is not None
    contributions_path(lost).unlink()
    contributions_path(old).unlink()
    AccountScore.objects.filter(run=old).update(contributions=[{"feature": "revenue_12m"}])
    stray = contributions_path(kept).with_name("run-999-1.parquet")
    stray.write_bytes(b"")
    # when the files are checked
    found = explanation_files_check()
    # then the run that lost its file is reported, and the stray file as an orphan
    assert [run.pk for run in found.missing] == [lost.pk]
    assert found.orphans == [stray]
