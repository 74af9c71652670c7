"""The monthly KPI report e-mailed to the directors, through a real SMTP server."""

from __future__ import annotations

import email
import email.policy
import socket
import time
from collections.abc import Iterator
from datetime import date

import pytest
from aiosmtpd.controller import Controller

from kam.cli import main
from kam.kpis.mail import last_complete_month, send_monthly_report
from tests.factories import make_user

pytestmark = pytest.mark.django_db


class Inbox:
    """An aiosmtpd handler keeping every message it receives."""

    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        self.messages.append(
            email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        )
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def smtp(settings) -> Iterator[Inbox]:
    """A real SMTP server on 127.0.0.1 and Django's SMTP backend pointed at it."""
    inbox = Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.DEFAULT_FROM_EMAIL = "kam@example.test"
    try:
        yield inbox
    finally:
        controller.stop()


def _wait_for(inbox: Inbox, count: int) -> None:
    deadline = time.monotonic() + 5
    while len(inbox.messages) < count and time.monotonic() < deadline:
        time.sleep(0.02)


def test_the_last_complete_month():
    period = last_complete_month(date(2026, 3, 15))
    assert (period.date_from, period.date_to) == (date(2026, 2, 1), date(2026, 2, 28))
    january = last_complete_month(date(2026, 1, 1))
    assert (january.date_from, january.date_to) == (date(2025, 12, 1), date(2025, 12, 31))


def test_every_active_director_with_an_email_gets_the_pdf(smtp, kpi_book, director, kam_user):
    # given two directors with an e-mail, one without, one inactive, and a KAM
    director.email = "dora@example.test"
    director.save()
    make_user("director", "dirk", email="dirk@example.test")
    make_user("director", "nomail")
    gone = make_user("director", "gone", email="gone@example.test")
    gone.is_active = False
    gone.save()
    kam_user.email = "kim@example.test"
    kam_user.save()
    # when the monthly report is sent in January 2026 (December 2025 against November)
    sent = send_monthly_report(today=date(2026, 1, 10))
    _wait_for(smtp, 2)
    # then each active director with an address got one message with the PDF attached
    assert sent.recipients == ("dirk@example.test", "dora@example.test")
    assert sorted(rcpt for _, rcpts in smtp.envelopes for rcpt in rcpts) == [
        "dirk@example.test",
        "dora@example.test",
    ]
    message = smtp.messages[0]
    assert message["From"] == "kam@example.test"
    assert message["Subject"] == "KPIs of 2025-12"
    (attachment,) = list(message.iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_filename() == "kpis-2025-12-01-2025-12-31.pdf"
    content = attachment.get_content()
    assert content.startswith(b"%PDF") and len(content) == sent.pdf_bytes
    body = message.get_body(preferencelist=("plain",)).get_content()
    assert "2025-12-01 to 2025-12-31" in body


def test_the_command_sends_and_says_so(smtp, kpi_book, director, capsys):
    director.email = "dora@example.test"
    director.save()
    assert main(["kpis", "send-monthly"]) == 0
    _wait_for(smtp, 1)
    assert "sent to 1 director(s): dora@example.test" in capsys.readouterr().out
    assert len(smtp.messages) == 1


def test_nothing_is_sent_without_a_director_address(smtp, kpi_book, director, capsys):
    assert main(["kpis", "send-monthly"]) == 0
    assert "No active director with an e-mail address" in capsys.readouterr().err
    time.sleep(0.1)
    assert smtp.messages == []
