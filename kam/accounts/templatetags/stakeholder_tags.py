"""Template tags of the account page's "Stakeholders" section."""

from __future__ import annotations

from typing import Any

from django import template
from django.template.context import Context

from kam.accounts.models import Account

register = template.Library()

INFLUENCE_SCALE = 5


@register.inclusion_tag("accounts/_stakeholder_section.html", takes_context=True)
def stakeholder_section(context: Context, account: Account) -> dict[str, Any]:
    """The section of ``account``'s page: its org chart, coverage gaps and, for those
    who may edit, the add / edit buttons. One query for the contacts, plus the portfolio
    check for a KAM."""
    from kam.accounts.contacts.views import stakeholder_context

    return stakeholder_context(context["request"], account)


@register.filter
def influence_dots(influence: int | None) -> list[bool]:
    """``{% for on in contact.influence|influence_dots %}``: five dots, the first
    ``influence`` of them filled."""
    level = influence or 0
    return [index < level for index in range(INFLUENCE_SCALE)]
