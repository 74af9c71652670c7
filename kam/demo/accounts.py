"""Synthetic accounts: heavy-tailed sizes, sectors, countries, groups of subsidiaries.

Vectorised with NumPy and Polars (100,000 accounts take well under a second). The
frame has the canonical account columns of the import; the hidden drivers of each
account's purchases (yearly revenue, active months, trend…) travel beside it in
:class:`AccountDraw` for the sales generator.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from kam.demo.catalogue import (
    CATEGORIES,
    COUNTRIES,
    NAME_ENDS,
    NAME_MIDDLES,
    NAME_STARTS,
    SECTOR_MAIN_CATEGORY,
    SECTOR_WEIGHTS,
    SECTOR_WORDS,
    SECTORS,
    SURNAMES,
)

MONTHS = 36  # three years of history
ACCOUNT_COLUMNS: tuple[str, ...] = (
    "external_id",
    "name",
    "parent_id",
    "sector",
    "country",
    "countries_of_operation",
    "employees",
    "market_share",
    "spend_potential",
    "strategic_fit",
    "status",
)

# Yearly revenue of an account: lognormal. With sigma 1.35, the top 20 % of accounts
# bring about 70 % of revenue (Lorenz curve of the lognormal), as the seed describes.
_MEDIAN_YEARLY_REVENUE = 45_000.0
_SIGMA = 1.35


@dataclass(frozen=True)
class AccountDraw:
    """Generated accounts and what drives their purchases (arrays aligned on rows)."""

    frame: pl.DataFrame  # ACCOUNT_COLUMNS
    yearly_revenue: np.ndarray  # expected revenue per active year, currency units
    first_month: np.ndarray  # first month (0..35) with purchases
    last_month: np.ndarray  # last month with purchases; before the first: none
    trend: np.ndarray  # yearly growth rate of purchases
    discount: np.ndarray  # negotiated discount off list prices
    preferred_product: np.ndarray  # index in the flat product list
    # Accounts built to decline: their purchases of the last 3 months collapse (a demo of
    # the revenue-drop alert). Chosen without the random generator, so that every other
    # draw is the same with or without them.
    declining: np.ndarray | None = None


def accounts_draw(rng: np.random.Generator, count: int) -> AccountDraw:
    """``count`` accounts drawn from ``rng`` (same generator state → same accounts)."""
    n = count
    log_size = rng.normal(np.log(_MEDIAN_YEARLY_REVENUE), _SIGMA, n)
    z = (log_size - np.log(_MEDIAN_YEARLY_REVENUE)) / _SIGMA  # size in standard deviations
    yearly = np.exp(log_size)
    sector = rng.choice(len(SECTORS), n, p=_normalised(SECTOR_WEIGHTS))
    country = rng.choice(len(COUNTRIES), n, p=_normalised([c.weight for c in COUNTRIES]))

    first, last, status = _lifecycle(rng, n)
    trend = np.clip(rng.normal(0.04, 0.20, n), -0.45, 0.80)
    discount = np.clip(0.03 + 0.025 * z + rng.normal(0, 0.02, n), 0.0, 0.15)

    parent, level = _groups(rng, z, status)
    country = _subsidiary_countries(rng, country, parent)
    # A group's members share its sector: two passes reach the branches (third level).
    for _ in range(2):
        sector = np.where(parent >= 0, sector[np.maximum(parent, 0)], sector)
    preferred = _preferred_product(rng, sector)

    share_of_wallet = np.clip(rng.beta(2.2, 3.0, n), 0.04, 0.92)
    spend_potential = np.round(yearly / share_of_wallet, -2)
    employees = np.clip(
        np.rint(spend_potential / 1_800 * rng.lognormal(0, 0.45, n)), 3, 400_000
    ).astype(np.int64)
    # A group's headcount includes its subsidiaries' (branches first, then subsidiaries).
    for members in (level == 2, level == 1):
        np.add.at(employees, parent[members], employees[members])
    market_share = np.round(
        np.clip(np.exp(-4.2 + 0.7 * z + rng.normal(0, 0.5, n)), 0.0002, 0.65), 4
    )
    market_share_known = rng.random(n) >= 0.08
    fit = np.clip(np.rint(3 + 0.6 * z + rng.normal(0, 0.9, n)), 1, 5).astype(np.int64)
    fit_known = rng.random(n) < 0.45

    width = max(6, len(str(n)))
    ids = pl.lit("C") + pl.int_range(1, n + 1, eager=True).cast(pl.String).str.zfill(width)
    external_id = pl.select(ids.alias("external_id")).to_series()
    frame = pl.DataFrame(
        {
            "external_id": external_id,
            "name": _names(rng, sector, country, parent, level),
            "parent_id": _where(parent >= 0, external_id.gather(np.maximum(parent, 0))),
            "sector": pl.Series(SECTORS).gather(sector),
            "country": pl.Series([c.code for c in COUNTRIES]).gather(country),
            "countries_of_operation": _countries_of_operation(rng, z, country, parent),
            "employees": employees,
            "market_share": _where(market_share_known, pl.Series(market_share)),
            "spend_potential": spend_potential,
            "strategic_fit": _where(fit_known, pl.Series(fit)),
            "status": status,
        }
    ).select(ACCOUNT_COLUMNS)
    return AccountDraw(
        frame=frame,
        yearly_revenue=yearly,
        first_month=first,
        last_month=last,
        trend=trend,
        discount=discount,
        preferred_product=preferred,
        declining=_declining(yearly, first, last),
    )


# The account built to decline: the 5th largest among those buying over the whole period
# (large enough to stay a key account on its trailing 12 months, not the very largest).
DECLINING_RANK = 5
# Its last 3 months weigh this share of a normal month (a fall of about 80 %).
DECLINE_FACTOR = 0.2
DECLINE_MONTHS = 3


def _declining(yearly: np.ndarray, first: np.ndarray, last: np.ndarray) -> np.ndarray:
    declining = np.zeros(len(yearly), dtype=bool)
    steady = np.flatnonzero((first == 0) & (last == MONTHS - 1))
    if len(steady) >= DECLINING_RANK:
        declining[steady[np.argsort(-yearly[steady], kind="stable")[DECLINING_RANK - 1]]] = True
    return declining


def _where(keep: np.ndarray, values: pl.Series) -> pl.Series:
    """``values`` where ``keep`` holds, null elsewhere."""
    return pl.select(pl.when(pl.Series(keep)).then(values)).to_series()


def _normalised(weights: tuple[float, ...] | list[float]) -> np.ndarray:
    w = np.asarray(weights, dtype=np.float64)
    return w / w.sum()


def _lifecycle(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Months of activity and status: most accounts buy over the whole three years; some
    started later, some are new this year, some stopped buying (dormant or closed), some
    are prospects that never bought."""
    u = rng.random(n)
    first = np.zeros(n, dtype=np.int64)
    last = np.full(n, MONTHS - 1, dtype=np.int64)
    prospect = u < 0.06
    churned = (u >= 0.06) & (u < 0.14)
    new = (u >= 0.14) & (u < 0.24)
    late = (u >= 0.24) & (u < 0.32)
    first[new] = rng.integers(MONTHS - 12, MONTHS - 2, n)[new]
    first[late] = rng.integers(1, 18, n)[late]
    last[churned] = rng.integers(6, MONTHS - 12, n)[churned]  # nothing in the last year
    last[prospect] = -1  # before the first month: never bought
    status = np.full(n, "active", dtype=object)
    status[prospect] = "prospect"
    status[churned] = "dormant"
    status[churned & (last < 12) & (rng.random(n) < 0.3)] = "closed"
    return first, last, status


