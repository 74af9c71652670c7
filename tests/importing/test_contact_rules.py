"""Validation of contacts files, without a database: values in French and English,
row errors naming row and column, bosses and reporting cycles."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
import pytest

from kam.importing.contact_rules import validate_contacts, word_key
from kam.importing.errors import ROW
from kam.importing.readers import RawTable, read_table

TODAY = date(2026, 6, 15)
ACCOUNTS = pl.Series(["A1", "A2"])
HEADER = "account_external_id,external_id,last_name,reports_to_external_id\n"


def stored(*rows: tuple[int, str, str | None, int | None]) -> pl.DataFrame:
    """Stored contacts as (id, account, external id, boss id)."""
    return pl.DataFrame(
        rows,
        schema={
            "id": pl.Int64,
            "account_external_id": pl.String,
            "external_id": pl.String,
            "reports_to_id": pl.Int64,
        },
        orient="row",
    )


NOTHING_STORED = stored()


def table(tmp_path: Path, text: str, name: str = "contacts.csv") -> RawTable:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return read_table(path)


def check(raw: RawTable, existing: pl.DataFrame = NOTHING_STORED, **kwargs: object):  # type: ignore[no-untyped-def]
    return validate_contacts(
        raw,
        accounts=ACCOUNTS,
        existing=existing,
        today=TODAY,
        **kwargs,  # type: ignore[arg-type]
    )


def errors(checked) -> list[tuple[int | None, str | None, str]]:  # type: ignore[no-untyped-def]
    return [(r["row"], r["column"], r["reason"]) for r in checked.errors.iter_rows(named=True)]


def test_a_french_file_is_read_with_french_words(tmp_path):
    # given French headers and French values
    raw = table(
        tmp_path,
        "Code client;Id contact;Prénom;Nom;Fonction;Courriel;Téléphone;Rôle;Influence;"
        "Attitude;Supérieur hiérarchique;Ne pas contacter;Date de départ\n"
        "A1;P1;Élise;Durand;Directrice générale;elise@acme.fr;+33 1 23;Décideur;5;"
        "Favorable;;non;\n"
        "A1;P2;Marc;Petit;Acheteur;marc@acme.fr;;Acheteur économique;4;neutre;P1;OUI;"
        "31/01/2026\n"
        "A1;P3;;Roy;;;;Champion / sponsor;3;Opposant;P2;1;\n",
    )
    # when validated
    checked = check(raw)
    # then every value has its stored type and code
    assert checked.errors.height == 0
    rows = checked.valid.drop(ROW).rows(named=True)
    assert rows[0] == {
        "account_external_id": "A1",
        "external_id": "P1",
        "first_name": "Élise",
        "last_name": "Durand",
        "job_title": "Directrice générale",
        "email": "elise@acme.fr",
        "phone": "+33 1 23",
        "reports_to_external_id": None,
        "buying_role": "decision_maker",
        "attitude": "supporter",
        "do_not_mail": False,
        "influence": 5.0,
        "left_on": None,
    }
    assert [r["buying_role"] for r in rows] == ["decision_maker", "economic_buyer", "champion"]
    assert [r["attitude"] for r in rows] == ["supporter", "neutral", "opponent"]
    assert [r["do_not_mail"] for r in rows] == [False, True, True]
    assert rows[1]["left_on"] == date(2026, 1, 31)
    assert rows[2]["reports_to_external_id"] == "P2"


@pytest.mark.parametrize(
    ("written", "code"),
    [
        ("decision_maker", "decision_maker"),
        ("Decision maker", "decision_maker"),
        ("ECONOMIC-BUYER", "economic_buyer"),
        ("influenceur", "influencer"),
        ("Sponsor", "champion"),
        ("Utilisateur", "user"),
        ("bloqueur", "blocker"),
    ],
)
def test_buying_roles_as_codes_labels_or_french_words(tmp_path, written, code):
    raw = table(
        tmp_path, f"account_external_id,external_id,last_name,buying_role\nA1,P1,X,{written}\n"
    )
    assert check(raw).valid["buying_role"].to_list() == [code]


def test_word_key_ignores_case_accents_and_punctuation():
    assert word_key("  Champion / Sponsor ") == "champion sponsor"
    assert word_key("Décideur") == "decideur"
    assert word_key("economic_buyer") == "economic buyer"


def test_bad_cells_are_row_errors_naming_the_column_as_written(tmp_path):
    # given one bad value per column, with French headers
    raw = table(
        tmp_path,
        "Client,Id contact,Nom,Courriel,Rôle,Influence,Attitude,Ne pas contacter,Date de départ\n"
        "A1,P1,Durand,not-an-email,CEO,7,grumpy,peut-être,hier\n"
        "A9,P2,,a@b.fr,,2.5,,,2026-12-31\n"
        "A1,P3,Roy,,,,,,\n",
    )
    # when validated
    checked = check(raw)
    # then each problem names its row and the column as written in the file
    assert errors(checked) == [
        (2, "Courriel", "not an e-mail address (name@example.com)"),
        (2, "Rôle", errors(checked)[1][2]),
        (2, "Influence", "not a whole number from 1 (little) to 5 (decisive)"),
        (
            2,
            "Attitude",
            "unknown attitude: supporter, neutral or opponent (favorable, neutre, opposant)",
        ),
        (2, "Ne pas contacter", "not yes or no (oui/non, true/false, 1/0)"),
        (2, "Date de départ", "not a date (2024-03-31 or 31/03/2024)"),
        (3, "Client", "unknown account (not in kam)"),
        (3, "Nom", "missing value"),
        (3, "Influence", "not a whole number from 1 (little) to 5 (decisive)"),
        (3, "Date de départ", "a departure date in the future"),
    ]
    assert errors(checked)[1][2].startswith("unknown buying role")
    # and only the clean row is valid
    assert checked.valid["external_id"].to_list() == ["P3"]
    assert checked.rows_rejected == 2


def test_missing_required_columns_reject_the_whole_file(tmp_path):
    raw = table(tmp_path, "Nom,Prénom\nDurand,Élise\n")
    problems = errors(check(raw))
    assert [p[0] for p in problems] == [None, None]
    assert {p[1] for p in problems} == {"account_external_id", "external_id"}


def test_the_same_contact_twice_is_an_error_on_the_later_row(tmp_path):
    raw = table(tmp_path, HEADER + "A1,P1,X,\nA2,P1,Y,\nA1,P1,Z,\n")
    assert errors(check(raw)) == [
        (4, "external_id", "the same contact (account and external id) is already on row 2")
    ]


def test_a_boss_may_come_later_in_the_file_or_be_stored(tmp_path):
    # given P1 reports to P2 (a later row) and P3 to S1 (stored in kam)
    raw = table(tmp_path, HEADER + "A1,P1,X,P2\nA1,P2,Y,\nA1,P3,Z,S1\n")
    existing = stored((10, "A1", "S1", None))
    # then all is fine
    assert check(raw, existing).errors.height == 0


def test_a_boss_of_another_account_or_unknown_is_an_error(tmp_path):
    # given P2 is a contact of A2 only, and nobody is called P9
    raw = table(tmp_path, HEADER + "A2,P2,Y,\nA1,P1,X,P2\nA1,P3,Z,P9\nA1,P4,W,P4\n")
    checked = check(raw, stored((10, "A2", "S1", None)))
    unknown = "unknown boss: no contact of this account has this id, in the file or in kam"
    assert errors(checked) == [
        (3, "reports_to_external_id", unknown),
        (4, "reports_to_external_id", unknown),
        (5, "reports_to_external_id", "a contact cannot report to themselves"),
    ]


def test_a_cycle_in_the_file_is_an_error_on_each_of_its_rows(tmp_path):
    raw = table(tmp_path, HEADER + "A1,P1,X,P2\nA1,P2,Y,P3\nA1,P3,Z,P1\nA1,P4,W,P1\n")
    cycle = "this boss would make a reporting cycle"
    assert errors(check(raw)) == [(r, "reports_to_external_id", cycle) for r in (2, 3, 4)]


def test_a_cycle_closed_through_stored_contacts_is_found(tmp_path):
    # given stored: S1 reports to a contact without external id (#11), who reports to P1
    existing = stored((10, "A1", "S1", 11), (11, "A1", None, 12), (12, "A1", "P1", None))
    # when the file makes P1 report to S1
    raw = table(tmp_path, HEADER + "A1,P1,X,S1\n")
    # then it is a cycle
    assert errors(check(raw, existing)) == [
        (2, "reports_to_external_id", "this boss would make a reporting cycle")
    ]
    # and moving P1 out of the loop in the same file as S1 is fine
    raw = table(tmp_path, HEADER + "A1,P1,X,S1\nA1,S1,Y,\n", name="fixed.csv")
    assert check(raw, existing).errors.height == 0


def test_skip_invalid_rejects_the_reports_of_a_rejected_boss(tmp_path):
    # given P2's row is bad (no last name) and P1 reports to P2
    raw = table(tmp_path, HEADER + "A1,P1,X,P2\nA1,P2,,\nA1,P3,Z,\n")
    # when the valid rows may be stored
    checked = check(raw, skip_invalid=True)
    # then P1 is rejected too, saying why, and P3 is kept
    assert checked.valid["external_id"].to_list() == ["P3"]
    assert errors(checked) == [
        (2, "reports_to_external_id", "unknown boss (their own row in the file was rejected)"),
        (3, "last_name", "missing value"),
    ]


def test_excel_serial_dates_are_read_from_workbooks(tmp_path):
    frame = pl.DataFrame(
        {
            "account_external_id": ["A1"],
            "external_id": ["P1"],
            "last_name": ["X"],
            "left_on": ["46023"],
        }
    )
    path = tmp_path / "contacts.xlsx"
    frame.write_excel(path)
    checked = check(read_table(path))
    assert checked.valid["left_on"].to_list() == [date(2026, 1, 1)]
