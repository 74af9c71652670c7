"""The Django admin of scoring, for directors, read-only: scorecards, runs, scores and
tier overrides change through kam's services (versioning, the run in force, the audit
trail), never by editing rows. The audit trail is shown here too."""

from __future__ import annotations

from django.contrib import admin

from kam.core.admin import ReadOnlyDirectorAdmin
from kam.core.models import AuditEvent
from kam.scoring.models import AccountScore, Scorecard, ScoreRun, TierOverride


@admin.register(Scorecard)
class ScorecardAdmin(ReadOnlyDirectorAdmin):
    """Scorecard versions; an applied version is immutable, a new one is a revision."""

    list_display = ["name", "version", "status", "level", "created_at", "applied_at", "created_by"]
    list_filter = ["status", "level"]
    list_select_related = ["created_by"]
    search_fields = ["name", "description"]


@admin.register(ScoreRun)
class ScoreRunAdmin(ReadOnlyDirectorAdmin):
    """Score runs, the one in force first."""

    list_display = [
        "id",
        "scorecard",
        "as_of",
        "status",
        "in_force",
        "applied",
        "accounts_scored",
        "seconds",
        "created_at",
    ]
    list_filter = ["status", "in_force", "applied"]
    list_select_related = ["scorecard"]
    ordering = ["-in_force", "-created_at"]
    date_hierarchy = "created_at"


@admin.register(AccountScore)
class AccountScoreAdmin(ReadOnlyDirectorAdmin):
    """One row per account and run: a large table, searched by account."""

    list_display = ["account", "run", "rank", "score", "abc", "tier", "computed_tier"]
    list_filter = ["tier", "abc"]
    list_select_related = ["account", "run"]
    search_fields = ["account__external_id", "account__name"]
    raw_id_fields = ["account", "run"]
    show_full_result_count = False  # a COUNT(*) per page is costly on large tables


@admin.register(TierOverride)
class TierOverrideAdmin(ReadOnlyDirectorAdmin):
    """Tiers set by hand, active and removed, with their reasons."""

    list_display = ["account", "tier", "reason", "created_by", "created_at", "removed_at"]
    list_filter = ["tier"]
    list_select_related = ["account", "created_by"]
    search_fields = ["account__external_id", "account__name", "reason"]


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyDirectorAdmin):
    """The audit trail of decisions (scorecards, runs applied, tier overrides…)."""

    list_display = ["at", "actor", "action", "object_type", "object_id", "summary"]
    list_filter = ["action", "object_type"]
    list_select_related = ["actor"]
    search_fields = ["summary", "object_id"]
    date_hierarchy = "at"
