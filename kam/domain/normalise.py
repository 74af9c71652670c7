"""How one criterion of a scorecard turns an account's raw value into a normalised value
``n`` between 0 (worst) and 1 (best). A criterion of weight ``w`` % then contributes
``w × n`` points to the account's score (see :mod:`kam.domain.scorecard`).

Every function here builds a Polars expression over the whole column at once, so the
accounts are compared with each other in one vectorised pass. The formulas, as shown to
users:

- **percentile**: the account's rank among the accounts that have a value (ties share
  the average of their ranks), ``(rank − 1) / (count − 1)``; the smallest value gets 0,
  the largest 1; when a single account has a value it gets 1.
- **minmax**: ``(x − min) / (max − min)``; when every account has the same value, 1.
- **log_minmax**: minmax on ``log(1 + max(x, 0))``, for heavy-tailed values (headcount,
  revenue) where a plain minmax would give almost everybody nearly 0.
- **bands**: explicit cut points ``c1 < c2 < … < ck`` split the values into k + 1 bands;
  a value ``x`` falls in band i when ``c_i ≤ x < c_(i+1)`` (each cut point opens its band);
  the band's points (0–100) divided by 100.
- **categories**: a value → points (0–100) map, matched ignoring case and surrounding
  spaces; the entry ``*`` gives the points of any value not listed (0 without it).

Direction ``lower`` (lower is better: recency in days, for instance) uses ``1 − n`` with the
three computed normalisations; bands and categories state their points explicitly.

Missing values (null, blank text, NaN or infinite numbers) follow the criterion's policy:

- **zero**: n = 0, no points.
- **median**: the account is given the median of the accounts that have a value. With
  minmax, log_minmax and bands the missing value is replaced by the median raw value; with
  percentile the account gets the median percentile rank, and with categories the median
  points (a median text value means nothing). When no account has a value, n = 0.
- **exclude**: the criterion is left out for that account and its other criteria's weights
  are scaled up to sum to 100 % (done by :func:`kam.domain.scorecard.score_accounts`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from enum import StrEnum
from itertools import pairwise
from typing import Protocol

import polars as pl

# The category key whose points go to every value the map does not list.
OTHER_VALUES = "*"

# A spread or total below this is no spread at all: Polars divides by multiplying with
# the reciprocal, which overflows for subnormal numbers (0 × inf = NaN).
NEGLIGIBLE = 1e-300


class Normalisation(StrEnum):
    """How a criterion compares accounts (see the module docstring for the formulas)."""

    PERCENTILE = "percentile"
    MINMAX = "minmax"
    LOG_MINMAX = "log_minmax"
    BANDS = "bands"
    CATEGORIES = "categories"


class Direction(StrEnum):
    """Whether a higher raw value earns more points (revenue) or fewer (days since the last
    order)."""

    HIGHER = "higher"
    LOWER = "lower"


class MissingPolicy(StrEnum):
    """What an account without a value for a criterion gets."""

    ZERO = "zero"
    MEDIAN = "median"
    EXCLUDE = "exclude"


# The normalisations whose value is computed from the distribution, and so can be reversed.
COMPUTED = frozenset({Normalisation.PERCENTILE, Normalisation.MINMAX, Normalisation.LOG_MINMAX})


class NormalisationSpec(Protocol):
    """What this module needs from a criterion (:class:`kam.domain.scorecard.Criterion`)."""

    @property
    def normalisation(self) -> Normalisation: ...
    @property
    def direction(self) -> Direction: ...
    @property
    def missing(self) -> MissingPolicy: ...
    @property
    def bands(self) -> tuple[float, ...]: ...
    @property
    def band_points(self) -> tuple[float, ...]: ...
    @property
    def categories(self) -> tuple[tuple[str, float], ...]: ...


def numeric_value(column: str) -> pl.Expr:
    """The column as float, with NaN and infinite values turned into missing values: a
    ratio divided by zero upstream must not win or lose every comparison."""
    x = pl.col(column).cast(pl.Float64)
    return pl.when(x.is_finite()).then(x)


def category_value(column: str) -> pl.Expr:
    """The column as text, with blank values turned into missing values."""
    x = pl.col(column).cast(pl.String).str.strip_chars()
    return pl.when(x.str.len_chars() > 0).then(x)


def percentile_rank(x: pl.Expr) -> pl.Expr:
    """``(rank − 1) / (count − 1)`` over the non-null values, ties at their average rank; 1
    when a single value is present; null where ``x`` is null."""
    count = x.count()
    return (
        pl.when(count > 1)
        .then((x.rank("average") - 1) / (count - 1))
        .otherwise(pl.when(x.is_not_null()).then(pl.lit(1.0)))
    )


def minmax(x: pl.Expr) -> pl.Expr:
    """``(x − min) / (max − min)``; 1 when all the values are equal (or differ by less than
    :data:`NEGLIGIBLE`); null where ``x`` is."""
    low, high = x.min(), x.max()
    return (
        pl.when(high - low > NEGLIGIBLE)
        .then((x - low) / (high - low))
        .otherwise(pl.when(x.is_not_null()).then(pl.lit(1.0)))
    )


def log_minmax(x: pl.Expr) -> pl.Expr:
    """minmax on ``log(1 + max(x, 0))``."""
    return minmax(x.clip(lower_bound=0.0).log1p())


def band_value(x: pl.Expr, cuts: Sequence[float], points: Sequence[float]) -> pl.Expr:
    """The points (divided by 100) of the band ``x`` falls in: band i holds the values with
    ``cuts[i-1] ≤ x < cuts[i]``, so the band index is the number of cut points ≤ x."""
    index = pl.sum_horizontal([(x >= cut).cast(pl.Int32) for cut in cuts]) if cuts else pl.lit(0)
    lookup = {i: p / 100.0 for i, p in enumerate(points)}
    value = index.replace_strict(lookup, default=0.0, return_dtype=pl.Float64)
    return pl.when(x.is_not_null()).then(value)


def category_points(x: pl.Expr, categories: Sequence[tuple[str, float]]) -> pl.Expr:
    """The points (divided by 100) of the value in the map, ignoring case; the ``*`` entry's
    points for a value the map does not list (0 without it)."""
    lookup = {key.strip().lower(): p / 100.0 for key, p in categories if key != OTHER_VALUES}
    other = next((p / 100.0 for key, p in categories if key == OTHER_VALUES), 0.0)
    value = x.str.to_lowercase().replace_strict(lookup, default=other, return_dtype=pl.Float64)
    return pl.when(x.is_not_null()).then(value)


def normalised(column: str, spec: NormalisationSpec) -> pl.Expr:
    """The criterion's normalised value n ∈ [0, 1] for every account, the missing-value
    policies ``zero`` and ``median`` applied; null only for a missing value under the
    ``exclude`` policy (the caller rescales that account's weights)."""
    kind = spec.normalisation
    median = spec.missing == MissingPolicy.MEDIAN
    n: pl.Expr
    if kind == Normalisation.CATEGORIES:
        n = category_points(category_value(column), spec.categories)
        if median:
            n = n.fill_null(n.median())
    else:
        x = numeric_value(column)
        if median and kind != Normalisation.PERCENTILE:
            # min and max are unchanged: the median lies between them.
            x = x.fill_null(x.median())
        if kind == Normalisation.PERCENTILE:
            n = percentile_rank(x)
            if median:
                n = n.fill_null(n.median())
        elif kind == Normalisation.MINMAX:
            n = minmax(x)
        elif kind == Normalisation.LOG_MINMAX:
            n = log_minmax(x)
        else:
            n = band_value(x, spec.bands, spec.band_points)
    if spec.direction == Direction.LOWER and kind in COMPUTED:
        n = 1.0 - n
    n = n.clip(0.0, 1.0)
    if spec.missing != MissingPolicy.EXCLUDE:
        # zero, or median when no account has a value at all.
        n = n.fill_null(0.0)
    return n.alias(column)


# -- checks of a criterion's parameters (used by kam.domain.scorecard's validation) ---------


def _fmt(value: object) -> str:
    """A number as users write it: 25 rather than 25.0."""
    return f"{value:g}" if isinstance(value, float) else repr(value)


def is_number(value: object) -> bool:
    """A real int or float (True is not a weight)."""
    return isinstance(value, int | float) and not isinstance(value, bool)


def choice_problem(value: object, enum: type[StrEnum], what: str) -> str | None:
    """Why ``value`` is not one of the enum's values, or None."""
    choices = [member.value for member in enum]
    if value in choices:
        return None
    return f"unknown {what} {value!r} (expected one of {', '.join(choices)})"


def _points_problem(points: Sequence[object]) -> str | None:
    bad = [p for p in points if not is_number(p) or not 0 <= p <= 100]  # type: ignore[operator]
    return f"points must be between 0 and 100 (got {_fmt(bad[0])})" if bad else None


def _bands_problems(spec: NormalisationSpec) -> list[tuple[str, str]]:
    """Cut points present, finite, strictly increasing; one 0–100 points value per band."""
    if spec.normalisation != Normalisation.BANDS:
        return [
            (name, "only used with the 'bands' normalisation")
            for name in ("bands", "band_points")
            if getattr(spec, name)
        ]
    cuts = spec.bands
    if not cuts:
        return [("bands", "give at least one cut point")]
    if not all(is_number(c) and math.isfinite(c) for c in cuts):
        return [("bands", "cut points must be finite numbers")]
    problems = []
    if any(b <= a for a, b in pairwise(cuts)):
        shown = ", ".join(_fmt(float(c)) for c in cuts)
        problems.append(("bands", f"cut points must be strictly increasing (got {shown})"))
    if len(spec.band_points) != len(cuts) + 1:
        problems.append(
            (
                "band_points",
                f"needs {len(cuts) + 1} values (one per band, lowest band first),"
                f" got {len(spec.band_points)}",
            )
        )
    points = _points_problem(spec.band_points)
    return problems + ([("band_points", points)] if points else [])


def _categories_problems(spec: NormalisationSpec) -> list[tuple[str, str]]:
    """A non-empty map of distinct (ignoring case), non-blank values to 0–100 points."""
    if spec.normalisation != Normalisation.CATEGORIES:
        if spec.categories:
            return [("categories", "only used with the 'categories' normalisation")]
        return []
    if not spec.categories:
        return [("categories", "give the points of each value")]
    problems = []
    seen: set[str] = set()
    for value, _points in spec.categories:
        if not isinstance(value, str) or not value.strip():
            problems.append(("categories", "values must be non-blank text"))
            continue
        if value.strip().lower() in seen:
            problems.append(("categories", f"value {value!r} is listed twice"))
        seen.add(value.strip().lower())
    points = _points_problem([p for _value, p in spec.categories])
    return problems + ([("categories", points)] if points else [])


def parameter_problems(spec: NormalisationSpec) -> list[tuple[str, str]]:
    """What is wrong with a criterion's normalisation parameters, as (field, message) pairs,
    the field relative to the criterion (``bands``, ``categories``…)."""
    problems = [
        (name, problem)
        for name, value, enum, what in (
            ("normalisation", spec.normalisation, Normalisation, "normalisation"),
            ("direction", spec.direction, Direction, "direction"),
            ("missing", spec.missing, MissingPolicy, "missing-value policy"),
        )
        if (problem := choice_problem(value, enum, what))
    ]
    if problems:
        return problems
    if spec.direction == Direction.LOWER and spec.normalisation not in COMPUTED:
        problems.append(
            (
                "direction",
                f"{spec.normalisation} give their points explicitly: keep 'higher' and give"
                " the best values the most points",
            )
        )
    return problems + _bands_problems(spec) + _categories_problems(spec)
