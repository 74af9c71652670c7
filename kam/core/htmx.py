"""One small helper that decides whether a view answers with the whole page or only the
part that htmx asked for (NetBox-style), so each list view has a single code path."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers


def wants_partial(request: HttpRequest) -> bool:
    """True when htmx swaps a fragment in place. A history-restore request (the browser
    went back and htmx had no snapshot) needs the full page, as does a normal visit."""
    htmx = getattr(request, "htmx", None)
    if not htmx:
        return False
    return not htmx.history_restore_request


def render_page_or_partial(
    request: HttpRequest,
    *,
    page_template: str,
    partial_template: str,
    context: Mapping[str, Any],
) -> HttpResponse:
    """Render ``partial_template`` for an htmx request, else ``page_template`` (which
    includes the partial). The response varies on ``HX-Request`` so that a cache never
    serves a fragment as a page or the reverse."""
    template = partial_template if wants_partial(request) else page_template
    response = render(request, template, dict(context))
    patch_vary_headers(response, ("HX-Request",))
    return response
