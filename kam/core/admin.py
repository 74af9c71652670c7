"""The Django admin, for directors: manager profiles and users.

Directors get ``is_staff`` from ``user_create`` so they may enter the admin site; what they
may see and change there is decided by :func:`kam.core.roles.is_director` (the one
permission check), not by Django's per-model permissions, so no role needs a data
migration granting permissions. Every other kam admin builds on :class:`DirectorAdmin`.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.db.models import Model
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from kam.core.models import ManagerProfile
from kam.core.roles import is_director


class DirectorAdmin(admin.ModelAdmin):
    """A model admin that directors may use in full (and nobody else)."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return is_director(request.user)

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return is_director(request.user)

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return is_director(request.user)

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return is_director(request.user)

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return is_director(request.user)


class ReadOnlyDirectorAdmin(DirectorAdmin):
    """Records that are history, not data to edit: directors read them, nobody edits
    them in the admin (they change through kam's services)."""

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


@admin.register(ManagerProfile)
class ManagerProfileAdmin(DirectorAdmin):
    """KAMs and GAMs: capacity, skills and team. Profiles are created with the user
    (`kam user add --role kam|gam`), so they are not added or deleted here."""

    list_display = ["user", "kind", "capacity", "reports_to"]
    list_filter = ["kind"]
    list_select_related = ["user", "reports_to"]
    search_fields = ["user__username", "user__first_name", "user__last_name"]
    raw_id_fields = ["user", "reports_to"]
    readonly_fields = ["user"]

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


class ManagerProfileInline(admin.StackedInline):
    """The manager profile on the user's page, for KAMs and GAMs."""

    model = ManagerProfile
    fk_name = "user"
    raw_id_fields = ["reports_to"]
    can_delete = False
    max_num = 1
    extra = 0
    verbose_name_plural = _("manager profile")

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return is_director(request.user)

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return is_director(request.user)

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False  # a profile comes with the KAM or GAM role, from `kam user add`


class KamUserAdmin(DirectorAdmin, UserAdmin):
    """Users, their roles (groups) and, for managers, their profile.

    New users come from `kam user add` (the service gives them a role and a profile), so
    only superusers add or delete users here; directors cannot make anyone a superuser
    or give per-model permissions, which would step outside the roles."""

    inlines = [ManagerProfileInline]
    list_display = ["username", "email", "first_name", "last_name", "is_active", "is_staff"]
    list_filter = ["groups", "is_active", "is_staff"]

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return bool(getattr(request.user, "is_superuser", False))

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return bool(getattr(request.user, "is_superuser", False))

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        # A director who could change a superuser's password could become one.
        if getattr(obj, "is_superuser", False) and not getattr(request.user, "is_superuser", False):
            return False
        return super().has_change_permission(request, obj)

    def get_readonly_fields(self, request: HttpRequest, obj: Model | None = None) -> Any:
        fields = list(super().get_readonly_fields(request, obj))
        if not getattr(request.user, "is_superuser", False):
            fields += ["is_superuser", "user_permissions", "last_login", "date_joined"]
        return fields


_user_model = get_user_model()
if admin.site.is_registered(_user_model):
    admin.site.unregister(_user_model)
admin.site.register(_user_model, KamUserAdmin)