def _preferred_product(rng: np.random.Generator, sector: np.ndarray) -> np.ndarray:
    """Each account's purchases cluster around one product of its sector's main category."""
    sizes = np.array([len(c.products) for c in CATEGORIES])
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    category = np.asarray(SECTOR_MAIN_CATEGORY)[sector]
    return starts[category] + (rng.random(len(sector)) * sizes[category]).astype(np.int64)


def _groups(
    rng: np.random.Generator, z: np.ndarray, status: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Parent index of each account (-1 for none) and its level (0 top, 1, 2).

    Larger customers are more often groups; a group has 1 to 6 subsidiaries, and a few
    subsidiaries have branches of their own (three levels). Parents always sit on a
    higher level than their children, so there is never a cycle."""
    n = len(z)
    parent = np.full(n, -1, dtype=np.int64)
    level = np.zeros(n, dtype=np.int64)
    p_group = 0.03 + 0.10 * (z > 1.0) + 0.15 * (z > 2.0)
    is_group = (rng.random(n) < p_group) & (status != "prospect")
    if not is_group.any() and n >= 10:  # even a small demo shows one group
        is_group[np.argmax(np.where(status != "prospect", z, -np.inf))] = True
    heads = np.flatnonzero(is_group)
    pool = rng.permutation(np.flatnonzero(~is_group))
    children_per_head = np.minimum(1 + rng.poisson(1.2 + (z[heads] > 2.0), len(heads)), 6)
    # Keep most accounts independent: at most a third of them are subsidiaries.
    fits = np.cumsum(children_per_head) <= len(pool) // 3
    heads, children_per_head = heads[fits], children_per_head[fits]
    used = int(children_per_head.sum())
    children = pool[:used]
    parent[children] = np.repeat(heads, children_per_head)
    level[children] = 1
    # A few subsidiaries of large groups have local branches: the third level.
    big_parent = z[np.maximum(parent[children], 0)] > 1.0
    branching = children[big_parent & (rng.random(len(children)) < 0.3)]
    per_branching = np.minimum(1 + rng.poisson(0.8, len(branching)), 3)
    fits = np.cumsum(per_branching) <= len(pool) - used
    branching, per_branching = branching[fits], per_branching[fits]
    branches = pool[used : used + int(per_branching.sum())]
    parent[branches] = np.repeat(branching, per_branching)
    level[branches] = 2
    return parent, level


def _subsidiary_countries(
    rng: np.random.Generator, country: np.ndarray, parent: np.ndarray
) -> np.ndarray:
    """Subsidiaries are mostly abroad (a country other than their parent's, one in five
    at home); branches (third level) are in their subsidiary's country."""
    n = len(country)
    abroad = rng.choice(len(COUNTRIES), n, p=_normalised([c.abroad for c in COUNTRIES]))
    at_home = rng.random(n) < 0.2
    parents_country = country[np.maximum(parent, 0)]
    other = np.where(abroad == parents_country, (abroad + 1) % len(COUNTRIES), abroad)
    result = np.where(parent >= 0, np.where(at_home, parents_country, other), country)
    # The parents of branches are subsidiaries, whose country is now settled.
    is_branch = (parent >= 0) & (parent[np.maximum(parent, 0)] >= 0)
    return np.where(is_branch, result[np.maximum(parent, 0)], result)


def _countries_of_operation(
    rng: np.random.Generator, z: np.ndarray, country: np.ndarray, parent: np.ndarray
) -> pl.Series:
    """Own country, a few more for larger accounts, plus every country of the account's
    subsidiaries and their branches; ``|``-joined, sorted, no duplicates."""
    n = len(z)
    codes = pl.Series([c.code for c in COUNTRIES])
    # Subsidiaries operate in their own country only; their group spans the others.
    extra = np.where(parent >= 0, 0, np.minimum(rng.poisson(0.3 * np.exp(0.7 * z)), 6))
    drawn = rng.choice(len(COUNTRIES), (n, 6), p=_normalised([c.abroad for c in COUNTRIES]))
    row, col = np.nonzero(np.arange(6)[None, :] < extra[:, None])
    own = pl.DataFrame({"account": np.arange(n), "c": country})
    pairs = pl.concat([own, pl.DataFrame({"account": row, "c": drawn[row, col]})])
    # Roll subsidiaries' countries up to their parent, and branches' up two levels.
    grand = np.where(parent >= 0, parent[np.maximum(parent, 0)], -1)
    ups = []
    for ancestor in (parent, grand):
        has = np.flatnonzero(ancestor >= 0)
        ups.append(pl.DataFrame({"child": has, "account": ancestor[has]}))
    links = pl.concat(ups)
    rolled = links.join(pairs.rename({"account": "child"}), on="child").select("account", "c")
    every = (
        pl.concat([pairs, rolled])
        .unique()
        .with_columns(code=pl.col("c").replace_strict(list(range(len(codes))), codes))
    )
    joined = every.group_by("account").agg(pl.col("code").sort().str.join("|")).sort("account")
    return joined["code"].alias("countries_of_operation")


def _names(
    rng: np.random.Generator,
    sector: np.ndarray,
    country: np.ndarray,
    parent: np.ndarray,
    level: np.ndarray,
) -> pl.Series:
    """Company names: an invented stem, often a sector word, the legal form of the
    country; some family businesses; groups as "<stem> Group" and their subsidiaries as
    "<stem> Deutschland GmbH" or, for local branches, "<stem> Lyon SAS". Independent
    companies get distinct names (redrawn a few times on a clash)."""
    n = len(sector)
    stem, standalone = _standalone_names(rng, sector, country)
    legal = _legal_forms(rng, country)
    has_children = np.zeros(n, dtype=bool)
    has_children[parent[parent >= 0]] = True
    heads = has_children & (level == 0)
    for _ in range(8):  # two groups never share a stem
        clash = np.flatnonzero(heads & _later_duplicates(_where(heads, stem)))
        if not len(clash):
            break
        redrawn, _ = _standalone_names(rng, sector[clash], country[clash])
        stem = stem.scatter(clash, redrawn)
    # Members of a group carry the stem of the top of their group. The first subsidiary
    # abroad is "<stem> Deutschland GmbH"; the others in the same country, and those in
    # the group's home country, are named after distinct cities ("<stem> Lyon SAS").
    top = np.where(parent >= 0, parent, np.arange(n))
    top = np.where(parent[top] >= 0, parent[top], top)
    rank = (
        pl.DataFrame(
            {"top": top, "country": country, "member": level > 0, "order": level * n + np.arange(n)}
        )
        .with_columns(k=pl.col("order").rank("ordinal").over("top", "country", "member") - 1)["k"]
        .to_numpy()
        .astype(np.int64)
    )
    group_stem = stem.gather(top)
    local_name = pl.Series([c.local_name for c in COUNTRIES]).gather(country)
    home = country == country[top]
    city = _cities(country, rank - np.where(home, 0, 1))
    names = (
        pl.select(
            pl.when(pl.Series(heads))
            .then(pl.concat_str(stem, pl.lit(" Group")))
            .when(pl.Series((level > 0) & (home | (rank > 0))))
            .then(pl.concat_str(group_stem, pl.lit(" "), city, pl.lit(" "), legal))
            .when(pl.Series(level > 0))
            .then(pl.concat_str(group_stem, pl.lit(" "), local_name, pl.lit(" "), legal))
            .otherwise(standalone)
        )
        .to_series()
        .alias("name")
    )
    independent = (level == 0) & ~has_children
    for _ in range(8):
        clash = np.flatnonzero(independent & _later_duplicates(names))
        if not len(clash):
            break
        _, redrawn = _standalone_names(rng, sector[clash], country[clash])
        names = names.scatter(clash, redrawn)
    return names


def _later_duplicates(names: pl.Series) -> np.ndarray:
    """True for each name already seen on an earlier row."""
    seen = names.to_frame("name").select(
        (pl.int_range(pl.len()).over("name") > 0) & pl.col("name").is_not_null()
    )
    return seen.to_series().to_numpy()


def _standalone_names(
    rng: np.random.Generator, sector: np.ndarray, country: np.ndarray
) -> tuple[pl.Series, pl.Series]:
    """Stems and full names of independent companies of these sectors and countries."""
    n = len(sector)
    stem = pl.select(
        pl.concat_str(
            pl.Series(NAME_STARTS).gather(rng.integers(0, len(NAME_STARTS), n)),
            pl.Series(NAME_MIDDLES).gather(rng.integers(0, len(NAME_MIDDLES), n)),
            pl.Series(NAME_ENDS).gather(rng.integers(0, len(NAME_ENDS), n)),
        )
    ).to_series()
    surname = pl.Series(SURNAMES).gather(rng.integers(0, len(SURNAMES), n))
    family = pl.Series(rng.random(n) < 0.06)
    stem = pl.select(pl.when(family).then(surname).otherwise(stem)).to_series()
    sector_word = pl.Series([word for words in SECTOR_WORDS for word in words]).gather(
        sector * 4 + rng.integers(0, 4, n)
    )
    legal = _legal_forms(rng, country)
    fils = family & pl.Series(country == 0) & pl.Series(rng.random(n) < 0.5)
    with_word = pl.Series(rng.random(n) < 0.55)
    names = pl.select(
        pl.when(fils)
        .then(pl.concat_str(stem, pl.lit(" & Fils")))
        .when(with_word)
        .then(pl.concat_str(stem, pl.lit(" "), sector_word, pl.lit(" "), legal))
        .otherwise(pl.concat_str(stem, pl.lit(" "), legal))
    ).to_series()
    return stem, names


def _legal_forms(rng: np.random.Generator, country: np.ndarray) -> pl.Series:
    flat = [form for c in COUNTRIES for form in c.legal_forms]
    offsets = np.cumsum([0] + [len(c.legal_forms) for c in COUNTRIES])
    counts = np.diff(offsets)
    pick = (rng.random(len(country)) * counts[country]).astype(np.int64)
    return pl.Series(flat).gather(offsets[country] + pick)


def _cities(country: np.ndarray, nth: np.ndarray) -> pl.Series:
    """The ``nth`` city of each country (cycling), so a group's branches differ."""
    flat = [city for c in COUNTRIES for city in c.cities]
    offsets = np.cumsum([0] + [len(c.cities) for c in COUNTRIES])
    counts = np.diff(offsets)
    return pl.Series(flat).gather(offsets[country] + np.mod(nth, counts[country]))
