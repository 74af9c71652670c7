"""Writes on users and their roles, and the audit trail of decisions."""

from __future__ import annotations

import secrets
from decimal import Decimal
from typing import Any, cast

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, Group, User
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from rest_framework.authtoken.models import Token

from kam.core.models import AuditEvent, ManagerProfile
from kam.core.roles import CLI_ROLES, Role


def user_create(
    *,
    username: str,
    role: str,
    password: str | None = None,
    email: str = "",
    first_name: str = "",
    last_name: str = "",
    capacity: Decimal | int | None = None,
    sectors: list[str] | None = None,
    languages: list[str] | None = None,
    countries: list[str] | None = None,
    reports_to: User | None = None,
) -> tuple[User, str]:
    """Create a user with one role (``director``, ``kam``, ``gam``, ``marketing`` or
    ``analyst``). KAMs and GAMs get a manager profile. Returns the user and the password
    (generated when none is given; a given one must pass the password validators).
    Directors may use the Django admin."""
    if role not in CLI_ROLES:
        raise ValidationError({"role": f"unknown role {role!r}; one of {', '.join(CLI_ROLES)}"})
    group_role, manager_kind = CLI_ROLES[role]
    if User.objects.filter(username=username).exists():
        raise ValidationError({"username": f"a user named {username!r} already exists"})
    if password is not None:
        try:
            validate_password(password, user=User(username=username, email=email))
        except ValidationError as exc:
            raise ValidationError({"password": exc.messages}) from None
    password = password or secrets.token_urlsafe(12)
    with transaction.atomic():
        user = User(
            username=username,
            email=email,
            first_name=first_name,
            last_name=last_name,
            is_staff=group_role is Role.DIRECTOR,
        )
        user.set_password(password)
        user.full_clean()
        user.save()
        # get_or_create: the groups come from a data migration, but a flushed database
        # (transactional tests, `flush`) must still accept new users.
        group, _ = Group.objects.get_or_create(name=group_role.value)
        user.groups.add(group)
        if manager_kind is not None:
            profile = ManagerProfile(
                user=user,
                kind=manager_kind,
                capacity=Decimal(capacity) if capacity is not None else Decimal(8),
                sectors=sectors or [],
                languages=languages or [],
                countries=countries or [],
                reports_to=reports_to,
            )
            profile.full_clean()
            profile.save()
    return user, password


def user_token(*, username: str) -> str:
    """The API token of a user, created on first use."""
    user = User.objects.get(username=username)
    token, _ = Token.objects.get_or_create(user=user)
    return token.key


def audit_record(
    *,
    actor: AbstractBaseUser | AnonymousUser | None,
    action: str,
    obj: models.Model,
    summary: str,
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    """Add a decision to the audit trail: ``actor`` (a user, or None for kam itself) did
    ``action`` (``scorecard.create``, ``run.apply``, ``tier.override``…) to ``obj``.
    Called by services inside their own transaction, so a decision rolled back leaves no
    event behind. ``details`` must be JSON-ready."""
    who = actor if actor is not None and actor.is_authenticated else None
    event = AuditEvent(
        at=timezone.now(),
        actor=cast("User | None", who),
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        summary=summary,
        details=details or {},
    )
    event.full_clean()
    event.save()
    return event
