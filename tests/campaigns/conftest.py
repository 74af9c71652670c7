"""Fixtures for the campaign tests: a REAL local SMTP server (aiosmtpd on 127.0.0.1, a
free port) that Django's SMTP backend talks to, and key accounts with contacts whose
consent differs."""

from __future__ import annotations

import email
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from email.message import EmailMessage
from email.policy import default as default_policy
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from django.utils import timezone

from kam.accounts.models import Contact
from kam.engagement.campaigns import campaign_create
from kam.engagement.models import Campaign
from tests.engagement.conftest import (  # noqa: F401  (fixtures shared with engagement)
    Portfolio,
    api,
    portfolio,
    scored,
    seeded_channels,
)

REFUSED_DOMAIN = "refused.example"


@dataclass
class Received:
    """One message as the server received it: the envelope and the parsed message."""

    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage

    def part(self, content_type: str) -> str:
        found = self.message.get_body(preferencelist=(content_type.split("/")[1],))
        assert found is not None and found.get_content_type() == content_type
        return str(found.get_content())


@dataclass
class Inbox:
    """The aiosmtpd handler: keeps every message; refuses recipients at
    ``refused.example`` (550), as a real server refuses an unknown mailbox."""

    messages: list[Received] = field(default_factory=list)
    host: str = "127.0.0.1"
    port: int = 0

    async def handle_RCPT(  # noqa: N802 (aiosmtpd's hook name)
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: Any
    ) -> str:
        if address.endswith("@" + REFUSED_DOMAIN):
            return "550 5.1.1 No such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(  # noqa: N802 (aiosmtpd's hook name)
        self, server: Any, session: Any, envelope: Any
    ) -> str:
        parsed = email.message_from_bytes(envelope.original_content, policy=default_policy)
        assert isinstance(parsed, EmailMessage)
        self.messages.append(Received(envelope.mail_from, list(envelope.rcpt_tos), parsed))
        return "250 Message accepted for delivery"

    @property
    def recipients(self) -> list[str]:
        return sorted(r for m in self.messages for r in m.rcpt_tos)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def smtp_server(settings) -> Iterator[Inbox]:
    """A real SMTP server on 127.0.0.1 and Django configured to send through it (the test
    settings use the locmem backend otherwise)."""
    inbox = Inbox(port=_free_port())
    controller = Controller(inbox, hostname=inbox.host, port=inbox.port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = inbox.host
    settings.EMAIL_PORT = inbox.port
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 10
    settings.DEFAULT_FROM_EMAIL = "offers@kam.example"
    try:
        yield inbox
    finally:
        controller.stop()


@dataclass
class Audience:
    """Alpha (kim's, key): Ann mailable, Bob refused mailings, Cid has no e-mail.
    Bravo (otto's, key): Bea mailable, Dan left the company. Charlie is not key."""

    portfolio: Portfolio
    ann: Contact
    bob: Contact
    cid: Contact
    bea: Contact
    dan: Contact


@pytest.fixture
def audience(scored: Portfolio) -> Audience:  # noqa: F811 (the imported fixture)
    p = scored
    Contact.objects.filter(pk=p.ann.pk).update(email="ann@alpha.example")
    Contact.objects.filter(pk=p.bob.pk).update(email="bob@alpha.example", do_not_mail=True)
    Contact.objects.filter(pk=p.bea.pk).update(email="bea@bravo.example")
    cid = Contact.objects.create(
        account=p.alpha, external_id="P4", first_name="Cid", last_name="Vo"
    )
    dan = Contact.objects.create(
        account=p.bravo,
        external_id="P5",
        first_name="Dan",
        last_name="Wu",
        email="dan@bravo.example",
        left_on=timezone.localdate() - timedelta(days=30),
    )
    # Charlie is not key: its contact must never be mailed by a key-account campaign.
    Contact.objects.create(
        account=p.charlie, external_id="P6", last_name="Eve", email="eve@charlie.example"
    )
    for contact in (p.ann, p.bob, p.bea):
        contact.refresh_from_db()
    return Audience(p, p.ann, p.bob, cid, p.bea, dan)


def new_campaign(user: Any = None, **changes: Any) -> Campaign:
    """A draft campaign to the key accounts on the emailing channel."""
    today = timezone.localdate()
    values: dict[str, Any] = {
        "name": "Spring loyalty offer",
        "offer": "Ten percent off every reorder of consumables.",
        "discount_percent": "10",
        "valid_from": today,
        "valid_to": today + timedelta(days=30),
        "channel": "emailing",
        "criteria": {"tiers": ["key"]},
    }
    values.update(changes)
    return campaign_create(user=user, **values)


def day(text: str) -> date:
    return date.fromisoformat(text)
