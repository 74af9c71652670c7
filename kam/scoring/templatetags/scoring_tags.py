"""Template tags of the scoring pages: tier, quadrant and feature names in the active
language, raw feature values formatted by their unit, and the "Score" panel of the
account page."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template
from django.contrib.humanize.templatetags.humanize import intcomma
from django.template.context import Context
from django.template.defaultfilters import floatformat
from django.utils.translation import gettext as _

from kam.core.templatetags.kam_ui import as_percent
from kam.domain.features import FEATURES
from kam.domain.tiers import TierRule
from kam.scoring import labels
from kam.scoring.selectors import account_score_history

register = template.Library()

MISSING = "—"


@register.filter
def tier_label(code: str | None) -> str:
    """``{{ score.tier|tier_label }}``: the tier as people read it."""
    return labels.tier_label(code or "")


@register.filter
def quadrant_label(code: str | None) -> str:
    """``{{ score.quadrant|quadrant_label }}``: the portfolio quadrant's name."""
    return labels.quadrant_label(code or "")


@register.filter
def feature_label(name: str | None) -> str:
    """``{{ criterion.feature|feature_label }}``: the feature's name."""
    return labels.feature_label(name or "")


@register.filter
def feature_value(value: Any, feature: str) -> str:
    """``{{ value|feature_value:feature }}``: a raw feature value written the way its
    unit reads (money without decimals, ratios as percentages, counts as integers)."""
    if value is None or value == "":
        return MISSING
    if isinstance(value, str):
        return value
    spec = FEATURES.get(feature)
    unit = spec.unit if spec else ""
    number = float(value)
    if unit == "currency":
        return str(floatformat(Decimal(str(round(number, 2))), "0g"))
    if unit == "ratio":
        return as_percent(number)
    if number.is_integer():
        return str(intcomma(int(number)))
    return str(floatformat(Decimal(str(round(number, 4))), "-2g"))


@register.filter
def points(value: float | None) -> str:
    """Points and scores with one decimal, in the active language."""
    if value is None:
        return MISSING
    return str(floatformat(Decimal(str(round(float(value), 4))), "1g"))


@register.inclusion_tag("scoring/_account_score_panel.html", takes_context=True)
def account_score_panel(context: Context, account: Any) -> dict[str, Any]:
    """The account page's "Score" panel: score, tier, rank and ABC class in the run in
    force, linking to the account's score page. One query (plus the user's portfolio for
    a KAM): the score of the run in force is read together with its run."""
    request = context["request"]
    score = (
        account_score_history(user=request.user, account=account).filter(run__in_force=True).first()
    )
    return {"score": score, "account": account, "request": request}


@register.filter
def normalisation_label(code: str) -> str:
    return str(labels.NORMALISATION_LABELS.get(str(code), code))


@register.filter
def direction_label(code: str) -> str:
    return str(labels.DIRECTION_LABELS.get(str(code), code))


@register.filter
def missing_label(code: str) -> str:
    return str(labels.MISSING_LABELS.get(str(code), code))


@register.filter
def rule_text(rule: TierRule) -> str:
    """A tier rule's conditions in words: "score ≥ 60, class A, top 50"."""
    parts = []
    if rule.min_score is not None:
        parts.append(_("score ≥ %(score)s") % {"score": points(rule.min_score)})
    if rule.abc:
        parts.append(_("class %(classes)s") % {"classes": "/".join(rule.abc)})
    if rule.top_n is not None:
        parts.append(_("top %(n)s") % {"n": intcomma(rule.top_n)})
    return ", ".join(parts) or _("every account")
