"""How much of a manager's capacity an account takes, and when it is international.

A manager's capacity is a workload budget in "average key accounts" (the seed: a KAM
handles only a few accounts, typically 3 to 15). An account's workload is

    tier weight × size factor × (1 + per_country × (countries − 1), capped at +per_country_cap)

* tier weight: how demanding the tier is (a key account 1.0 by default); only the tiers
  listed in the policy are placed by the assignment;
* size factor: by employees, from the last band whose floor the account reaches (unknown
  size: 1.0);
* countries: the account's own country and its countries of operation, each counted once.

An account is international — only a GAM may lead it — when it operates in at least
``international_countries`` countries, or when it heads a group with a subsidiary in
another country than its own (``group_abroad``).

Pure Python, no Django: the assignments app reads the accounts and calls these.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class TierNeeds:
    """What an account of one tier asks for: its workload weight and support members."""

    workload: float = 1.0
    support: int = 0


def _default_tiers() -> dict[str, TierNeeds]:
    return {"key": TierNeeds(workload=1.0, support=0)}


def _default_size_bands() -> tuple[tuple[int, float], ...]:
    # (employees from, factor): small firms are simpler accounts, large groups harder.
    return ((0, 0.8), (250, 1.0), (5000, 1.3))


@dataclass(frozen=True)
class WorkloadPolicy:
    """The editable rules behind workloads and the international dimension."""

    tiers: Mapping[str, TierNeeds] = field(default_factory=_default_tiers)
    size_bands: tuple[tuple[int, float], ...] = field(default_factory=_default_size_bands)
    per_country: float = 0.1
    per_country_cap: float = 0.5
    international_countries: int = 3
    group_abroad: bool = True


class PolicyError(ValueError):
    """A policy that cannot be used; the message names the field."""


def _number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def validate_policy(policy: WorkloadPolicy) -> None:
    """Raise ``PolicyError`` naming the field when a rule makes no sense."""
    if not policy.tiers:
        raise PolicyError("tiers: at least one tier must be placed (e.g. key)")
    for tier, needs in policy.tiers.items():
        if not tier or not isinstance(tier, str):
            raise PolicyError("tiers: a tier needs a name")
        if not _number(needs.workload) or not 0 < needs.workload <= 100:
            raise PolicyError(f"tiers.{tier}.workload: must be a number in ]0, 100]")
        if isinstance(needs.support, bool) or not isinstance(needs.support, int):
            raise PolicyError(f"tiers.{tier}.support: must be a whole number")
        if not 0 <= needs.support <= 3:
            raise PolicyError(f"tiers.{tier}.support: must be between 0 and 3")
    floors = [floor for floor, _ in policy.size_bands]
    if not policy.size_bands or floors[0] != 0:
        raise PolicyError("size_bands: the first band must start at 0 employees")
    if any(b <= a for a, b in itertools.pairwise(floors)):
        raise PolicyError("size_bands: the bands must start at increasing numbers of employees")
    for floor, factor in policy.size_bands:
        if not _number(factor) or not 0 < factor <= 10:
            raise PolicyError(f"size_bands: the factor from {floor} employees must be in ]0, 10]")
    for name in ("per_country", "per_country_cap"):
        value = getattr(policy, name)
        if not _number(value) or not 0 <= value <= 10:
            raise PolicyError(f"{name}: must be a number between 0 and 10")
    if isinstance(policy.international_countries, bool) or not isinstance(
        policy.international_countries, int
    ):
        raise PolicyError("international_countries: must be a whole number")
    if not 2 <= policy.international_countries <= 50:
        raise PolicyError("international_countries: must be between 2 and 50")


def country_set(country: str, countries_of_operation: Iterable[str]) -> frozenset[str]:
    """The account's own country and its countries of operation, upper-case, once each."""
    return frozenset(c.strip().upper() for c in (country, *countries_of_operation) if c.strip())


def size_factor(employees: int | None, bands: Sequence[tuple[int, float]]) -> float:
    if employees is None:
        return 1.0
    factor = 1.0
    for floor, band_factor in bands:
        if employees >= floor:
            factor = band_factor
    return factor


def account_workload(
    *, tier: str, employees: int | None, countries: frozenset[str], policy: WorkloadPolicy
) -> float:
    """The capacity an account of ``tier`` takes (see the module docstring), rounded to
    hundredths. Raises ``KeyError`` for a tier the policy does not place."""
    needs = policy.tiers[tier]
    extra = min(policy.per_country_cap, policy.per_country * max(0, len(countries) - 1))
    return round(needs.workload * size_factor(employees, policy.size_bands) * (1 + extra), 2)


def is_international(
    *, countries: frozenset[str], heads_group_abroad: bool, policy: WorkloadPolicy
) -> bool:
    """Whether only a GAM may lead the account (see the module docstring)."""
    if len(countries) >= policy.international_countries:
        return True
    return policy.group_abroad and heads_group_abroad


# The usual business language of a country, for the language fit (ISO 3166 → ISO 639-1).
# Countries with several languages get their most common one; a manager's languages are
# matched against it.
COUNTRY_LANGUAGE: dict[str, str] = {
    "FR": "fr",
    "BE": "fr",
    "LU": "fr",
    "MC": "fr",
    "CH": "de",
    "DE": "de",
    "AT": "de",
    "IT": "it",
    "ES": "es",
    "PT": "pt",
    "NL": "nl",
    "GB": "en",
    "IE": "en",
    "US": "en",
    "CA": "en",
    "AU": "en",
    "PL": "pl",
    "CZ": "cs",
    "SE": "sv",
    "DK": "da",
    "NO": "no",
    "FI": "fi",
    "GR": "el",
    "RO": "ro",
    "HU": "hu",
    "MA": "fr",
    "TN": "fr",
    "SN": "fr",
    "CI": "fr",
    "MX": "es",
    "AR": "es",
    "BR": "pt",
    "CN": "zh",
    "JP": "ja",
}


def country_language(country: str) -> str | None:
    """The usual business language of a country, or None when unknown."""
    return COUNTRY_LANGUAGE.get(country.strip().upper())
