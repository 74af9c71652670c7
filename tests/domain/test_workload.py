"""Workloads and the international dimension, by hand."""

from __future__ import annotations

import pytest

from kam.domain.workload import (
    PolicyError,
    TierNeeds,
    WorkloadPolicy,
    account_workload,
    country_language,
    country_set,
    is_international,
    validate_policy,
)

POLICY = WorkloadPolicy()


@pytest.mark.parametrize(
    ("employees", "countries", "expected"),
    [
        (None, {"FR"}, 1.0),  # unknown size: neutral
        (10, {"FR"}, 0.8),
        (250, {"FR"}, 1.0),
        (5000, {"FR"}, 1.3),
        (250, {"FR", "BE", "DE"}, 1.2),  # +10 % per extra country
        (250, {f"C{i}" for i in range(12)}, 1.5),  # capped at +50 %
    ],
)
def test_workload_by_size_and_countries(employees, countries, expected):
    workload = account_workload(
        tier="key", employees=employees, countries=frozenset(countries), policy=POLICY
    )
    assert workload == pytest.approx(expected)


def test_a_tier_weight_multiplies_and_an_unplaced_tier_is_a_key_error():
    policy = WorkloadPolicy(tiers={"key": TierNeeds(2.0), "strategic": TierNeeds(0.5)})
    assert account_workload(
        tier="strategic", employees=250, countries=frozenset({"FR"}), policy=policy
    ) == pytest.approx(0.5)
    with pytest.raises(KeyError):
        account_workload(tier="standard", employees=250, countries=frozenset(), policy=policy)


def test_international_by_countries_or_group_abroad():
    three = country_set("fr", ["BE", " de ", "FR"])
    assert three == frozenset({"FR", "BE", "DE"})
    assert is_international(countries=three, heads_group_abroad=False, policy=POLICY)
    two = frozenset({"FR", "BE"})
    assert not is_international(countries=two, heads_group_abroad=False, policy=POLICY)
    assert is_international(countries=two, heads_group_abroad=True, policy=POLICY)
    no_groups = WorkloadPolicy(group_abroad=False)
    assert not is_international(countries=two, heads_group_abroad=True, policy=no_groups)


def test_country_language():
    assert (country_language("be"), country_language("DE"), country_language("ZZ")) == (
        "fr",
        "de",
        None,
    )


@pytest.mark.parametrize(
    ("policy", "field"),
    [
        (WorkloadPolicy(tiers={}), "tiers"),
        (WorkloadPolicy(tiers={"key": TierNeeds(0.0)}), "tiers.key.workload"),
        (WorkloadPolicy(tiers={"key": TierNeeds(1.0, 4)}), "tiers.key.support"),
        (WorkloadPolicy(size_bands=((10, 1.0),)), "size_bands"),
        (WorkloadPolicy(size_bands=((0, 1.0), (0, 2.0))), "size_bands"),
        (WorkloadPolicy(per_country=-1), "per_country"),
        (WorkloadPolicy(international_countries=1), "international_countries"),
    ],
)
def test_bad_policies_name_the_field(policy, field):
    with pytest.raises(PolicyError, match=f"^{field}:"):
        validate_policy(policy)
