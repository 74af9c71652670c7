"""How KPI figures read, on the dashboard and in the PDF: with their unit, "—" when
undefined (a ratio without denominator, no key-account list), never a division error."""

from __future__ import annotations

from typing import Any

from django.utils.formats import number_format
from django.utils.translation import gettext as _

NONE = "—"
# Columns of the group tables and how their figures read.
PERCENT_COLUMNS = frozenset(
    {
        "increased_share",
        "uplift_pct",
        "key_revenue_share",
        "retention",
        "activity_share",
    }
)
COUNT_COLUMNS = frozenset(
    {"increased", "new_key_accounts", "accounts", "key_accounts", "activities", "retained", "lost"}
)
RATIO_COLUMNS = frozenset({"roi", "activities_per_key_account"})
STATUS_CLASSES = {
    "on_track": "badge-active",
    "at_risk": "badge-dormant",
    "off_track": "badge-rejected",
}


def figure(value: Any, kind: str) -> str:
    """A KPI figure in the active language: ``share`` as a percentage, ``count`` whole,
    ``ratio`` with two decimals, ``money`` whole with grouping; "—" when undefined."""
    if value is None:
        return NONE
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, str):
        return value
    if kind == "share":
        return f"{number_format(round(value * 100, 1), 1, force_grouping=True)} %"
    if kind == "count":
        return str(number_format(int(value), force_grouping=True))
    if kind == "ratio":
        return str(number_format(round(value, 2), 2, force_grouping=True))
    return str(number_format(round(value), force_grouping=True))


def column_kind(column: str) -> str:
    if column in PERCENT_COLUMNS:
        return "share"
    if column in COUNT_COLUMNS:
        return "count"
    if column in RATIO_COLUMNS:
        return "ratio"
    return "money"


def cell(row: dict[str, Any], column: str) -> str:
    """A cell of a group table (``lead`` None reads "(no lead)")."""
    value = row.get(column)
    if column == "lead" and value is None:
        return _("(no lead)")
    if column in {"account_id", "name", "sector", "lead", "channel", "label"}:
        return NONE if value is None else str(value)
    return figure(value, column_kind(column))


def change(value: float | None, kind: str) -> str:
    """A tile's change against P', signed ("+3.2 pt" for shares)."""
    if value is None:
        return NONE
    sign = "+" if value > 0 else ""
    if kind == "share":
        return f"{sign}{number_format(round(value * 100, 1), 1, force_grouping=True)} pt"
    return f"{sign}{figure(value, kind)}"
