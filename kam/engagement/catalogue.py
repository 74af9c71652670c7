"""The channels kam seeds, their names in every language, and the default cadences.

The data migration ``0002_seed_channels`` stores these channels with their English
names. A seeded channel whose stored name is still its English default is shown in the
reader's language; once someone renames it, the new name is shown as typed (a company
that calls its visits "Tournées terrain" wants to read exactly that).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class SeededChannel:
    code: str
    english_name: str
    name: Promise  # the same name, translated
    kind: str
    unit_cost: Decimal


# Keep the English names identical to the ones in migrations/0002_seed_channels.py.
SEEDED_CHANNELS: tuple[SeededChannel, ...] = (
    SeededChannel("visit", "Visit", _("Visit"), "visit", Decimal("400.00")),
    SeededChannel(
        "mailing", "Mailing with offers", _("Mailing with offers"), "mailing", Decimal("12.00")
    ),
    SeededChannel("emailing", "Emailing", _("Emailing"), "emailing", Decimal("1.50")),
    SeededChannel("social", "Social community", _("Social community"), "social", Decimal("30.00")),
    SeededChannel("phone", "Phone call", _("Phone call"), "phone", Decimal("45.00")),
    SeededChannel("event", "Event", _("Event"), "event", Decimal("250.00")),
    SeededChannel("webinar", "Webinar", _("Webinar"), "webinar", Decimal("60.00")),
)
_BY_CODE = {seeded.code: seeded for seeded in SEEDED_CHANNELS}

# The cadence a channel gets in a suggested plan, by kind: (times, period).
DEFAULT_CADENCE: dict[str, tuple[int, str]] = {
    "visit": (1, "quarter"),
    "mailing": (1, "month"),
    "emailing": (2, "month"),
    "social": (1, "week"),
    "phone": (1, "month"),
    "event": (2, "year"),
    "webinar": (1, "quarter"),
    "other": (1, "month"),
}


def seeded_label(code: str, name: str) -> str | None:
    """The translated default name of a seeded channel that still has that name; None
    for a renamed channel or one created by people."""
    seeded = _BY_CODE.get(code)
    if seeded is None or name != seeded.english_name:
        return None
    return str(seeded.name)


def default_cadence(kind: str) -> tuple[int, str]:
    return DEFAULT_CADENCE.get(kind, DEFAULT_CADENCE["other"])
