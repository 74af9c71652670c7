"""Pages that belong to no single domain: the home page, and the chart library bundle."""

from __future__ import annotations

import gzip
import hashlib
import threading
from dataclasses import dataclass
from functools import cache
from importlib import metadata

import altair as alt
import vl_convert
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.shortcuts import redirect
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_safe

# A year: the bundle's URL carries its version, so a new version is a new URL.
_BUNDLE_MAX_AGE = 365 * 24 * 3600
_bundle_lock = threading.Lock()
# What the bundle hands to the page: the three libraries as globals, for static/kam/kam.js.
_EXPOSE_GLOBALS = "window.vegaEmbed = vegaEmbed; window.vega = vega; window.vegaLite = vegaLite;"


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The landing page is the accounts list."""
    return redirect("accounts:list")


def _vega_lite_version() -> str | None:
    """The Vega-Lite version that matches Altair's schema (e.g. ``6.4`` for v6.4.1), when
    vl-convert ships it; else None for vl-convert's latest."""
    major_minor = ".".join(alt.SCHEMA_VERSION.lstrip("v").split(".")[:2])
    return major_minor if major_minor in vl_convert.get_vegalite_versions() else None


@dataclass(frozen=True)
class ScriptBundle:
    """A script kept in memory, plain and gzipped, with its ETag."""

    code: bytes
    gzipped: bytes
    etag: str


@cache
def _build_vega_bundle() -> ScriptBundle:
    code = vl_convert.javascript_bundle(_EXPOSE_GLOBALS, _vega_lite_version()).encode()
    return ScriptBundle(
        code=code,
        gzipped=gzip.compress(code, compresslevel=9, mtime=0),
        etag='"' + hashlib.sha256(code).hexdigest()[:32] + '"',
    )


def vega_bundle() -> ScriptBundle:
    """vega, vega-lite and vega-embed as one offline script, from the vl-convert-python
    wheel. Built once per process (about a second), then kept in memory; the lock keeps
    concurrent first requests from building it twice."""
    with _bundle_lock:
        return _build_vega_bundle()


def vega_bundle_version() -> str:
    """A cache-busting token for the bundle's URL: the versions that make its content."""
    return f"{metadata.version('vl-convert-python')}-{alt.SCHEMA_VERSION}"


@require_safe
def vega_bundle_view(request: HttpRequest) -> HttpResponse:
    """Serve the chart library. Public (the login page needs no chart, but the code is
    the same for everyone) and cached by browsers for a year."""
    bundle = vega_bundle()
    if request.headers.get("If-None-Match") == bundle.etag:
        response: HttpResponse = HttpResponseNotModified()
    elif "gzip" in request.headers.get("Accept-Encoding", ""):
        response = HttpResponse(bundle.gzipped, content_type="text/javascript; charset=utf-8")
        response["Content-Encoding"] = "gzip"
    else:
        response = HttpResponse(bundle.code, content_type="text/javascript; charset=utf-8")
    response["ETag"] = bundle.etag
    response["Cache-Control"] = f"public, max-age={_BUNDLE_MAX_AGE}, immutable"
    patch_vary_headers(response, ("Accept-Encoding",))
    return response
