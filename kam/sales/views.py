"""Sales pages: the import upload page (directors) and the import history.

The upload view only moves the file to disk and calls the import services; what is valid
and what gets stored is decided by ``kam.sales.services`` / ``kam.accounts.services``.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods, require_safe

from kam.accounts.services import accounts_import
from kam.core.htmx import render_page_or_partial
from kam.core.roles import can_import, can_view_imports
from kam.importing.report import ImportOutcome, ImportResult
from kam.sales.forms import ImportUploadForm, ImportUploadHandler, StoredUpload
from kam.sales.models import ImportKind
from kam.sales.selectors import import_batch_list
from kam.sales.services import sales_import

PAGE_SIZE = 50
# The page lists the first errors; the batch keeps its own record of them.
MAX_ERRORS_SHOWN = 200


def _run_import(form: ImportUploadForm, upload: StoredUpload, request: HttpRequest) -> ImportResult:
    """Call the import service for the chosen kind with the form's options."""
    options: dict[str, Any] = {
        "path": upload.path,
        "user": request.user,
        "source_name": upload.name,
        "skip_invalid": form.cleaned_data["skip_invalid"],
    }
    if form.cleaned_data["kind"] == ImportKind.SALES:
        return sales_import(**options, replace_period=form.replace_period())
    return accounts_import(**options)


def _errors_not_shown(result: ImportResult | None) -> int:
    """How many of the import's errors the page leaves out (it lists the first ones)."""
    if result is None:
        return 0
    total = max(result.errors_total, len(result.errors))
    return max(0, total - MAX_ERRORS_SHOWN)


def _result_message(request: HttpRequest, result: ImportResult) -> None:
    if result.outcome is ImportOutcome.REJECTED:
        messages.error(request, _("The file was rejected: nothing was stored."))
    elif result.outcome is ImportOutcome.UNCHANGED:
        messages.info(
            request,
            _("This file was already imported (batch #%(batch)s): nothing was stored again.")
            % {"batch": result.already_imported_as},
        )
    elif result.rows_rejected:
        messages.warning(request, _("Imported, with invalid rows skipped: see the list below."))
    else:
        messages.success(request, _("Imported."))


@login_required
@csrf_exempt  # CSRF is checked below, once our upload handler is in place
@require_http_methods(["GET", "HEAD", "POST"])
def import_view(request: HttpRequest) -> HttpResponse:
    """Upload a sales or accounts file and show the outcome. Directors only: others get
    a 403 before a single byte of the body is read."""
    if not can_import(request.user):
        raise PermissionDenied
    handler = ImportUploadHandler(
        request, max_bytes=settings.KAM_UPLOAD_MAX_BYTES, folder=settings.KAM_UPLOAD_DIR
    )
    # Django reads the multipart body with the handlers set before request.POST is first
    # touched, which is why the CSRF check waits until now.
    request.upload_handlers = [handler]
    try:
        return _import_page(request, handler)
    finally:
        handler.cleanup()


@csrf_protect
def _import_page(request: HttpRequest, handler: ImportUploadHandler) -> HttpResponse:
    result: ImportResult | None = None
    if request.method == "POST":
        data, files = request.POST, request.FILES  # parses the body through the handler
        form = ImportUploadForm(data, files, upload_problem=handler.problem)
        if form.is_valid():
            result = _run_import(form, form.cleaned_data["file"], request)
            _result_message(request, result)
    else:
        form = ImportUploadForm()
    context = {
        "form": form,
        "result": result,
        "errors": result.errors[:MAX_ERRORS_SHOWN] if result else [],
        "errors_hidden": _errors_not_shown(result),
        "max_bytes": settings.KAM_UPLOAD_MAX_BYTES,
    }
    status = 400 if request.method == "POST" and not form.is_valid() else 200
    return render(request, "sales/import.html", context, status=status)


@require_safe
@login_required
def batch_list_view(request: HttpRequest) -> HttpResponse:
    """The import history, newest first: directors and analysts."""
    if not can_view_imports(request.user):
        raise PermissionDenied
    batches = import_batch_list(user=request.user).order_by("-created_at", "-id")
    paginator = Paginator(batches, PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    context = {
        "page_obj": page,
        "batches": list(page.object_list),
        "page_range": list(paginator.get_elided_page_range(page.number, on_each_side=2)),
        "target": "#batch-table",
    }
    return render_page_or_partial(
        request,
        page_template="sales/batch_list.html",
        partial_template="sales/_batch_table.html",
        context=context,
    )


@require_safe
@login_required
def batch_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    """One import: its counts, its period and the errors it recorded."""
    if not can_view_imports(request.user):
        raise PermissionDenied
    batch = import_batch_list(user=request.user).filter(pk=pk).first()
    if batch is None:
        raise Http404("No such import.")
    errors = batch.errors if isinstance(batch.errors, list) else []
    return render(request, "sales/batch_detail.html", {"batch": batch, "errors": errors})
