"""Each normalisation turns raw values into n ∈ [0, 1]; expected numbers worked by hand."""

from __future__ import annotations

import math

import polars as pl
import pytest

from kam.domain.normalise import normalised
from kam.domain.scorecard import Criterion, Direction, MissingPolicy, Normalisation

P, MM, LOG = Normalisation.PERCENTILE, Normalisation.MINMAX, Normalisation.LOG_MINMAX
BANDS, CATS = Normalisation.BANDS, Normalisation.CATEGORIES


def n_of(values: list, normalisation: Normalisation, **options) -> list:
    """The normalised values of one column ``x`` under a criterion on it."""
    dtype = pl.String if normalisation == CATS else pl.Float64
    frame = pl.DataFrame({"x": values}, schema={"x": dtype})
    criterion = Criterion("x", 100.0, normalisation, **options)
    return frame.select(normalised("x", criterion))["x"].to_list()


def close(got: list, expected: list) -> bool:
    return len(got) == len(expected) and all(
        (g is None and e is None) or (g is not None and e is not None and math.isclose(g, e))
        for g, e in zip(got, expected, strict=True)
    )


def test_percentile_rank_averages_ties_and_ignores_missing_values():
    # given 4 values (20 twice: ranks 2 and 3 share 2.5) and a missing one
    # when ranked: (rank - 1) / (count - 1) with count = 4
    got = n_of([10, 20, 20, 40, None], P)
    # then 0, 1.5/3, 1.5/3, 1, and the missing value scores 0 (policy zero)
    assert close(got, [0.0, 0.5, 0.5, 1.0, 0.0])


def test_percentile_of_a_single_value_is_one():
    assert close(n_of([None, 7, None], P), [0.0, 1.0, 0.0])


def test_lower_is_better_reverses_the_value_but_not_the_missing_zero():
    # given recency in days: fewer days is better
    got = n_of([10, 20, 20, 40, None], P, direction=Direction.LOWER)
    # then 1 - n for the known values; a missing value still earns nothing
    assert close(got, [1.0, 0.5, 0.5, 0.0, 0.0])


def test_minmax_scales_between_the_smallest_and_largest_value():
    # (x - 10) / (40 - 10)
    assert close(n_of([10, 20, 40], MM), [0.0, 1 / 3, 1.0])


def test_minmax_of_equal_values_is_one():
    assert close(n_of([5, 5, 5], MM), [1.0, 1.0, 1.0])


def test_log_minmax_works_on_log1p_of_the_positive_part():
    # log1p: 0, log(10), log(100) -> 0, 0.5, 1; a negative value counts as 0
    assert close(n_of([0, 9, 99, -5], LOG), [0.0, 0.5, 1.0, 0.0])


def test_bands_are_closed_at_their_lower_cut_point():
    # given cut points 2 and 3: x < 2 -> 0 points, 2 <= x < 3 -> 50, x >= 3 -> 100
    got = n_of([1, 2, 2.5, 3, 7], BANDS, bands=(2.0, 3.0), band_points=(0.0, 50.0, 100.0))
    assert close(got, [0.0, 0.5, 0.5, 1.0, 1.0])


def test_categories_ignore_case_and_spaces_and_the_star_takes_the_rest():
    categories = (("Manufacturing", 100.0), ("Retail", 40.0), ("*", 50.0))
    got = n_of(["manufacturing ", "RETAIL", "Mining", None, "  "], CATS, categories=categories)
    # then a blank value is missing, like null (policy zero)
    assert close(got, [1.0, 0.4, 0.5, 0.0, 0.0])


def test_an_unlisted_category_without_star_scores_zero():
    assert close(n_of(["Mining", "Retail"], CATS, categories=(("Retail", 40.0),)), [0.0, 0.4])


def test_median_policy_fills_the_raw_median_for_minmax():
    # given 10, 20, 40 and a missing value: the median raw value 20 -> (20 - 10) / 30
    got = n_of([10, None, 20, 40], MM, missing=MissingPolicy.MEDIAN)
    assert close(got, [0.0, 1 / 3, 1 / 3, 1.0])


def test_median_policy_gives_the_median_percentile_rank():
    # given ranks 0, 0.5, 1 for 10, 20, 40: the missing value gets 0.5
    assert close(n_of([10, None, 20, 40], P, missing=MissingPolicy.MEDIAN), [0, 0.5, 0.5, 1])


def test_median_policy_gives_the_median_points_of_categories():
    # given points 100, 40, 50 for the known values: the median is 50
    categories = (("Manufacturing", 100.0), ("Retail", 40.0), ("Energy", 50.0))
    got = n_of(
        ["Manufacturing", "Retail", "Energy", None],
        CATS,
        categories=categories,
        missing=MissingPolicy.MEDIAN,
    )
    assert close(got, [1.0, 0.4, 0.5, 0.5])


def test_median_policy_without_any_value_scores_zero():
    assert close(n_of([None, None], MM, missing=MissingPolicy.MEDIAN), [0.0, 0.0])


def test_exclude_policy_leaves_the_missing_value_out():
    # then null, for the scorecard to rescale that account's weights
    assert close(n_of([10, None, 40], MM, missing=MissingPolicy.EXCLUDE), [0.0, None, 1.0])


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_nan_and_infinite_values_are_missing_values(bad):
    # given a ratio divided by zero upstream: it must not win (inf) or break the max
    assert close(n_of([10, bad, 40], MM), [0.0, 0.0, 1.0])


def test_a_subnormal_spread_counts_as_equal_values():
    # given values 1e-310 apart: Polars's reciprocal of the spread would overflow (NaN)
    assert close(n_of([0.0, 1e-310], MM), [1.0, 1.0])
