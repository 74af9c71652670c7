"""What people type in the scorecard editor's text boxes, read as numbers and
``value=points`` pairs (each error names the item or line at fault), and numbers written
back the way people type them.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from django import forms
from django.utils.translation import gettext_lazy as _

_SEPARATORS = re.compile(r"[;|\s]+|,\s+")


def parse_numbers(text: str) -> list[float]:
    """Numbers typed in one box, separated by spaces, semicolons or bars ("2; 3" or
    "0 50 100"); a decimal comma is accepted ("2,5"). Raises ValidationError naming the
    item that is not a number."""
    numbers: list[float] = []
    for position, item in enumerate(i for i in _SEPARATORS.split(text.strip()) if i):
        try:
            numbers.append(float(Decimal(item.replace(",", "."))))
        except InvalidOperation:
            raise forms.ValidationError(
                _("Item %(position)s (“%(item)s”) is not a number."),
                params={"position": position + 1, "item": item},
            ) from None
    return numbers


def parse_categories(text: str) -> list[tuple[str, float]]:
    """``value=points`` lines (one category per line) as pairs. Raises ValidationError
    naming the line at fault."""
    pairs: list[tuple[str, float]] = []
    seen: set[str] = set()
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        value, sep, points = line.rpartition("=")
        value = value.strip()
        if not sep or not value:
            raise forms.ValidationError(
                _("Line %(line)s: write value=points (got “%(text)s”)."),
                params={"line": number, "text": line},
            )
        try:
            score = float(Decimal(points.strip().replace(",", ".")))
        except InvalidOperation:
            raise forms.ValidationError(
                _("Line %(line)s: “%(points)s” is not a number of points."),
                params={"line": number, "points": points.strip()},
            ) from None
        if value.casefold() in seen:
            raise forms.ValidationError(
                _("Line %(line)s: “%(value)s” is listed twice."),
                params={"line": number, "value": value},
            )
        seen.add(value.casefold())
        pairs.append((value, score))
    return pairs


def plain_decimal(number: float) -> Decimal:
    """A float as the shortest decimal people would type (30.0 → 30, 0.8 × 100 → 80)."""
    return Decimal(format(Decimal(repr(round(number, 6))).normalize(), "f"))


def numbers_text(numbers: tuple[float, ...]) -> str:
    """Numbers as one box of the editor shows them ("2; 3"); :func:`parse_numbers` reads
    them back."""
    return "; ".join(f"{n:g}" for n in numbers)
