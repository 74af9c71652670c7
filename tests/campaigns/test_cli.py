"""`kam campaign ...`, run in-process, sending through the real SMTP server."""

from __future__ import annotations

import json
from datetime import timedelta

from django.utils import timezone
from openpyxl import load_workbook

from kam.cli import main
from kam.engagement.models import Campaign, CampaignTarget
from tests.campaigns.conftest import Audience, Inbox


def _create(*extra: str) -> int:
    today = timezone.localdate()
    return main(
        [
            "campaign",
            "create",
            "--name",
            "Winter offer",
            "--offer",
            "Two for one on filters.",
            "--discount",
            "15",
            "--from",
            today.isoformat(),
            "--to",
            (today + timedelta(days=10)).isoformat(),
            "--channel",
            "emailing",
            *extra,
        ]
    )


def test_create_preview_send_export_results(
    capsys, audience: Audience, marketing, smtp_server: Inbox, tmp_path
):
    assert _create("--as", marketing.username) == 0
    assert "created (draft)" in capsys.readouterr().out
    pk = Campaign.objects.get().pk

    assert main(["campaign", "preview", str(pk)]) == 0
    out = capsys.readouterr().out
    assert "2 account(s), 2 e-mail(s) to send, 3 contact(s) skipped" in out
    assert "1 without consent" in out and "skipped_no_consent" in out

    assert main(["campaign", "send", str(pk), "--as", marketing.username]) == 0
    assert "2 e-mail(s) to 2 account(s), 0 failed, 3 contact(s) skipped" in (
        capsys.readouterr().out
    )
    assert smtp_server.recipients == ["ann@alpha.example", "bea@bravo.example"]
    assert main(["campaign", "send", str(pk)]) == 1
    assert "status: The campaign was already sent" in capsys.readouterr().err

    target = tmp_path / "targets.xlsx"
    assert main(["campaign", "export", str(pk), "--format", "xlsx", "-o", str(target)]) == 0
    assert "2 contact(s) exported; 3 skipped" in capsys.readouterr().err
    assert load_workbook(target)["targets"].max_row == 3
    assert main(["campaign", "export", str(pk), "-o", "-"]) == 0
    assert "ann@alpha.example" in capsys.readouterr().out

    assert main(["campaign", "respond", str(pk), "ann@alpha.example", "order"]) == 0
    capsys.readouterr()
    assert CampaignTarget.objects.get(contact=audience.ann).responded
    assert main(["campaign", "results", str(pk), "--days", "30", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert (data["sent"], data["responded"], data["outcomes"]["order"]) == (2, 1, 1)
    assert main(["campaign", "results", str(pk)]) == 0
    assert "responses: 1 of 2 e-mails (50%)" in capsys.readouterr().out

    assert main(["campaign", "list", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["status"] == "sent"


def test_refusals_name_the_field_and_exit_1(capsys, audience: Audience, kam_user):
    assert _create("--discount", "101") == 1
    assert "discount_percent:" in capsys.readouterr().err
    assert _create("--kam", "ghost") == 1
    assert "kams: Unknown user: ghost." in capsys.readouterr().err
    assert _create("--as", kam_user.username) == 1
    assert "Only marketing and directors" in capsys.readouterr().err
    assert main(["campaign", "preview", "999"]) == 1
    assert "no campaign 999" in capsys.readouterr().err
    assert Campaign.objects.count() == 0
