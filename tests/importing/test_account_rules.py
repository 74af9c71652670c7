"""Validation of accounts files, without a database: fields, groups and cycles."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from kam.importing.account_rules import validate_accounts
from kam.importing.errors import ROW
from kam.importing.readers import RawTable, read_table

NOTHING_STORED = pl.DataFrame(schema={"external_id": pl.String, "parent_id": pl.String})


def table(tmp_path: Path, text: str) -> RawTable:
    path = tmp_path / "comptes.csv"
    path.write_text(text, encoding="utf-8")
    return read_table(path)


def stored(edges: dict[str, str | None]) -> pl.DataFrame:
    return pl.DataFrame(
        {"external_id": list(edges), "parent_id": list(edges.values())},
        schema={"external_id": pl.String, "parent_id": pl.String},
    )


def reasons(checked) -> dict[int | None, str]:  # type: ignore[no-untyped-def]
    return {r["row"]: r["reason"] for r in checked.errors.iter_rows(named=True)}


def test_french_values_are_parsed(tmp_path):
    # given a French file with percentages, lists and French status words
    raw = table(
        tmp_path,
        "Code client;Raison sociale;Pays;Pays d'implantation;Effectif;"
        "Part de marché;Potentiel;Adéquation stratégique;Statut\n"
        'A1;Acme;fr;"de| FR ;it";1 200;12 %;1 000 000,50;4;En sommeil\n'
        "A2;Beta;;;;;;;\n",
    )
    # when validated
    checked = validate_accounts(raw, existing=NOTHING_STORED)
    # then every value has its stored type; empty cells are nulls
    assert checked.errors.height == 0
    first, second = checked.valid.drop(ROW).rows(named=True)
    assert first == {
        "external_id": "A1",
        "name": "Acme",
        "country": "FR",
        "countries_of_operation": ["DE", "FR", "IT"],
        "employees": 1200.0,
        "market_share": 0.12,
        "spend_potential": 1000000.5,
        "strategic_fit": 4.0,
        "status": "dormant",
    }
    assert second["country"] is None and second["countries_of_operation"] is None


def test_out_of_range_and_malformed_values_are_row_errors(tmp_path):
    raw = table(
        tmp_path,
        "external_id,name,country,employees,market_share,strategic_fit,"
        "status,countries_of_operation\n"
        "A1,,FRA,-3,1.5,6,maybe,FR;Germany\n"
        "A2,Ok,FR,12.5,0.1,2.5,active,FR\n",
    )
    checked = validate_accounts(raw, existing=NOTHING_STORED)
    found = {(r["row"], r["column"]): r["reason"] for r in checked.errors.iter_rows(named=True)}
    assert set(found) == {
        (2, "name"),
        (2, "country"),
        (2, "employees"),
        (2, "market_share"),
        (2, "strategic_fit"),
        (2, "status"),
        (2, "countries_of_operation"),
        (3, "employees"),
        (3, "strategic_fit"),
    }
    assert found[(2, "name")] == "missing value"
    assert checked.valid.height == 0


def test_a_parent_defined_later_in_the_file_is_fine(tmp_path):
    raw = table(tmp_path, "external_id,name,parent_id\nSUB,Sub,GRP\nGRP,Group,\n")
    checked = validate_accounts(raw, existing=NOTHING_STORED)
    assert checked.errors.height == 0
    assert checked.valid["parent_id"].to_list() == ["GRP", None]


def test_unknown_parents_and_self_parents_are_row_errors(tmp_path):
    raw = table(tmp_path, "external_id,name,parent_id\nA,a,NOPE\nB,b,B\nC,c,STORED\n")
    checked = validate_accounts(raw, existing=stored({"STORED": None}))
    assert reasons(checked) == {
        2: "unknown parent group (neither in the file nor in kam)",
        3: "an account cannot be its own parent group",
    }


def test_a_cycle_in_the_file_is_an_error_on_each_of_its_rows(tmp_path):
    raw = table(tmp_path, "external_id,name,parent_id\nA,a,B\nB,b,C\nC,c,A\nD,d,A\n")
    checked = validate_accounts(raw, existing=NOTHING_STORED)
    assert reasons(checked) == {
        r: "this parent group would make a cycle of groups" for r in (2, 3, 4)
    }


def test_a_cycle_through_stored_groups_is_an_error(tmp_path):
    # given G stored under S; the file puts S under G
    raw = table(tmp_path, "external_id,name,parent_id\nS,s,G\n")
    checked = validate_accounts(raw, existing=stored({"G": "S", "S": None}))
    assert reasons(checked) == {2: "this parent group would make a cycle of groups"}


def test_skipping_a_rejected_parent_rejects_its_children(tmp_path):
    # given a parent row with a bad value, and its child
    raw = table(tmp_path, "external_id,name,parent_id,strategic_fit\nP,p,,9\nK,k,P,1\nX,x,,1\n")
    # when validated with skip_invalid
    checked = validate_accounts(raw, existing=NOTHING_STORED, skip_invalid=True)
    # then the child cannot point to a parent that will not exist; the rest is kept
    assert reasons(checked) == {
        2: "not a whole number from 1 to 5",
        3: "unknown parent group (its own row in the file was rejected)",
    }
    assert checked.valid["external_id"].to_list() == ["X"]


def test_a_repeated_external_id_names_the_first_row(tmp_path):
    raw = table(tmp_path, "external_id,name\nA,a\nA,again\n")
    checked = validate_accounts(raw, existing=NOTHING_STORED)
    assert reasons(checked) == {3: "the same external id is already on row 2"}


def test_control_characters_are_refused(tmp_path):
    raw = table(tmp_path, 'external_id,name\nA,"bad\x01name"\n')
    checked = validate_accounts(raw, existing=NOTHING_STORED)
    assert reasons(checked) == {2: "contains control characters"}
