"""The checks a scorecard definition must pass before it scores anything: known
features suited to their normalisation, weights summing to 100 %, sound normalisation
parameters, ABC thresholds and tier rules. Every problem names its field
(``criteria[2].bands``), so a form or a file can point at it. No Django import.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from kam.domain.features import FeatureSpec
from kam.domain.normalise import Normalisation, choice_problem, is_number, parameter_problems
from kam.domain.scorecard_definition import Criterion, ScorecardDefinition, ScoringLevel
from kam.domain.tiers import tier_problems


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
