"""Scorecards: weighted criteria that turn per-account features into a score from 0 to 100.

How a score is made (what users see as the explanation of a score):

1. Each criterion turns the account's raw value of one feature into a normalised value
   n between 0 and 1, comparing it with the other accounts (percentile rank, min–max,
   log min–max, bands with explicit cut points, or a value → points map for a categorical
   feature); see :mod:`kam.domain.normalise` for the formulas and the missing values.
2. The criterion contributes ``points = weight × n``: weights are percentages summing to
   100, so an account that is the best on every criterion scores 100.
3. The score is the sum of the points. When a criterion whose missing-value policy is
   ``exclude`` has no value for an account, the weights of that account's other criteria
   are scaled up so that they still sum to 100 %.
4. Accounts are ranked by score (1 = best; ties by 12-month revenue, then account id),
   classed A/B/C on their 12-month revenue (:mod:`kam.domain.pareto`) and given a tier by
   the scorecard's rules (:mod:`kam.domain.tiers`).

This module holds the definition (immutable dataclasses, their JSON form and their
validation) and :func:`score_accounts`; it has no Django import.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import polars as pl

from kam.domain.features import FEATURES, FeatureSpec
from kam.domain.normalise import (
    NEGLIGIBLE,
    OTHER_VALUES,
    Direction,
    MissingPolicy,
    Normalisation,
    category_value,
    choice_problem,
    is_number,
    normalised,
    numeric_value,
    parameter_problems,
)
from kam.domain.pareto import DEFAULT_A, DEFAULT_B, abc_classes
from kam.domain.tiers import (
    DEFAULT_TIER_RULES,
    KEY,
    STANDARD,
    STRATEGIC,
    TierRule,
    assign_tiers,
    tier_problems,
)

__all__ = [
    "KEY",
    "SEED_SCORECARD",
    "STANDARD",
    "STRATEGIC",
    "STRENGTH_FEATURES",
    "Criterion",
    "Direction",
    "FeatureFrameInvalid",
    "MissingPolicy",
    "Normalisation",
    "Problem",
    "ScorecardDefinition",
    "ScorecardInvalid",
    "ScoringLevel",
    "TierRule",
    "check_feature_frame",
    "criterion_points",
    "definition_from_dict",
    "definition_to_dict",
    "score_accounts",
    "scorecard_validate",
]

# The features that measure our relationship with the account rather than the account's
# own appeal: the "strength" axis of the portfolio matrix, left out of its attractiveness.
STRENGTH_FEATURES = ("share_of_wallet", "relationship_months", "growth")


class ScoringLevel(StrEnum):
    """Whether a scorecard scores each account, or each group (subsidiaries rolled up)."""

    ACCOUNT = "account"
    GROUP = "group"


@dataclass(frozen=True)
class Criterion:
    """One weighted criterion of a scorecard.

    ``weight`` is a percentage (25.0 = 25 %). ``bands`` are the strictly increasing cut
    points of the ``bands`` normalisation and ``band_points`` the points (0–100) of each of
    the ``len(bands) + 1`` bands, lowest band first. ``categories`` maps the values of a
    categorical feature to points (0–100), ignoring case; the value ``*`` gives the points
    of any value not listed. ``label`` is an optional name shown instead of the feature's."""

    feature: str
    weight: float
    normalisation: Normalisation
    direction: Direction = Direction.HIGHER
    bands: tuple[float, ...] = ()
    band_points: tuple[float, ...] = ()
    categories: tuple[tuple[str, float], ...] = ()
    missing: MissingPolicy = MissingPolicy.ZERO
    label: str = ""


