"""The Django admin of assignments, for directors: the history, read-only."""

from __future__ import annotations

from django.contrib import admin

from kam.assignments.models import AccountAssignment
from kam.core.admin import ReadOnlyDirectorAdmin


@admin.register(AccountAssignment)
class AccountAssignmentAdmin(ReadOnlyDirectorAdmin):
    """Who looked after which account, from when to when, and why. Read-only: an
    assignment changes through ``account_assign`` (which ends the previous lead and keeps
    the history), never by editing or deleting a row."""

    list_display = ["account", "manager", "role", "pinned", "started_at", "ended_at", "reason"]
    list_filter = ["role", "pinned", ("ended_at", admin.EmptyFieldListFilter)]
    list_select_related = ["account", "manager"]
    search_fields = ["account__external_id", "account__name", "manager__username"]
    raw_id_fields = ["account", "manager", "created_by"]
    date_hierarchy = "started_at"
