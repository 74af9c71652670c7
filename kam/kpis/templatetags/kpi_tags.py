"""Filters of the KPI pages and the PDF report (:mod:`kam.kpis.formatting`)."""

from __future__ import annotations

from typing import Any

from django import template

from kam.kpis import formatting

register = template.Library()


@register.filter
def kpi_figure(value: Any, kind: str) -> str:
    return formatting.figure(value, kind)


@register.filter
def kpi_change(value: float | None, kind: str) -> str:
    return formatting.change(value, kind)


@register.filter
def kpi_cell(row: dict[str, Any], column: str) -> str:
    return formatting.cell(row, column)


@register.filter
def status_class(status: str | None) -> str:
    return formatting.STATUS_CLASSES.get(status or "", "")
