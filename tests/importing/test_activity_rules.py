"""Validation of activities files, without a database: row errors name row, column,
value and reason; valid rows come back with the ids they refer to."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl

from kam.importing.activity_rules import validate_activities
from kam.importing.errors import ROW
from kam.importing.readers import RawTable, read_table

TODAY = date(2025, 6, 30)
ACCOUNTS = pl.DataFrame({"external_id": ["C1", "C2"], "account_id": [11, 12]})
CHANNELS = pl.DataFrame(
    {
        "key": ["visit", "emailing", "visite", "mailing with offers"],
        "channel_id": [1, 2, 1, 3],
        "unit_cost": [400.0, 1.5, 400.0, 12.0],
    }
)
CONTACTS = pl.DataFrame(
    {"account_id": [11, 11, 12], "external_id": ["P1", "P2", "P3"], "contact_id": [101, 102, 103]}
)
HEADER = (
    "Identifiant;Client;Canal;Date;Objet;Résultat;Coût;Montant commande;N° commande;"
    "Interlocuteurs\n"
)


def table(tmp_path: Path, body: str, header: str = HEADER) -> RawTable:
    path = tmp_path / "actions.csv"
    path.write_text(header + body, encoding="utf-8")
    return read_table(path)


def check(raw: RawTable, **kwargs):  # type: ignore[no-untyped-def]
    return validate_activities(
        raw,
        known_accounts=ACCOUNTS,
        known_channels=CHANNELS,
        known_contacts=CONTACTS,
        today=TODAY,
        **kwargs,
    )


def errors_of(checked) -> list[tuple]:  # type: ignore[no-untyped-def]
    return [tuple(r.values()) for r in checked.errors.iter_rows(named=True)]


def test_a_clean_french_file_comes_back_with_ids(tmp_path):
    # given a French export: channel by name in French, outcome words in French
    raw = table(
        tmp_path,
        "A1;C1;Visite;31/03/2025;Revue annuelle;Commande;450,50;12 000;CMD-9;P1 | P2\n"
        "A2;C2;emailing;2025-04-01;;;;;;\n",
    )
    # when validated
    checked = check(raw)
    # then no error; ids resolved, costs defaulted to the channel's, outcomes mapped
    assert checked.errors.height == 0
    assert checked.valid.drop(ROW).rows(named=True) == [
        {
            "external_id": "A1",
            "account_id": 11,
            "channel_id": 1,
            "occurred_on": date(2025, 3, 31),
            "subject": "Revue annuelle",
            "outcome": "order",
            "cost": 450.5,
            "order_amount": 12000.0,
            "order_reference": "CMD-9",
            "contact_ids": [101, 102],
        },
        {
            "external_id": "A2",
            "account_id": 12,
            "channel_id": 2,
            "occurred_on": date(2025, 4, 1),
            "subject": "",
            "outcome": "none",
            "cost": 1.5,
            "order_amount": None,
            "order_reference": "",
            "contact_ids": [],
        },
    ]


def test_only_the_required_columns_are_needed(tmp_path):
    raw = table(tmp_path, "A1,C1,visit,2025-01-02\n", header="external_id,account,channel,date\n")
    checked = check(raw)
    assert checked.errors.height == 0
    assert checked.valid.select("outcome", "cost", "contact_ids").row(0) == ("none", 400.0, [])


def test_each_problem_is_reported_with_row_column_value_and_reason(tmp_path):
    raw = table(
        tmp_path,
        "\n".join(
            [
                "A1;C1;visit;2025-03-31;;reply;;;;",  # row 2: fine
                "A2;C9;visit;2025-03-31;;;;;;",  # row 3: unknown account
                "A3;C1;fax;2025-03-31;;;;;;",  # row 4: unknown channel
                "A4;C1;visit;31/02/2025;;;;;;",  # row 5: no such date
                "A5;C1;visit;2025-07-01;;;;;;",  # row 6: in the future
                "A6;C1;visit;2025-03-31;;peut-être;;;;",  # row 7: unknown outcome
                "A7;C1;visit;2025-03-31;;;-3;;;",  # row 8: negative cost
                "A8;C1;visit;2025-03-31;;reply;;500;;",  # row 9: amount without order
                "A9;C1;visit;2025-03-31;;;;;;P3",  # row 10: P3 is C2's contact
                "A1;C1;visit;2025-03-31;;;;;;",  # row 11: external id again
                ";C1;visit;2025-03-31;;;;;;",  # row 12: no external id
                "A12;C1;visit;2025-03-31;;order;;abc;;",  # row 13: amount not a number
            ]
        ),
    )
    checked = check(raw)
    assert errors_of(checked) == [
        (3, "Client", "C9", "unknown account (import it with the accounts first)"),
        (
            4,
            "Canal",
            "fax",
            "unknown channel: use the code or the name of a channel of the catalogue",
        ),
        (5, "Date", "31/02/2025", "not a date (expected e.g. 2024-03-31 or 31/03/2024)"),
        (6, "Date", "2025-07-01", "date in the future"),
        (
            7,
            "Résultat",
            "peut-être",
            "unknown outcome: none, reply, meeting, order or lost (aucune, réponse, "
            "rendez-vous, commande, perdu)",
        ),
        (8, "Coût", "-3", "not a positive amount"),
        (9, "Montant commande", "500", "an order amount needs the outcome “order”"),
        (10, "Interlocuteurs", "P3", "not a contact of this account: P3"),
        (11, "Identifiant", "A1", "the same external id is already on row 2"),
        (12, "Identifiant", None, "missing value"),
        (13, "Montant commande", "abc", "not a number"),
    ]
    assert checked.valid[ROW].to_list() == [2]
    assert checked.rows_rejected == 11


def test_a_missing_required_column_is_a_file_error(tmp_path):
    raw = table(tmp_path, "A1,C1,2025-01-02\n", header="external_id,account,date\n")
    checked = check(raw)
    assert checked.valid.height == 0
    (error,) = errors_of(checked)
    assert error[0] is None and error[1] == "channel"
    assert error[3].startswith("missing required column channel")


def test_english_headers_and_mapped_columns(tmp_path):
    raw = table(
        tmp_path,
        "X1,C2,Mailing with offers,2025-05-05,meeting,P3\n",
        header="Activity ID,Customer,Medium,Activity date,Outcome,Contacts\n",
    )
    checked = check(raw, column_map={"channel": "Medium"})
    assert checked.errors.height == 0
    assert checked.valid.select("channel_id", "outcome", "cost", "contact_ids").row(0) == (
        3,
        "meeting",
        12.0,
        [103],
    )
