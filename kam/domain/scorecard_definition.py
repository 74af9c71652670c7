"""What a scorecard is: its level, its weighted criteria and its definition (immutable
dataclasses), and the seed scorecard a fresh installation starts from.

How a definition is read from and written to JSON is in :mod:`kam.domain.scorecard_json`,
how it is checked in :mod:`kam.domain.scorecard_validation`, how it scores accounts in
:mod:`kam.domain.scorecard` (which re-exports all of these names). No Django import.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from kam.domain.normalise import OTHER_VALUES, Direction, MissingPolicy, Normalisation
from kam.domain.pareto import DEFAULT_A, DEFAULT_B
from kam.domain.tiers import DEFAULT_TIER_RULES, STANDARD, TierRule

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
