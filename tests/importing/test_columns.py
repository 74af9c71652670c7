"""Header aliases, --map and the problems of a header that does not fit."""

from __future__ import annotations

import pytest

from kam.importing.columns import (
    ACCOUNT_COLUMNS,
    SALES_COLUMNS,
    match_columns,
    normalise_header,
)


@pytest.mark.parametrize(
    ("header", "canonical"),
    [
        ("Client", "account_id"),
        ("Code client", "account_id"),
        ("Customer ID", "account_id"),
        ("Account", "account_id"),
        ("N° commande", "order_id"),
        ("Nº Commande", "order_id"),
        ("Commande", "order_id"),
        ("Order", "order_id"),
        ("Order number", "order_id"),
        ("Date", "order_date"),
        ("Date de commande", "order_date"),
        ("ORDER_DATE", "order_date"),
        ("Produit", "product"),
        ("Article", "product"),
        ("SKU", "product"),
        ("Catégorie", "category"),
        ("Quantité", "quantity"),
        ("Qté", "quantity"),
        ("Qty", "quantity"),
        ("Montant HT", "amount"),
        ("CA", "amount"),
        ("Chiffre d'affaires", "amount"),
        ("Revenue", "amount"),
        ("Sales", "amount"),
        ("  montant  ", "amount"),
        ("Marge", "margin"),
        ("Margin", "margin"),
    ],
)
def test_sales_headers_in_french_and_english(header, canonical):
    match = match_columns([header], SALES_COLUMNS)
    assert match.sources.get(canonical) == header


@pytest.mark.parametrize(
    ("header", "canonical"),
    [
        ("Raison sociale", "name"),
        ("Nom", "name"),
        ("Secteur", "sector"),
        ("Pays", "country"),
        ("Effectif", "employees"),
        ("Part de marché", "market_share"),
        ("Groupe", "parent_id"),
        ("Maison mère", "parent_id"),
        ("Statut", "status"),
        ("Pays d'implantation", "countries_of_operation"),
        ("Code client", "external_id"),
    ],
)
def test_account_headers_in_french_and_english(header, canonical):
    assert match_columns([header], ACCOUNT_COLUMNS).sources.get(canonical) == header


def test_normalisation_ignores_case_accents_spaces_and_punctuation():
    assert normalise_header(" Quantité commandée ") == normalise_header("QUANTITE_COMMANDEE")


def test_a_complete_french_header_matches_every_column():
    match = match_columns(
        ["Client", "N° commande", "Date", "Produit", "Quantité", "Montant HT", "Marge"],
        SALES_COLUMNS,
    )
    assert match.problems == ()
    assert set(match.sources) == {
        "account_id",
        "order_id",
        "order_date",
        "product",
        "quantity",
        "amount",
        "margin",
    }


def test_two_columns_meaning_the_same_thing_are_ambiguous_and_both_named():
    match = match_columns(
        ["Client", "Customer ID", "Commande", "Date", "Produit", "Qté", "Montant"],
        SALES_COLUMNS,
    )
    assert len(match.problems) == 1
    _column, reason = match.problems[0]
    assert '"Client" (column 1)' in reason and '"Customer ID" (column 2)' in reason
    assert "account_id" in reason


def test_a_repeated_header_is_ambiguous_too():
    # Polars renames the second "Montant" of a CSV to "Montant_duplicated_0"
    match = match_columns(["Montant", "Montant_duplicated_0"], SALES_COLUMNS)
    reasons = " ".join(r for _, r in match.problems)
    assert '"Montant" (column 1) and "Montant" (column 2)' in reasons


def test_missing_required_columns_are_each_named():
    match = match_columns(["Client", "Montant"], SALES_COLUMNS)
    missing = {c for c, r in match.problems if r.startswith("missing required column")}
    assert missing == {"order_id", "order_date", "product", "quantity"}


def test_map_names_columns_of_another_layout_and_wins_over_aliases():
    # given a layout whose headers are not aliases, and a "Date" that is not the order date
    columns = ["Cust", "Doc", "Date", "Booked", "Item", "Units", "Net"]
    mapping = {
        "account_id": "Cust",
        "order_id": "Doc",
        "order_date": "Booked",
        "product": "Item",
        "quantity": "Units",
        "amount": "Net",
    }
    # when it is matched with --map
    match = match_columns(columns, SALES_COLUMNS, mapping)
    # then the map decides, and the alias "Date" is not taken as a second order date
    assert match.problems == ()
    assert match.sources["order_date"] == "Booked"


def test_map_errors_name_the_unknown_column():
    match = match_columns(["a"], SALES_COLUMNS, {"amont": "a", "amount": "nope"})
    reasons = [r for _, r in match.problems]
    assert any('unknown column "amont"' in r for r in reasons)
    assert any('no column "nope"' in r for r in reasons)


def test_a_category_column_serves_as_product_when_there_is_no_product():
    match = match_columns(["Client", "Commande", "Date", "Catégorie", "Qté", "CA"], SALES_COLUMNS)
    assert match.problems == ()
    assert match.sources["product"] == match.sources["category"] == "Catégorie"
