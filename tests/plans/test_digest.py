"""The weekly digest, sent through a REAL local SMTP server (aiosmtpd), and the
`kam alerts` commands."""

from __future__ import annotations

import email
import socket
from collections.abc import Iterator
from email.message import Message

import pytest
from aiosmtpd.controller import Controller

from kam.cli import main
from kam.plans.models import Alert
from kam.plans.services import alert_acknowledge, alerts_digest_send, alerts_refresh
from tests.plans.conftest import AS_OF


class Inbox:
    """The aiosmtpd handler: keeps every message received."""

    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.recipients: list[list[str]] = []

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]  # noqa: N802
        self.messages.append(email.message_from_bytes(envelope.content))
        self.recipients.append(list(envelope.rcpt_tos))
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def smtp(settings) -> Iterator[Inbox]:
    inbox = Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.KAM_BASE_URL = "https://kam.example.com"
    try:
        yield inbox
    finally:
        controller.stop()


def _body(message: Message) -> str:
    payload = message.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return payload.decode(message.get_content_charset() or "utf-8")


def test_one_digest_per_manager_with_links_to_the_accounts(book, smtp):
    alerts_refresh(as_of=AS_OF)
    result = alerts_digest_send(as_of=AS_OF)
    assert result.sent == 2 and result.alerts == 5
    assert sorted(r[0] for r in smtp.recipients) == ["kim@example.com", "otto@example.com"]
    kim = next(
        m for m, r in zip(smtp.messages, smtp.recipients, strict=True) if r == ["kim@example.com"]
    )
    body = _body(kim)
    assert "3 open alert(s)" in kim["Subject"]
    assert "Alpha (A)" in body and "Bravo" not in body
    assert "https://kam.example.com/accounts/A/#alerts" in body
    assert "fell by 50.0 %" in body


def test_acknowledged_alerts_leave_the_digest(book, smtp):
    alerts_refresh(as_of=AS_OF)
    for alert in Alert.objects.filter(account=book.bravo):
        alert_acknowledge(alert=alert, user=book.otto, note="seen")
    result = alerts_digest_send(as_of=AS_OF)
    assert result.sent == 1 and [r for r in smtp.recipients] == [["kim@example.com"]]


def test_the_commands_refresh_and_send(book, smtp, capsys):
    assert main(["alerts", "refresh", "--as-of", AS_OF.isoformat()]) == 0
    assert "2 key account(s): 5 alert(s) opened, 0 closed" in capsys.readouterr().out
    assert main(["alerts", "refresh", "--as-of", AS_OF.isoformat()]) == 0
    assert "0 alert(s) opened, 0 closed, 5 still open" in capsys.readouterr().out
    assert main(["alerts", "digest", "--as-of", AS_OF.isoformat()]) == 0
    assert "2 digest e-mail(s) sent, 5 alert(s) listed" in capsys.readouterr().out
    assert len(smtp.messages) == 2
    assert main(["alerts", "list", "--as", "kim"]) == 0
    listed = capsys.readouterr().out
    assert "revenue_drop" in listed and "B " not in listed
    with pytest.raises(SystemExit) as exited:
        main(["alerts", "refresh", "--as-of", "tomorrow"])
    assert exited.value.code == 2
    assert "expected a date" in capsys.readouterr().err


def test_an_unreachable_server_fails_the_command_cleanly(book, settings, capsys):
    alerts_refresh(as_of=AS_OF)
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = _free_port()  # nobody listens
    settings.EMAIL_TIMEOUT = 2
    assert main(["alerts", "digest"]) == 1
    assert "could not send the digest" in capsys.readouterr().err