@dataclass(frozen=True)
class ScorecardDefinition:
    """What a scorecard computes: its criteria, the level it scores at, the ABC thresholds
    (cumulative revenue shares), the tier rules and the portfolio-matrix attractiveness
    criteria (empty = every criterion that is not a relationship-strength measure)."""

    criteria: tuple[Criterion, ...]
    level: ScoringLevel = ScoringLevel.ACCOUNT
    abc_a: float = DEFAULT_A
    abc_b: float = DEFAULT_B
    tier_rules: tuple[TierRule, ...] = DEFAULT_TIER_RULES
    default_tier: str = STANDARD
    attractiveness: tuple[str, ...] = ()

    def attractiveness_features(self) -> tuple[str, ...]:
        """The features whose criteria make the portfolio matrix's attractiveness axis."""
        if self.attractiveness:
            return self.attractiveness
        chosen = tuple(c.feature for c in self.criteria if c.feature not in STRENGTH_FEATURES)
        return chosen or tuple(c.feature for c in self.criteria)


@dataclass(frozen=True)
class Problem:
    """One reason a scorecard is refused: the field (``criteria[2].bands``) and why."""

    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"


class ScorecardInvalid(ValueError):
    """A scorecard definition that cannot be used; ``problems`` lists every reason, and the
    message has one line per problem."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class FeatureFrameInvalid(ValueError):
    """The feature frame given to :func:`score_accounts` lacks a column or has a bad one."""


# -- the seed scorecard -------------------------------------------------------------------

# Sector appeal for the demo data's sectors; any other sector gets 50.
SEED_SECTOR_POINTS: tuple[tuple[str, float], ...] = (
    ("Manufacturing", 100.0),
    ("Pharmaceuticals", 90.0),
    ("Automotive", 80.0),
    ("Energy & Utilities", 80.0),
    ("Food & Beverage", 60.0),
    ("Construction", 60.0),
    ("Logistics & Transport", 50.0),
    ("Retail & Distribution", 40.0),
    (OTHER_VALUES, 50.0),
)

SEED_SCORECARD = ScorecardDefinition(
    criteria=(
        Criterion("revenue_12m", 30.0, Normalisation.PERCENTILE),
        Criterion("avg_monthly_revenue", 10.0, Normalisation.PERCENTILE),
        Criterion(
            "sector",
            10.0,
            Normalisation.CATEGORIES,
            categories=SEED_SECTOR_POINTS,
            missing=MissingPolicy.MEDIAN,
        ),
        Criterion("employees", 10.0, Normalisation.LOG_MINMAX),
        Criterion("orders_12m", 15.0, Normalisation.PERCENTILE),
        Criterion("market_share", 10.0, Normalisation.MINMAX, missing=MissingPolicy.MEDIAN),
        # International dimension: 1 country → 0, 2 → 50, 3 or more → 100.
        Criterion(
            "countries_count",
            15.0,
            Normalisation.BANDS,
            bands=(2.0, 3.0),
            band_points=(0.0, 50.0, 100.0),
        ),
    ),
)
"""The seed's criteria: revenue per account, monthly revenue, sector, size, order volume,
market share and international dimension."""


# -- validation ---------------------------------------------------------------------------

WEIGHT_TOLERANCE = 1e-6


def _fmt(value: object) -> str:
    """A number as users write it: 25 rather than 25.0."""
    return f"{value:g}" if isinstance(value, float) else repr(value)


def _feature_problem(
    criterion: Criterion, features: Mapping[str, FeatureSpec]
) -> tuple[str, str] | None:
    """Why the criterion's feature is unknown (with a suggestion) or does not suit its
    normalisation, as (field, message); None when it is fine."""
    spec = features.get(criterion.feature)
    if spec is None:
        close = difflib.get_close_matches(criterion.feature, list(features), n=1, cutoff=0.5)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        return "feature", f"unknown feature {criterion.feature!r}{hint}"
    categorical = spec.kind == "categorical"
    if categorical == (criterion.normalisation == Normalisation.CATEGORIES):
        return None
    if categorical:
        return "normalisation", (
            f"{criterion.feature!r} is categorical: use 'categories' with a value → points map"
        )
    return "normalisation", (
        f"{criterion.feature!r} is numeric: use percentile, minmax, log_minmax or bands"
        " ('categories' is for categorical features)"
    )


def _criterion_problems(
    i: int, criterion: Criterion, features: Mapping[str, FeatureSpec] | None
) -> list[Problem]:
    where = f"criteria[{i}]"
    problems = [Problem(f"{where}.{name}", text) for name, text in parameter_problems(criterion)]
    if not isinstance(criterion.feature, str) or not criterion.feature:
        problems.append(Problem(f"{where}.feature", "name a feature"))
    elif features is not None and not problems:
        feature_problem = _feature_problem(criterion, features)
        if feature_problem:
            problems.append(Problem(f"{where}.{feature_problem[0]}", feature_problem[1]))
    weight = criterion.weight
    if not is_number(weight) or not math.isfinite(weight) or not 0 <= weight <= 100:
        problems.append(
            Problem(f"{where}.weight", f"must be a number from 0 to 100 (got {_fmt(weight)})")
        )
    if not isinstance(criterion.label, str):
        problems.append(Problem(f"{where}.label", "must be text"))
    return problems


def _abc_problems(a: float, b: float) -> list[Problem]:
    if not is_number(a) or not 0 < a < 1:
        return [Problem("abc_a", f"must be between 0 and 1, e.g. 0.8 (got {_fmt(a)})")]
    if not is_number(b) or not a < b <= 1:
        return [Problem("abc_b", f"must be above abc_a ({_fmt(a)}) and at most 1 (got {_fmt(b)})")]
    return []


def validation_problems(
    definition: ScorecardDefinition, features: Mapping[str, FeatureSpec] | None
) -> list[Problem]:
    """Every problem of the definition; the checks against the feature catalogue are
    skipped when ``features`` is None."""
    if not definition.criteria:
        return [Problem("criteria", "a scorecard needs at least one criterion")]
    level = choice_problem(definition.level, ScoringLevel, "level")
    problems = [Problem("level", level)] if level else []
    first_use: dict[str, int] = {}
    for i, criterion in enumerate(definition.criteria):
        problems += _criterion_problems(i, criterion, features)
        if criterion.feature in first_use:
            problems.append(
                Problem(
                    f"criteria[{i}].feature",
                    f"feature {criterion.feature!r} is already used by"
                    f" criteria[{first_use[criterion.feature]}]",
                )
            )
        first_use.setdefault(criterion.feature, i)
    weights = [c.weight for c in definition.criteria]
    if all(is_number(w) and math.isfinite(w) for w in weights):
        total = math.fsum(weights)
        if abs(total - 100.0) > WEIGHT_TOLERANCE:
            problems.append(Problem("weights", f"must sum to 100 % (got {total:g} %)"))
    problems += _abc_problems(definition.abc_a, definition.abc_b)
    problems += [Problem(*p) for p in tier_problems(definition.tier_rules, definition.default_tier)]
    for i, feature in enumerate(definition.attractiveness):
        if feature not in first_use:
            problems.append(
                Problem(f"attractiveness[{i}]", f"{feature!r} is not a criterion of this scorecard")
            )
    return problems


def scorecard_validate(
    definition: ScorecardDefinition, *, features: Mapping[str, FeatureSpec]
) -> None:
    """Refuse a definition that cannot be used, with every reason at once: unknown features
    (with a suggestion), weights not summing to 100 %, bands not increasing, a normalisation
    that does not suit the feature, bad ABC thresholds or tier rules."""
    problems = validation_problems(definition, features)
    if problems:
        raise ScorecardInvalid(problems)


# -- JSON form (the database and API form) ------------------------------------------------

_DEFINITION_KEYS = frozenset(
    {"criteria", "level", "abc_a", "abc_b", "tier_rules", "default_tier", "attractiveness"}
)
_CRITERION_KEYS = frozenset(
    {"feature", "weight", "normalisation", "direction", "bands", "band_points", "categories"}
    | {"missing", "label"}
)
_RULE_KEYS = frozenset({"tier", "min_score", "abc", "top_n"})


def definition_to_dict(definition: ScorecardDefinition) -> dict[str, Any]:
    """The definition as JSON-ready data; :func:`definition_from_dict` reads it back.
    Categories become an object ``{value: points}``."""
    return {
        "level": str(definition.level),
        "criteria": [
            {
                "feature": c.feature,
                "weight": c.weight,
                "normalisation": str(c.normalisation),
                "direction": str(c.direction),
                "missing": str(c.missing),
                "bands": list(c.bands),
                "band_points": list(c.band_points),
                "categories": dict(c.categories),
                "label": c.label,
            }
            for c in definition.criteria
        ],
        "abc_a": definition.abc_a,
        "abc_b": definition.abc_b,
        "tier_rules": [
            {"tier": r.tier, "min_score": r.min_score, "abc": list(r.abc), "top_n": r.top_n}
            for r in definition.tier_rules
        ],
        "default_tier": definition.default_tier,
        "attractiveness": list(definition.attractiveness),
    }


def _number(value: Any) -> Any:
    """An int or float as float; anything else as it is, for the validation to name."""
    return float(value) if is_number(value) else value


def _choice(value: Any, enum: type[StrEnum]) -> Any:
    """The enum member of that value, or the value as it is, for the validation to name."""
    return enum(value) if choice_problem(value, enum, "") is None else value


def _field(where: str, key: object) -> str:
    return f"{where}.{key}" if where else str(key)


class _Reader:
    """Reads untrusted JSON-like data into definition fields, noting the shape problems
    (the values themselves are checked by the validation)."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def mapping(self, data: Any, where: str, allowed: frozenset[str]) -> Mapping[str, Any]:
        if not isinstance(data, Mapping):
            self.problems.append(Problem(where or "definition", "must be an object"))
            return {}
        for key in sorted(set(data) - allowed, key=str):
            close = difflib.get_close_matches(str(key), sorted(allowed), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            self.problems.append(Problem(_field(where, key), f"unknown field{hint}"))
        return data

    def items(self, data: Mapping[str, Any], key: str, where: str) -> list[Any]:
        value = data.get(key, [])
        if isinstance(value, str) or not isinstance(value, Sequence):
            self.problems.append(Problem(_field(where, key), "must be a list"))
            return []
        return list(value)

    def categories(self, data: Mapping[str, Any], where: str) -> tuple[tuple[Any, Any], ...]:
        value = data.get("categories", {})
        if isinstance(value, Mapping):
            return tuple((k, _number(p)) for k, p in value.items())
        pairs = isinstance(value, Sequence) and not isinstance(value, str)
        if pairs and all(isinstance(p, Sequence) and len(p) == 2 for p in value):
            return tuple((k, _number(p)) for k, p in value)
        self.problems.append(Problem(f"{where}.categories", "must be an object {value: points}"))
        return ()

    def criterion(self, data: Any, where: str) -> Criterion:
        data = self.mapping(data, where, _CRITERION_KEYS)
        for key in ("feature", "weight", "normalisation"):
            if key not in data:
                self.problems.append(Problem(f"{where}.{key}", "is required"))
        return Criterion(
            feature=data.get("feature", ""),
            weight=_number(data.get("weight", 0.0)),
            normalisation=_choice(data.get("normalisation", "percentile"), Normalisation),
            direction=_choice(data.get("direction", "higher"), Direction),
            bands=tuple(_number(c) for c in self.items(data, "bands", where)),
            band_points=tuple(_number(p) for p in self.items(data, "band_points", where)),
            categories=self.categories(data, where),
            missing=_choice(data.get("missing", "zero"), MissingPolicy),
            label=data.get("label", ""),
        )

    def rule(self, data: Any, where: str) -> TierRule:
        data = self.mapping(data, where, _RULE_KEYS)
        if "tier" not in data:
            self.problems.append(Problem(f"{where}.tier", "is required"))
        abc = data.get("abc") or []
        top_n = data.get("top_n")
        if isinstance(top_n, float) and top_n.is_integer():
            top_n = int(top_n)  # 20.0 from a JSON writer that knows only floats
        return TierRule(
            tier=data.get("tier", ""),
            min_score=_number(data.get("min_score")),
            abc=(abc,) if isinstance(abc, str) else tuple(self.items(data, "abc", where)),
            top_n=top_n,
        )


def definition_from_dict(
    data: Any, *, features: Mapping[str, FeatureSpec] | None = None
) -> ScorecardDefinition:
    """A definition read from JSON-like data (a file, the API, the database) and validated
    against the feature catalogue (:data:`kam.domain.features.FEATURES` by default).
    Omitted optional fields take their defaults (the default tier rules among them).

    Raises :class:`ScorecardInvalid` naming every problem: unknown or missing fields,
    values of the wrong type, and everything :func:`scorecard_validate` checks."""
    if features is None:
        features = FEATURES
    reader = _Reader()
    data = reader.mapping(data, "", _DEFINITION_KEYS)
    if "criteria" not in data:
        reader.problems.append(Problem("criteria", "is required"))
    criteria = reader.items(data, "criteria", "")
    rules = reader.items(data, "tier_rules", "") if "tier_rules" in data else None
    defaults = ScorecardDefinition(criteria=())
    definition = ScorecardDefinition(
        criteria=tuple(reader.criterion(c, f"criteria[{i}]") for i, c in enumerate(criteria)),
        level=_choice(data.get("level", defaults.level), ScoringLevel),
        abc_a=_number(data.get("abc_a", defaults.abc_a)),
        abc_b=_number(data.get("abc_b", defaults.abc_b)),
        tier_rules=defaults.tier_rules
        if rules is None
        else tuple(reader.rule(r, f"tier_rules[{i}]") for i, r in enumerate(rules)),
        default_tier=data.get("default_tier", defaults.default_tier),
        attractiveness=tuple(reader.items(data, "attractiveness", "")),
    )
    problems = reader.problems + validation_problems(definition, features)
    if problems:
        # A shape problem may also fail a value check: each is said once.
        raise ScorecardInvalid(list(dict.fromkeys(problems)))
    return definition


# -- scoring ------------------------------------------------------------------------------


def check_feature_frame(features: pl.DataFrame, criteria: Sequence[Criterion]) -> None:
    """Raise :class:`FeatureFrameInvalid` unless the columns the criteria need are there
    with usable types and the account ids are present and unique."""
    missing = [
        name
        for name in ("account_id", "revenue_12m", *(c.feature for c in criteria))
        if name not in features.columns
    ]
    if missing:
        raise FeatureFrameInvalid(f"features: missing column(s) {', '.join(missing)}")
    for c in criteria:
        dtype = features.schema[c.feature]
        text = dtype in (pl.String, pl.Categorical, pl.Null) or isinstance(dtype, pl.Enum)
        number = dtype.is_numeric() or dtype in (pl.Boolean, pl.Null)
        if not (text if c.normalisation == Normalisation.CATEGORIES else number):
            raise FeatureFrameInvalid(
                f"features.{c.feature}: a {c.normalisation} criterion cannot use {dtype} values"
            )
    ids = features["account_id"]
    if ids.null_count():
        raise FeatureFrameInvalid("features.account_id: an account has no id")
    if ids.is_duplicated().any():
        duplicate = ids.filter(ids.is_duplicated())[0]
        raise FeatureFrameInvalid(f"features.account_id: {duplicate!r} appears more than once")


def criterion_points(features: pl.DataFrame, criteria: Sequence[Criterion]) -> pl.DataFrame:
    """For each row of ``features``, in the same order: ``account_id``, and per criterion
    ``value__<feature>`` (the raw value: float, or text for a categorical feature; null when
    missing), ``weight__<feature>`` (the weight applied to this account, in %: the criterion's
    weight, scaled up when an ``exclude`` criterion has no value for it, 0 for that one) and
    ``points__<feature>`` (weight × normalised value); then ``score``, their sum (0–100).

    The weights are always scaled to sum to 100 % over the criteria used for the account, so
    a subset of a scorecard's criteria (the portfolio's attractiveness) scores 0–100 too."""

    def raw(c: Criterion) -> pl.Expr:
        text = c.normalisation == Normalisation.CATEGORIES
        return category_value(c.feature) if text else numeric_value(c.feature)

    n = {c.feature: pl.col(f"n__{c.feature}") for c in criteria}
    used_weight = pl.sum_horizontal(
        [pl.when(n[c.feature].is_not_null()).then(float(c.weight)).otherwise(0.0) for c in criteria]
    )
    scale = pl.when(used_weight > NEGLIGIBLE).then(100.0 / used_weight).otherwise(0.0)
    detail = []
    for c in criteria:
        weight = pl.when(n[c.feature].is_not_null()).then(c.weight * scale).otherwise(0.0)
        detail += [
            pl.col(f"value__{c.feature}"),
            weight.alias(f"weight__{c.feature}"),
            (weight * n[c.feature].fill_null(0.0)).alias(f"points__{c.feature}"),
        ]
    return (
        features.lazy()
        .select(
            pl.col("account_id").cast(pl.String),
            *(raw(c).alias(f"value__{c.feature}") for c in criteria),
            *(normalised(c.feature, c).alias(f"n__{c.feature}") for c in criteria),
        )
        .select("account_id", *detail)
        .with_columns(
            score=pl.sum_horizontal(f"points__{c.feature}" for c in criteria).clip(0.0, 100.0)
        )
        .collect()
    )


def score_accounts(features: pl.DataFrame, definition: ScorecardDefinition) -> pl.DataFrame:
    """Score, rank, ABC class and tier of every row of ``features`` (one row per account,
    or per group), with the explanation of each score.

    Returns one row per input row, best first: ``account_id``, ``score`` (0–100), ``rank``
    (1 = best; ties by revenue_12m, larger first, then account id), ``revenue_12m``,
    ``abc`` (A/B/C on revenue_12m with the definition's thresholds), ``cum_revenue_share``,
    ``tier`` (the definition's rules, before any manual override), and per criterion the
    ``value__``, ``weight__`` and ``points__`` columns of :func:`criterion_points`: the
    points sum to the score.

    Raises :class:`ScorecardInvalid` for an unusable definition and
    :class:`FeatureFrameInvalid` when the frame lacks a column the criteria need."""
    problems = validation_problems(definition, None)
    if problems:
        raise ScorecardInvalid(problems)
    check_feature_frame(features, definition.criteria)
    revenue = numeric_value("revenue_12m").alias("revenue_12m")
    scored = (
        criterion_points(features, definition.criteria)
        .with_columns(features.select(revenue).to_series())
        .sort(
            ["score", "revenue_12m", "account_id"],
            descending=[True, True, False],
            nulls_last=True,
        )
        .with_row_index("rank", offset=1)
        .with_columns(pl.col("rank").cast(pl.Int64))
    )
    classes = abc_classes(
        scored.select("account_id", revenue=pl.col("revenue_12m")),
        a=definition.abc_a,
        b=definition.abc_b,
    )
    scored = scored.join(classes, on="account_id", how="left", maintain_order="left")
    scored = scored.with_columns(
        assign_tiers(scored, definition.tier_rules, definition.default_tier)
    )
    detail = [c for c in scored.columns if "__" in c]
    return scored.select(
        "account_id", "score", "rank", "revenue_12m", "abc", "cum_revenue_share", "tier", *detail
    )
