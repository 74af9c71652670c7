"""Validation of an accounts file (master data), vectorised with Polars.

The rules mirror the Account model's validators (lengths, ranges, choices, two-letter
country codes, no cycle of groups) so that a bulk upsert can skip the per-row
``full_clean()`` and its per-row queries. A parent may be defined later in the same
file; a parent neither in the file nor in kam, or a parent that closes a cycle (in the
file or with the groups already stored), is a row error.
"""

from __future__ import annotations

import polars as pl

from kam.importing.columns import ACCOUNT_COLUMNS
from kam.importing.errors import ROW, combine, in_file_order, no_errors, row_errors
from kam.importing.hierarchy import cycle_members
from kam.importing.i18n import _
from kam.importing.parsing import clean_text, parse_fraction, parse_number
from kam.importing.readers import RawTable
from kam.importing.validation import (
    Checked,
    Rule,
    apply_rules,
    blank,
    canonical_text,
    file_headers,
    later_duplicates,
    raw,
    with_raw,
    without_rows,
)

TEXT_COLUMNS = ("external_id", "name", "parent_id", "sector", "country")
MAX_LENGTHS = {"external_id": 64, "name": 200, "parent_id": 64, "sector": 100}
MAX_EMPLOYEES = 2_147_483_647  # PositiveIntegerField
MAX_SPEND = 1e14  # DecimalField(max_digits=16, decimal_places=2)
# NUL and other control characters cannot be stored by PostgreSQL or shown safely.
CONTROL_CHARACTERS = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]"

# Status words people write, in English and French, lowercased.
STATUS_WORDS: dict[str, str] = {
    "active": "active",
    "actif": "active",
    "active client": "active",
    "client": "active",
    "prospect": "prospect",
    "prospection": "prospect",
    "dormant": "dormant",
    "inactive": "dormant",
    "inactif": "dormant",
    "en sommeil": "dormant",
    "sommeil": "dormant",
    "dormante": "dormant",
    "closed": "closed",
    "ferme": "closed",
    "fermé": "closed",
    "clos": "closed",
    "cloture": "closed",
    "clôturé": "closed",
    "lost": "closed",
    "perdu": "closed",
}


def validate_accounts(
    raw_table: RawTable,
    *,
    existing: pl.DataFrame,
    column_map: dict[str, str] | None = None,
    skip_invalid: bool = False,
) -> Checked:
    """Check every row of an accounts file. ``existing`` holds the accounts already in
    kam (``external_id``, ``parent_id`` as the parent's external id). The valid rows come
    back typed, with the canonical names of the columns the file has (``headers``)."""
    canonical = canonical_text(raw_table, ACCOUNT_COLUMNS, column_map)
    if isinstance(canonical, Checked):
        return canonical
    text, headers = canonical.text, canonical.match.headers
    parsed = _parse(text)
    work = with_raw(parsed, text)
    errors = combine(
        [
            apply_rules(work, _rules(work.columns), headers),
            later_duplicates(
                work,
                ["external_id"],
                column="external_id",
                headers=headers,
                reason=_("the same external id is already on row %(row)s"),
            ),
        ]
    )
    if "parent_id" in parsed.columns:
        errors = _with_group_errors(work, errors, existing, headers, skip_invalid=skip_invalid)
    return Checked(
        valid=without_rows(parsed, errors),
        errors=in_file_order(errors, file_headers(raw_table)),
        rows_read=text.height,
        headers=headers,
    )


def _parse(text: pl.DataFrame) -> pl.DataFrame:
    columns: dict[str, pl.Series] = {ROW: text[ROW]}
    for name in TEXT_COLUMNS:
        if name in text.columns:
            columns[name] = clean_text(text[name])
    if "country" in columns:
        columns["country"] = columns["country"].str.to_uppercase()
    if "countries_of_operation" in text.columns:
        columns["countries_of_operation"] = (
            pl.DataFrame({"c": clean_text(text["countries_of_operation"])})
            .select(
                pl.col("c")
                .str.to_uppercase()
                .str.replace_all(r"[;|]", ",")
                .str.split(",")
                .list.eval(pl.element().str.strip_chars().filter(pl.element().str.len_bytes() > 0))
                .list.unique()
                .list.sort()
            )
            .to_series()
        )
    for name in ("employees", "spend_potential", "strategic_fit"):
        if name in text.columns:
            columns[name] = parse_number(text[name])
    if "market_share" in text.columns:
        columns["market_share"] = parse_fraction(text["market_share"])
    if "status" in text.columns:
        columns["status"] = (
            clean_text(text["status"])
            .str.to_lowercase()
            .replace_strict(STATUS_WORDS, default=None, return_dtype=pl.String)
        )
    return pl.DataFrame(columns)


