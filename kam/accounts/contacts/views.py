"""The "Stakeholders" section of the account page and its add / edit / left forms.

With htmx the forms open inside the section and a saved change redraws the section in
place; without JavaScript the same URLs are whole pages that go back to the account
page. Thin: what a user may see and do comes from the contacts selectors and services.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from kam.accounts.contacts.forms import ContactForm
from kam.accounts.contacts.selectors import account_stakeholder_map, contact_list
from kam.accounts.contacts.services import (
    contact_create,
    contact_mark_left,
    contact_update,
    contacts_editable,
)
from kam.accounts.models import Account, Contact
from kam.accounts.selectors import account_get
from kam.core.htmx import wants_partial

SECTION_TEMPLATE = "accounts/_stakeholder_section.html"
FORM_TEMPLATE = "accounts/_contact_form.html"
PAGE_TEMPLATE = "accounts/contact_form.html"
SECTION_ID = "#stakeholders"


def stakeholder_context(request: HttpRequest, account: Account, **extra: Any) -> dict[str, Any]:
    """What the section shows: the map, its gaps, and whether the user may edit."""
    return {
        "account": account,
        "stakeholders": account_stakeholder_map(user=request.user, account=account),
        "can_edit_contacts": contacts_editable(user=request.user, account=account),
        **extra,
    }


def _done(request: HttpRequest, account: Account, notice: str, *, ok: bool = True) -> HttpResponse:
    """After a change: with htmx, the redrawn section (swapped in place of the old one
    whatever the form targeted) saying what happened; without, back to the account page
    with the notice as a message."""
    if not wants_partial(request):
        (messages.success if ok else messages.error)(request, notice)
        return redirect(_account_url(account))
    context = stakeholder_context(request, account, notice=notice, notice_ok=ok)
    response = render(request, SECTION_TEMPLATE, context)
    response["HX-Retarget"] = SECTION_ID
    response["HX-Reswap"] = "outerHTML"
    return response


def _editable_account(request: HttpRequest, external_id: str) -> Account:
    account = account_get(user=request.user, external_id=external_id)
    if not contacts_editable(user=request.user, account=account):
        raise PermissionDenied(_("Only the account's managers and directors may change contacts."))
    return account


def _contact(request: HttpRequest, account: Account, pk: int) -> Contact:
    return get_object_or_404(contact_list(user=request.user, account=account), pk=pk)


def _account_url(account: Account) -> str:
    return reverse("accounts:detail", args=[account.external_id]) + SECTION_ID


def _form_response(
    request: HttpRequest,
    *,
    account: Account,
    form: ContactForm,
    contact: Contact | None,
    status: int = 200,
) -> HttpResponse:
    """The form: alone for htmx (into the section's form slot), else as a page."""
    action = (
        reverse("accounts:contact_edit", args=[account.external_id, contact.pk])
        if contact is not None
        else reverse("accounts:contact_create", args=[account.external_id])
    )
    context = {
        "account": account,
        "form": form,
        "contact": contact,
        "action": action,
        "cancel_url": _account_url(account),
    }
    if wants_partial(request):
        # htmx swaps only successful responses: a refused form still answers 200.
        return render(request, FORM_TEMPLATE, context)
    return render(request, PAGE_TEMPLATE, {**context, "standalone": True}, status=status)


@login_required
@require_safe
def stakeholders_view(request: HttpRequest, external_id: str) -> HttpResponse:
    """The section alone (htmx: redraw it, e.g. when a form is cancelled)."""
    account = account_get(user=request.user, external_id=external_id)
    return render(request, SECTION_TEMPLATE, stakeholder_context(request, account))


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def contact_create_view(request: HttpRequest, external_id: str) -> HttpResponse:
    """Add a contact to the account (its managers and directors only)."""
    account = _editable_account(request, external_id)
    form = ContactForm(request.POST or None, account=account)
    if request.method == "POST" and form.is_valid():
        try:
            contact = contact_create(account=account, user=request.user, values=form.cleaned_data)
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            return _done(request, account, _("%(name)s was added.") % {"name": contact})
    status = 400 if request.method == "POST" else 200
    return _form_response(request, account=account, form=form, contact=None, status=status)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def contact_edit_view(request: HttpRequest, external_id: str, pk: int) -> HttpResponse:
    """Change a contact's profile (its account's managers and directors only)."""
    account = _editable_account(request, external_id)
    contact = _contact(request, account, pk)
    form = ContactForm(request.POST or None, account=account, contact=contact)
    if request.method == "POST" and form.is_valid():
        try:
            contact_update(contact=contact, user=request.user, values=form.cleaned_data)
        except ValidationError as error:
            form.add_service_errors(error)
            contact.refresh_from_db()
        else:
            return _done(request, account, _("%(name)s was saved.") % {"name": contact})
    status = 400 if request.method == "POST" else 200
    return _form_response(request, account=account, form=form, contact=contact, status=status)


@login_required
@require_POST
def contact_left_view(request: HttpRequest, external_id: str, pk: int) -> HttpResponse:
    """Record that the contact left the company today."""
    account = _editable_account(request, external_id)
    contact = _contact(request, account, pk)
    try:
        contact_mark_left(contact=contact, user=request.user)
    except ValidationError as error:
        return _done(request, account, " ".join(error.messages), ok=False)
    return _done(request, account, _("%(name)s is marked as having left.") % {"name": contact})
