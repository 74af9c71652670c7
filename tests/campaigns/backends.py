"""An e-mail backend that stops the process after its first message, as a crash or a
kill would (a BaseException, which no sending code catches): for the test that the
targets still say who was mailed."""

from __future__ import annotations

from collections.abc import Sequence

from django.core.mail.backends.locmem import EmailBackend as MemoryBackend
from django.core.mail.message import EmailMessage


class ProcessStopped(BaseException):
    """Stands for the process being killed mid-way."""


class StopsAfterOneBackend(MemoryBackend):
    sent = 0

    def send_messages(self, messages: Sequence[EmailMessage]) -> int:
        if StopsAfterOneBackend.sent >= 1:
            raise ProcessStopped
        StopsAfterOneBackend.sent += 1
        return super().send_messages(messages)
