"""`kam import contacts`: exit codes, error tables naming row and column, dry run, the
same file twice, JSON and --errors-out."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from kam.accounts.models import Contact
from kam.cli import main
from tests.factories import AccountFactory

pytestmark = pytest.mark.django_db

HEADER = "Code client;Id contact;Prénom;Nom;Rôle;Influence;Attitude;Supérieur;Ne pas contacter\n"


@pytest.fixture(autouse=True)
def account() -> None:
    AccountFactory(external_id="C1")


def contacts_file(folder: Path, body: str, name: str = "contacts.csv") -> str:
    path = folder / name
    path.write_text(HEADER + body, encoding="utf-8")
    return str(path)


def test_a_french_file_is_imported_with_a_summary(tmp_path, capsys):
    path = contacts_file(
        tmp_path,
        "C1;P1;Élise;Durand;Décideur;5;favorable;;non\nC1;P2;Marc;Petit;Sponsor;3;;P1;oui\n",
    )
    assert main(["import", "contacts", path]) == 0
    out = capsys.readouterr().out
    assert "contacts.csv: 2 rows read, 2 stored, 0 rejected" in out and "(2 new, 0 changed)" in out
    petit = Contact.objects.get(external_id="P2")
    assert (petit.buying_role, petit.do_not_mail, petit.reports_to.last_name) == (
        "champion",
        True,
        "Durand",
    )


def test_errors_exit_1_naming_row_and_column_and_store_nothing(tmp_path, capsys):
    path = contacts_file(
        tmp_path, "C1;P1;Élise;Durand;Décideur;5;;;\nC9;P2;Marc;;PDG;8;;P7;peut-être\n"
    )
    errors_out = tmp_path / "errors.csv"
    code = main(["import", "contacts", path, "--errors-out", str(errors_out)])
    out = capsys.readouterr().out
    assert code == 1
    assert "6 error(s) in contacts.csv" in out and "unknown account" in out
    written = pl.read_csv(errors_out, infer_schema=False)
    assert written.select("row", "column").rows() == [
        ("3", "Code client"),
        ("3", "Nom"),
        ("3", "Rôle"),
        ("3", "Influence"),
        ("3", "Supérieur"),
        ("3", "Ne pas contacter"),
    ]
    assert not Contact.objects.exists()


def test_skip_invalid_stores_the_good_rows(tmp_path, capsys):
    path = contacts_file(tmp_path, "C1;P1;Élise;Durand;;;;;\nC1;P2;Marc;;;;;;\n")
    assert main(["import", "contacts", path, "--skip-invalid"]) == 0
    assert "1 stored, 1 rejected" in capsys.readouterr().out
    assert Contact.objects.count() == 1


def test_dry_run_then_import_then_the_same_file_again(tmp_path, capsys):
    path = contacts_file(tmp_path, "C1;P1;Élise;Durand;;;;;\n")
    assert main(["import", "contacts", path, "--dry-run"]) == 0
    assert "(dry run: nothing stored)" in capsys.readouterr().out
    assert not Contact.objects.exists()
    assert main(["import", "contacts", path, "--format", "json"]) == 0
    first = json.loads(capsys.readouterr().out)
    assert first["outcome"] == "committed" and first["created"] == 1
    assert main(["import", "contacts", path]) == 0
    assert (
        f"already imported as batch #{first['batch_id']}; nothing stored" in capsys.readouterr().out
    )
    assert Contact.objects.count() == 1


def test_only_directors_import_contacts(tmp_path, kam_user, director, capsys):
    path = contacts_file(tmp_path, "C1;P1;Élise;Durand;;;;;\n")
    assert main(["import", "contacts", path, "--as", kam_user.username]) == 1
    assert "Only directors may import data." in capsys.readouterr().err
    assert main(["import", "contacts", path, "--as", director.username]) == 0


def test_map_names_a_column_of_another_layout(tmp_path, capsys):
    path = tmp_path / "crm.csv"
    path.write_text("acct,person,surname\nC1,P1,Durand\n", encoding="utf-8")
    args = ["import", "contacts", str(path), "--map", "account_external_id=acct"]
    args += ["--map", "external_id=person"]
    assert main([*args, "--map", "last_name=surname"]) == 0
    assert Contact.objects.get().last_name == "Durand"


def test_help_lists_the_contacts_columns(capsys):
    with pytest.raises(SystemExit):
        main(["import", "contacts", "--help"])
    assert "reports_to_external_id" in capsys.readouterr().out
