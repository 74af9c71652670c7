"""The JSON form of a scorecard definition (how the database, the API and files store
it): :func:`definition_to_dict` writes it, :func:`definition_from_dict` reads untrusted
data back, naming every unknown field, missing field and value of the wrong type before
the definition is validated. No Django import.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from enum import StrEnum
from typing import Any

from kam.domain.features import FEATURES, FeatureSpec
from kam.domain.normalise import Direction, MissingPolicy, Normalisation, choice_problem, is_number
from kam.domain.scorecard_definition import Criterion, ScorecardDefinition, ScoringLevel
from kam.domain.scorecard_validation import Problem, ScorecardInvalid, validation_problems
from kam.domain.tiers import TierRule

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
