"""The Django admin of accounts, for directors."""

from __future__ import annotations

from django.contrib import admin

from kam.accounts.models import Account, Contact
from kam.core.admin import DirectorAdmin


@admin.register(Account)
class AccountAdmin(DirectorAdmin):
    """Accounts and their groups. The model's ``clean`` runs on save, so the admin
    refuses a parent that would make a cycle of groups, as imports do."""

    list_display = ["external_id", "name", "parent", "sector", "country", "status", "updated_at"]
    list_filter = ["status", "sector", "country"]
    list_select_related = ["parent"]
    search_fields = ["external_id", "name"]
    raw_id_fields = ["parent"]
    readonly_fields = ["created_at", "updated_at"]
    show_full_result_count = False  # a COUNT(*) per page is costly on large tables


# -- contacts --
@admin.register(Contact)
class ContactAdmin(DirectorAdmin):
    """Contacts and their stakeholder profile. The model's ``clean`` runs on save: a boss
    of another account or a reporting cycle is refused, as in the app and imports."""

    list_display = [
        "__str__",
        "account",
        "job_title",
        "buying_role",
        "influence",
        "attitude",
        "do_not_mail",
        "left_on",
    ]
    list_filter = ["buying_role", "attitude", "do_not_mail"]
    list_select_related = ["account"]
    search_fields = ["last_name", "first_name", "email", "external_id", "account__external_id"]
    raw_id_fields = ["account", "reports_to"]
    readonly_fields = ["created_at", "updated_at"]
    show_full_result_count = False
