"""The Django admin of assignments, for directors: the history, the proposals and the
policy, read-only (they change through kam's services and pages)."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest

from kam.assignments.models import AccountAssignment, AssignmentPolicy, Proposal, ProposalLine
from kam.core.admin import ReadOnlyDirectorAdmin
from kam.core.roles import is_director


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


class ProposalLineInline(admin.TabularInline):
    model = ProposalLine
    fields = ["account", "change", "previous_lead", "lead", "workload", "value", "decision"]
    readonly_fields = ["account", "change", "previous_lead", "lead", "workload", "value"]
    readonly_fields += ["decision"]
    raw_id_fields = ["account", "lead", "previous_lead"]
    can_delete = False
    extra = 0
    show_change_link = False

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return is_director(request.user)

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


@admin.register(Proposal)
class ProposalAdmin(ReadOnlyDirectorAdmin):
    """Assignment proposals as they were made and decided. Reviewed and applied on the
    proposal page (or ``kam assign``), never edited here."""

    list_display = ["id", "created_at", "created_by", "solver_status", "state", "gap", "seconds"]
    list_filter = ["state", "solver_status"]
    list_select_related = ["created_by"]
    date_hierarchy = "created_at"
    inlines = [ProposalLineInline]


@admin.register(AssignmentPolicy)
class AssignmentPolicyAdmin(ReadOnlyDirectorAdmin):
    """The rules of the proposals; changed on the policy page (checked and audited)."""

    list_display = ["__str__", "value_basis", "continuity", "balance", "updated_at", "updated_by"]
