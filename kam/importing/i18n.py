"""Translation of import messages without making the importing package need Django.

The reasons of row errors are shown on the (English and French) upload page, so they are
marked with ``_`` for ``makemessages``; they are translated into the active language when
Django is configured, and stay in English when the package is used on its own.
"""

from __future__ import annotations


def _(message: str) -> str:
    """``message`` in the active language (English without Django)."""
    try:
        from django.conf import settings

        if not settings.configured:
            return message
        from django.utils.translation import gettext

        return gettext(message)
    except ImportError:  # pragma: no cover - Django is a dependency of kam
        return message