def _rules(columns: list[str]) -> list[Rule]:
    def has(name: str) -> bool:
        return name in columns

    rules = [
        Rule(name, pl.col(name).is_null(), _("missing value")) for name in ("external_id", "name")
    ]
    for name, limit in MAX_LENGTHS.items():
        if has(name):
            rules.append(
                Rule(
                    name,
                    pl.col(name).str.len_chars() > limit,
                    _("longer than %(max)s characters") % {"max": limit},
                )
            )
    for name in ("external_id", "name", "parent_id", "sector"):
        if has(name):
            rules.append(
                Rule(
                    name,
                    pl.col(name).str.contains(CONTROL_CHARACTERS),
                    _("contains control characters"),
                )
            )
    if has("parent_id"):
        rules.append(
            Rule(
                "parent_id",
                pl.col("parent_id") == pl.col("external_id"),
                _("an account cannot be its own parent group"),
            )
        )
    if has("country"):
        rules.append(
            Rule(
                "country",
                ~pl.col("country").str.contains(r"^[A-Z]{2}$"),
                _("not a two-letter country code (ISO 3166, e.g. FR)"),
            )
        )
    if has("countries_of_operation"):
        rules.append(
            Rule(
                "countries_of_operation",
                ~pl.col("countries_of_operation")
                .list.eval(pl.element().str.contains(r"^[A-Z]{2}$"))
                .list.all(),
                _("not a list of two-letter country codes separated by , ; or | (e.g. FR, DE)"),
            )
        )
    numbers = {
        "employees": (pl.col("employees") < 0)
        | (pl.col("employees") > MAX_EMPLOYEES)
        | ~is_whole_expr("employees"),
        "market_share": ~pl.col("market_share").is_between(0, 1),
        "spend_potential": (pl.col("spend_potential") < 0)
        | (pl.col("spend_potential") >= MAX_SPEND),
        "strategic_fit": ~pl.col("strategic_fit").is_between(1, 5)
        | ~is_whole_expr("strategic_fit"),
    }
    reasons = {
        "employees": _("not a whole number of employees"),
        "market_share": _("not a share between 0 and 1 (or a percentage such as 12 %)"),
        "spend_potential": _("not a positive amount"),
        "strategic_fit": _("not a whole number from 1 to 5"),
    }
    for name, out_of_range in numbers.items():
        if has(name):
            rules += [
                Rule(name, pl.col(name).is_null() & ~blank(name), reasons[name]),
                Rule(name, out_of_range | pl.col(name).is_nan(), reasons[name]),
            ]
    if has("status"):
        rules.append(
            Rule(
                "status",
                pl.col("status").is_null() & ~blank("status"),
                _("unknown status: active, prospect, dormant or closed (actif, en sommeil, fermé)"),
            )
        )
    return rules


def is_whole_expr(name: str) -> pl.Expr:
    return pl.col(name) == pl.col(name).floor()


def _with_group_errors(
    work: pl.DataFrame,
    errors: pl.DataFrame,
    existing: pl.DataFrame,
    headers: dict[str, str],
    *,
    skip_invalid: bool,
) -> pl.DataFrame:
    """Unknown parents and cycles. Without ``skip_invalid`` every row with an external id
    takes part (one error does not hide another); with it, rejecting a row can leave its
    children without a parent, or restore a stored parent that closes a cycle: repeat
    until nothing changes (each pass is vectorised; passes are few)."""
    if not skip_invalid:
        rows = work.filter(pl.col("external_id").is_not_null())
        rows = rows.unique(subset=["external_id"], keep="first", maintain_order=True)
        return combine([errors, _group_errors(rows, work, existing, headers)])
    while True:
        found = _group_errors(without_rows(work, errors), work, existing, headers)
        if found.height == 0:
            return errors
        errors = combine([errors, found])


def _group_errors(
    rows: pl.DataFrame, work: pl.DataFrame, existing: pl.DataFrame, headers: dict[str, str]
) -> pl.DataFrame:
    """Errors of ``rows`` (one per external id) whose parent is unknown or closes a
    cycle, given the stored groups that the file does not change."""
    if rows.height == 0:
        return no_errors()
    known = pl.concat([existing["external_id"], rows["external_id"]])
    in_file = work["external_id"].drop_nulls()
    has_parent = pl.col("parent_id").is_not_null()
    unknown = rows.filter(has_parent & ~pl.col("parent_id").is_in(known.implode()))
    unknown_errors = row_errors(
        unknown,
        pl.lit(True),
        column=headers["parent_id"],
        value=raw("parent_id"),
        reason=pl.when(pl.col("parent_id").is_in(in_file.implode()))
        .then(pl.lit(_("unknown parent group (its own row in the file was rejected)")))
        .otherwise(pl.lit(_("unknown parent group (neither in the file nor in kam)"))),
    )
    stored = existing.filter(~pl.col("external_id").is_in(rows["external_id"].implode()))
    graph = pl.concat(
        [
            stored.select(pl.col("external_id").alias("node"), pl.col("parent_id").alias("parent")),
            rows.select(
                pl.col("external_id").alias("node"),
                # an account naming itself as parent has its own error already
                pl.when(pl.col("parent_id") != pl.col("external_id"))
                .then(pl.col("parent_id"))
                .alias("parent"),
            ),
        ]
    )
    on_cycle = cycle_members(graph)
    cycle_errors = row_errors(
        rows,
        pl.col("external_id").is_in(on_cycle.implode()),
        column=headers["parent_id"],
        value=raw("parent_id"),
        reason=_("this parent group would make a cycle of groups"),
    )
    return combine([unknown_errors, cycle_errors])
