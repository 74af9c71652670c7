"""Template tags of the kam layout: sortable column headers and the chart script URL."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template
from django.http import QueryDict
from django.template.context import Context
from django.template.defaultfilters import floatformat
from django.urls import reverse

register = template.Library()


def _ordering(query: QueryDict) -> str:
    return query.get("ordering", "").strip()


@register.inclusion_tag("partials/sort_header.html", takes_context=True)
def sort_header(context: Context, field: str, label: str, target: str = "") -> dict[str, Any]:
    """A column header that sorts the list by ``field``; a second click reverses the
    order. Filters are kept, the page number is dropped (page 1 of the new order)."""
    request = context["request"]
    current = _ordering(request.GET)
    if current == field:
        direction, next_ordering = "ascending", f"-{field}"
    elif current == f"-{field}":
        direction, next_ordering = "descending", field
    else:
        direction, next_ordering = "none", field
    query = request.GET.copy()
    query.pop("page", None)
    query["ordering"] = next_ordering
    return {
        "label": label,
        "direction": direction,
        "url": f"{request.path}?{query.urlencode()}",
        "target": target,
    }


@register.simple_tag
def vega_bundle_url() -> str:
    """The URL of the offline chart library, versioned so browsers may cache it forever."""
    from kam.core.views import vega_bundle_version

    return f"{reverse('core:vega_bundle')}?v={vega_bundle_version()}"


@register.filter
def signed_class(value: float | int | None) -> str:
    """A CSS class for a change: ``up``, ``down`` or ``flat``."""
    if value is None or value == 0:
        return "flat"
    return "up" if value > 0 else "down"


@register.filter
def as_percent(value: float | Decimal | None, digits: int = 1) -> str:
    """A share from 0 to 1 shown as a percentage in the active language (0.125 → 12.5 %)."""
    if value is None or value == "":
        return ""
    return f"{floatformat(Decimal(str(value)) * 100, digits)} %"
