"""Account pages (to be written)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse


@login_required
def account_list_view(request: HttpRequest) -> HttpResponse:
    return HttpResponse("accounts")
