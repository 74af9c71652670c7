"""Writes of scorecards: create, revise (a new version), change a draft; and the checks
every scoring write shares (who may do it, is the definition valid).

Only directors edit scorecards (:func:`kam.core.roles.can_manage_scoring`); ``user=None``
is kam itself (the command line without ``--as``). An invalid definition raises
:class:`kam.domain.scorecard.ScorecardInvalid`, one problem per line, each naming its field.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from kam.core.roles import can_manage_scoring, sees_all_accounts
from kam.core.services import audit_record
from kam.domain.features import FEATURES
from kam.domain.scorecard import (
    SEED_SCORECARD,
    ScorecardDefinition,
    ScoringLevel,
    definition_from_dict,
    definition_to_dict,
    scorecard_validate,
)
from kam.scoring.models import Scorecard, ScorecardStatus

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

    # Who acts: a signed-in user, an anonymous visitor (refused), or None for kam itself.
    Actor = AbstractBaseUser | AnonymousUser | None

SEED_SCORECARD_NAME = "seed"


# -- permissions ---------------------------------------------------------------------------


def require_manager(user: Actor, refusal: str) -> None:
    """Refuse (with ``refusal``, a whole sentence) anyone but a director or kam itself."""
    if user is not None and not can_manage_scoring(user):
        raise PermissionDenied(refusal)


def require_full_view(user: Actor, refusal: str) -> None:
    """Refuse (with ``refusal``) anyone who does not see every account: what is computed
    for all accounts (a preview, a dry run) would show them accounts that are not theirs."""
    if user is not None and not sees_all_accounts(user):
        raise PermissionDenied(refusal)


def actor(user: Actor) -> Any:
    """The user to record as author (None for kam itself)."""
    return user if user is not None and user.is_authenticated else None


# -- scorecards ----------------------------------------------------------------------------


def definition_parse(definition: ScorecardDefinition | Mapping[str, Any]) -> ScorecardDefinition:
    """A scorecard definition checked against the feature catalogue: given as the
    dataclass or as its JSON form. Raises ``ScorecardInvalid`` listing every problem."""
    parsed = (
        definition
        if isinstance(definition, ScorecardDefinition)
        else definition_from_dict(dict(definition))
    )
    scorecard_validate(parsed, features=FEATURES)
    return parsed


def scorecard_create(
    *,
    name: str,
    definition: ScorecardDefinition | Mapping[str, Any],
    user: Actor,
    description: str = "",
) -> Scorecard:
    """Create version 1 of a new scorecard, as a draft (applying a run of it makes it
    active). The name must be new: a new version of an existing one is a revision."""
    require_manager(user, _("Only directors may edit scorecards."))
    parsed = definition_parse(definition)
    name = (name or "").strip()
    if Scorecard.objects.filter(name=name).exists():
        raise ValidationError(
            {
                "name": _("A scorecard named “%(name)s” already exists: revise it instead.")
                % {"name": name}
            }
        )
    with transaction.atomic():
        scorecard = _new_version(name, 1, parsed, user, description)
        audit_record(
            actor=actor(user),
            action="scorecard.create",
            obj=scorecard,
            summary=f"Scorecard {scorecard} created",
            details={"definition": scorecard.definition},
        )
    return scorecard


def scorecard_revise(
    *,
    scorecard: Scorecard,
    definition: ScorecardDefinition | Mapping[str, Any],
    user: Actor,
    description: str | None = None,
) -> Scorecard:
    """Make the next version of ``scorecard``'s name with a new definition, as a draft;
    ``scorecard`` itself is left as it is (applied versions are immutable)."""
    require_manager(user, _("Only directors may edit scorecards."))
    parsed = definition_parse(definition)
    with transaction.atomic():
        latest = Scorecard.objects.filter(name=scorecard.name).aggregate(v=Max("version"))["v"]
        revised = _new_version(
            scorecard.name,
            (latest or 0) + 1,
            parsed,
            user,
            scorecard.description if description is None else description,
        )
        audit_record(
            actor=actor(user),
            action="scorecard.revise",
            obj=revised,
            summary=f"Scorecard {revised} made from v{scorecard.version}",
            details={"from_version": scorecard.version, "definition": revised.definition},
        )
    return revised


def scorecard_update(
    *,
    scorecard: Scorecard,
    definition: ScorecardDefinition | Mapping[str, Any],
    user: Actor,
    description: str | None = None,
) -> Scorecard:
    """Change a draft that was never applied, in place. An applied version is refused:
    :func:`scorecard_revise` makes its next version."""
    require_manager(user, _("Only directors may edit scorecards."))
    parsed = definition_parse(definition)
    with transaction.atomic():
        current = Scorecard.objects.select_for_update().get(pk=scorecard.pk)
        if current.applied_at is not None or current.status != ScorecardStatus.DRAFT:
            raise ValidationError(
                {
                    "definition": _(
                        "%(scorecard)s has been applied and cannot change: revise it instead."
                    )
                    % {"scorecard": current}
                }
            )
        current.definition = definition_to_dict(parsed)
        current.level = ScoringLevel(parsed.level).value
        if description is not None:
            current.description = description
        current.full_clean()
        current.save()
        audit_record(
            actor=actor(user),
            action="scorecard.update",
            obj=current,
            summary=f"Draft scorecard {current} changed",
            details={"definition": current.definition},
        )
    return current


def _new_version(
    name: str,
    version: int,
    definition: ScorecardDefinition,
    user: Actor,
    description: str,
) -> Scorecard:
    scorecard = Scorecard(
        name=name,
        version=version,
        status=ScorecardStatus.DRAFT,
        level=ScoringLevel(definition.level).value,
        definition=definition_to_dict(definition),
        description=description,
        created_by=actor(user),
    )
    scorecard.full_clean()
    scorecard.save()
    return scorecard


def scorecard_definition(scorecard: Scorecard) -> ScorecardDefinition:
    """The stored definition as the domain's dataclass (validated again: a definition
    stored by an older kam may name a feature that no longer exists)."""
    return definition_parse(scorecard.definition)


def scorecard_in_use() -> Scorecard:
    """The active scorecard; without one, the latest version of the seed scorecard,
    created from :data:`kam.domain.scorecard.SEED_SCORECARD` on first use."""
    active = Scorecard.objects.filter(status=ScorecardStatus.ACTIVE).first()
    if active is not None:
        return active
    seed = Scorecard.objects.filter(name=SEED_SCORECARD_NAME).order_by("-version").first()
    if seed is not None:
        return seed
    with transaction.atomic():
        seed = _new_version(
            SEED_SCORECARD_NAME,
            1,
            SEED_SCORECARD,
            None,
            "The seed's criteria: revenue per account, monthly revenue, sector, size, order "
            "volume, market share and international dimension.",
        )
        audit_record(
            actor=None,
            action="scorecard.create",
            obj=seed,
            summary=f"Scorecard {seed} created from the seed's criteria",
            details={"definition": seed.definition},
        )
    return seed
