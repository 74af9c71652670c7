"""Storing a run's rows in bulk: every value as computed, whatever order they come in."""

from __future__ import annotations

import math

import polars as pl
import pytest
from django.db import transaction

from kam.scoring import storage
from kam.scoring.compute import score_frame
from kam.scoring.features import account_features
from kam.scoring.models import AccountScore, ScoreRun
from kam.scoring.scorecards import scorecard_definition
from kam.scoring.services import scorecard_create
from kam.scoring.storage import account_scores_insert
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
    # when the rows are inserted
    with transaction.atomic():
        stored = account_scores_insert(frame, definition, run_id=run.pk, account_pks=features.ids)
    # then one row per known account went in, in the order of the accounts' keys
    assert stored == 4
    rows = list(AccountScore.objects.filter(run=run).select_related("account").order_by("pk"))
    assert [r.account.external_id for r in rows] == ["A", "B", "C", "D"]
    # and each row holds the computed values; what no database holds is stored as unknown
    by_id = {r.account.external_id: r for r in rows}
    expected = {r["account_id"]: r for r in scores.to_dicts()}
    for external_id, row in by_id.items():
        want = expected[external_id]
        assert row.score == pytest.approx(want["score"], abs=1e-12)
        assert (row.rank, row.abc, row.tier) == (want["rank"], want["abc"], want["tier"])
        assert row.revenue_12m == want["revenue_12m"]
        assert sum(c["points"] for c in row.contributions) == pytest.approx(row.score, abs=1e-9)
        assert [c["feature"] for c in row.contributions] == ["revenue_12m", "orders_12m"]
    assert by_id["B"].growth is None and by_id["C"].strength is None
    assert by_id["C"].growth == pytest.approx(-2 / 3)
    assert by_id["A"].contributions[0]["value"] == 1500.0


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
        count = account_scores_insert(scores, definition, run_id=run.pk, account_pks=features.ids)
    assert count == 4
    stored = dict(AccountScore.objects.filter(run=run).values_list("account__external_id", "rank"))
    assert stored == dict(scores.select("account_id", "rank").iter_rows())
    # and an empty frame stores nothing
    other = ScoreRun.objects.create(scorecard=card, as_of=AS_OF)
    empty = account_scores_insert(
        scores.clear(), definition, run_id=other.pk, account_pks=features.ids
    )
    assert empty == 0 and not AccountScore.objects.filter(run=other).exists()
