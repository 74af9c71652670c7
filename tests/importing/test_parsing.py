"""Vectorised parsing of numbers and dates as people write them."""

from __future__ import annotations

import math
from datetime import date

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from kam.importing.parsing import clean_text, parse_date, parse_fraction, parse_number


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("1234.50", 1234.5),
        ("1234,50", 1234.5),
        ("1 234,50", 1234.5),
        ("1\u202f234,50", 1234.5),
        ("1\u00a0234,50", 1234.5),
        ("1.234,50", 1234.5),
        ("1,234.50", 1234.5),
        ("1.234.567", 1234567.0),
        ("1,234,567", 1234567.0),
        ("-12", -12.0),
        (" 12 ", 12.0),
        ("1e3", 1000.0),
        ("12,5 €", 12.5),
        (",5", 0.5),
        ("1,234", 1.234),  # a lone comma is a decimal mark (French default)
        ("abc", None),
        ("12-", None),
        ("1,2,3.4.5", None),
        (None, None),
    ],
)
def test_numbers_in_french_and_english_notation(text, number):
    assert parse_number(pl.Series([text], dtype=pl.String)).to_list() == [number]


@given(st.floats(min_value=-1e9, max_value=1e9, allow_nan=False).map(lambda x: round(x, 2)))
def test_a_french_decimal_comma_reads_as_the_same_number(value):
    french = f"{value:.2f}".replace(".", ",")
    assert parse_number(pl.Series([french])).to_list() == [pytest.approx(value)]


def test_infinity_is_kept_for_the_validator_to_refuse():
    assert math.isinf(parse_number(pl.Series(["inf"]))[0])


def test_fractions_accept_percentages():
    values = parse_fraction(pl.Series(["0.12", "12 %", "12,5%", "x", None])).to_list()
    assert values[:3] == [0.12, 0.12, pytest.approx(0.125)]
    assert values[3:] == [None, None]


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("2024-03-31", date(2024, 3, 31)),
        ("31/03/2024", date(2024, 3, 31)),
        ("1/3/2024", date(2024, 3, 1)),
        ("31.03.2024", date(2024, 3, 31)),
        ("31-03-2024", date(2024, 3, 31)),
        ("2024/03/31", date(2024, 3, 31)),
        ("2024-03-31 00:00:00", date(2024, 3, 31)),
        ("2024-03-31T10:11:12Z", date(2024, 3, 31)),
        (" 2024-03-31 ", date(2024, 3, 31)),
        ("2024-02-30", None),
        ("31/13/2024", None),
        ("45382", None),
        ("soon", None),
    ],
)
def test_dates_iso_and_day_first(text, day):
    assert parse_date(pl.Series([text])).to_list() == [day]


def test_excel_serial_dates_only_when_asked():
    assert parse_date(pl.Series(["45382"]), excel_serials=True).to_list() == [date(2024, 3, 31)]


def test_a_forced_date_format_reads_that_format_only():
    dates = parse_date(pl.Series(["03/31/2024", "2024-03-31"]), date_format="%m/%d/%Y")
    assert dates.to_list() == [date(2024, 3, 31), None]


def test_blank_text_is_null():
    assert clean_text(pl.Series([" a ", "", "   ", None])).to_list() == ["a", None, None, None]
