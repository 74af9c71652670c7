"""Validation of an activities file (interactions with accounts), vectorised with Polars.

Row errors: a missing external id, account, channel or date; the same external id twice
in the file; an unknown account or channel (a channel is named by its code or its name,
in any case); a date that is unreadable, before 1990 or in the future; an unknown
outcome (English or French words; empty is "none"); a cost or order amount that is not
a positive number, or implausibly large; an order amount on an activity whose outcome is
not an order; texts too long; contacts (external ids separated by ``|``) that are not
contacts of the row's account.

The valid rows come back with the database ids they refer to: ``account_id``,
``channel_id``, ``contact_ids`` (a list), and the cost filled with the channel's unit
cost where the file gives none.
"""

from __future__ import annotations

from datetime import date

import polars as pl

from kam.importing.account_rules import CONTROL_CHARACTERS
from kam.importing.columns import ACTIVITY_COLUMNS
from kam.importing.errors import ROW, combine, in_file_order, no_errors, row_errors
from kam.importing.i18n import _
from kam.importing.parsing import clean_text, parse_columns
from kam.importing.readers import XLSX, RawTable
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

EARLIEST_DATE = date(1990, 1, 1)
TEXT_COLUMNS = (
    "external_id",
    "account_external_id",
    "channel",
    "subject",
    "outcome",
    "order_reference",
    "contacts",
)
MAX_LENGTHS = {"external_id": 64, "subject": 200, "order_reference": 64}
MAX_COST = 1e10  # DecimalField(max_digits=12, decimal_places=2)
MAX_ORDER_AMOUNT = 1e14  # DecimalField(max_digits=16, decimal_places=2)
CONTACT_SEPARATOR = "|"

# Outcome words people write, in English and French, lowercased.
OUTCOME_WORDS: dict[str, str] = {
    "none": "none",
    "no response": "none",
    "no reply": "none",
    "no answer": "none",
    "aucun": "none",
    "aucune": "none",
    "aucune réponse": "none",
    "aucune reponse": "none",
    "pas de réponse": "none",
    "pas de reponse": "none",
    "sans réponse": "none",
    "sans reponse": "none",
    "sans suite": "none",
    "reply": "reply",
    "replied": "reply",
    "response": "reply",
    "answer": "reply",
    "answered": "reply",
    "réponse": "reply",
    "reponse": "reply",
    "répondu": "reply",
    "repondu": "reply",
    "meeting": "meeting",
    "rdv": "meeting",
    "rendez-vous": "meeting",
    "rendez vous": "meeting",
    "réunion": "meeting",
    "reunion": "meeting",
    "order": "order",
    "ordered": "order",
    "sale": "order",
    "commande": "order",
    "commandé": "order",
    "commande passée": "order",
    "vente": "order",
    "lost": "lost",
    "perdu": "lost",
    "perdue": "lost",
    "refused": "lost",
    "refus": "lost",
    "refusé": "lost",
}

KNOWN_ACCOUNTS_SCHEMA = pl.Schema({"external_id": pl.String(), "account_id": pl.Int64()})
KNOWN_CHANNELS_SCHEMA = pl.Schema(
    {"key": pl.String(), "channel_id": pl.Int64(), "unit_cost": pl.Float64()}
)
KNOWN_CONTACTS_SCHEMA = pl.Schema(
    {"account_id": pl.Int64(), "external_id": pl.String(), "contact_id": pl.Int64()}
)


def channel_key(column: pl.Expr) -> pl.Expr:
    """How a channel cell is compared with the catalogue's codes and names."""
    return column.str.strip_chars().str.to_lowercase()


def validate_activities(
    raw_table: RawTable,
    *,
    known_accounts: pl.DataFrame,
    known_channels: pl.DataFrame,
    known_contacts: pl.DataFrame,
    column_map: dict[str, str] | None = None,
    date_format: str | None = None,
    today: date | None = None,
) -> Checked:
    """Check every row of an activities file.

    ``known_accounts``: external_id, account_id; ``known_channels``: key (a code or a
    name, lowercased: see :func:`channel_key`), channel_id, unit_cost; ``known_contacts``:
    account_id, external_id, contact_id. The valid rows come back as __row, external_id,
    account_id, channel_id, occurred_on, subject, outcome, cost, order_amount,
    order_reference and contact_ids."""
    canonical = canonical_text(raw_table, ACTIVITY_COLUMNS, column_map)
    if isinstance(canonical, Checked):
        return canonical
    text, headers = canonical.text, canonical.match.headers
    parsed = _resolved(
        _parse(text, date_format=date_format, excel_serials=raw_table.format == XLSX),
        known_accounts.cast(KNOWN_ACCOUNTS_SCHEMA),
        known_channels.cast(KNOWN_CHANNELS_SCHEMA),
    )
    work = with_raw(parsed, text)
    errors = combine(
        [
            apply_rules(work, _rules(work.columns, date_format, today or date.today()), headers),
            later_duplicates(
                work,
                ["external_id"],
                column="external_id",
                headers=headers,
                reason=_("the same external id is already on row %(row)s"),
            ),
        ]
    )
    contact_ids, contact_errors = _contacts(
        work, known_contacts.cast(KNOWN_CONTACTS_SCHEMA), headers
    )
    errors = combine([errors, contact_errors])
    valid = without_rows(parsed.join(contact_ids, on=ROW, how="left"), errors)
    return Checked(
        valid=_stored_columns(valid),
        errors=in_file_order(errors, file_headers(raw_table)),
        rows_read=text.height,
        headers=headers,
    )


def _parse(text: pl.DataFrame, *, date_format: str | None, excel_serials: bool) -> pl.DataFrame:
    parsed = parse_columns(
        text,
        texts=TEXT_COLUMNS,
        numbers=("cost", "order_amount"),
        dates=("date",),
        date_format=date_format,
        excel_serials=excel_serials,
    )
    if "outcome" in parsed.columns:
        parsed = parsed.with_columns(
            clean_text(parsed["outcome"])
            .str.to_lowercase()
            .replace_strict(OUTCOME_WORDS, default=None, return_dtype=pl.String)
            .alias("outcome")
        )
    return parsed


def _resolved(parsed: pl.DataFrame, accounts: pl.DataFrame, channels: pl.DataFrame) -> pl.DataFrame:
    """The file's accounts and channels as database ids (null when unknown)."""
    channels = channels.unique("key", keep="first", maintain_order=True)
    return (
        parsed.join(
            accounts.rename({"external_id": "account_external_id"}),
            on="account_external_id",
            how="left",
        )
        .with_columns(__channel_key=channel_key(pl.col("channel")))
        .join(channels.rename({"key": "__channel_key"}), on="__channel_key", how="left")
        .drop("__channel_key")
        .sort(ROW)
    )


def _rules(columns: list[str], date_format: str | None, today: date) -> list[Rule]:
    def has(name: str) -> bool:
        return name in columns

    missing = _("missing value")
    rules = [
        Rule(name, pl.col(name).is_null(), missing)
        for name in ("external_id", "account_external_id", "channel")
    ]
    rules += [
        Rule("date", pl.col("date").is_null() & blank("date"), missing),
        Rule(
            "date",
            pl.col("date").is_null() & ~blank("date"),
            _("not a date in the format %(format)s") % {"format": date_format}
            if date_format
            else _("not a date (expected e.g. 2024-03-31 or 31/03/2024)"),
        ),
        Rule(
            "date",
            pl.col("date") < EARLIEST_DATE,
            _("date before %(date)s") % {"date": EARLIEST_DATE.isoformat()},
        ),
        Rule("date", pl.col("date") > today, _("date in the future")),
        Rule(
            "account_external_id",
            pl.col("account_external_id").is_not_null() & pl.col("account_id").is_null(),
            _("unknown account (import it with the accounts first)"),
        ),
        Rule(
            "channel",
            pl.col("channel").is_not_null() & pl.col("channel_id").is_null(),
            _("unknown channel: use the code or the name of a channel of the catalogue"),
        ),
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
    for name in ("external_id", "subject", "order_reference"):
        if has(name):
            rules.append(
                Rule(
                    name,
                    pl.col(name).str.contains(CONTROL_CHARACTERS),
                    _("contains control characters"),
                )
            )
    if has("outcome"):
        rules.append(
            Rule(
                "outcome",
                pl.col("outcome").is_null() & ~blank("outcome"),
                _(
                    "unknown outcome: none, reply, meeting, order or lost (aucune, réponse, "
                    "rendez-vous, commande, perdu)"
                ),
            )
        )
    for name, largest in (("cost", MAX_COST), ("order_amount", MAX_ORDER_AMOUNT)):
        if has(name):
            rules += [
                Rule(name, pl.col(name).is_null() & ~blank(name), _("not a number")),
                Rule(
                    name,
                    (pl.col(name) < 0) | pl.col(name).is_nan(),
                    _("not a positive amount"),
                ),
                Rule(
                    name,
                    pl.col(name) >= largest,  # infinity too
                    _("implausibly large (%(max)s or more)") % {"max": f"{largest:.0e}"},
                ),
            ]
    if has("order_amount"):
        outcome = pl.col("outcome") if has("outcome") else pl.lit(None, dtype=pl.String)
        rules.append(
            Rule(
                "order_amount",
                pl.col("order_amount").is_not_null() & (outcome.fill_null("none") != "order"),
                _("an order amount needs the outcome “order”"),
            )
        )
    return rules


def _contacts(
    work: pl.DataFrame, known: pl.DataFrame, headers: dict[str, str]
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Each row's contact ids (a list, empty when none) and the errors of the contacts
    that are not people of the row's account."""
    empty = pl.DataFrame(schema={ROW: pl.Int64, "contact_ids": pl.List(pl.Int64)})
    if "contacts" not in work.columns:
        return empty, no_errors()
    named = (
        work.select(ROW, "account_id", "contacts")
        .filter(pl.col("contacts").is_not_null() & pl.col("account_id").is_not_null())
        .with_columns(
            pl.col("contacts")
            .str.split(CONTACT_SEPARATOR)
            .list.eval(pl.element().str.strip_chars())
            .list.eval(pl.element().filter(pl.element().str.len_bytes() > 0))
            .alias("contact")
        )
        .explode("contact")
        .filter(pl.col("contact").is_not_null())
        .join(
            known.rename({"external_id": "contact"}),
            on=["account_id", "contact"],
            how="left",
        )
    )
    ids = (
        named.filter(pl.col("contact_id").is_not_null())
        .group_by(ROW)
        .agg(pl.col("contact_id").unique(maintain_order=True).alias("contact_ids"))
    )
    unknown = (
        named.filter(pl.col("contact_id").is_null())
        .group_by(ROW)
        .agg(pl.col("contact").str.join(", ").alias("__unknown"))
    )
    if unknown.height == 0:
        return ids.cast({ROW: pl.Int64}), no_errors()
    prefix = _("not a contact of this account: ")
    errors = row_errors(
        work.join(unknown, on=ROW),
        pl.lit(True),
        column=headers["contacts"],
        value=raw("contacts"),
        reason=pl.lit(prefix) + pl.col("__unknown"),
    )
    return ids.cast({ROW: pl.Int64}), errors


def _stored_columns(valid: pl.DataFrame) -> pl.DataFrame:
    """The valid rows in the columns of the store: absent optional columns filled."""

    def text_or_empty(name: str) -> pl.Expr:
        if name in valid.columns:
            return pl.col(name).fill_null("")
        return pl.lit("", dtype=pl.String).alias(name)

    def number(name: str) -> pl.Expr:
        if name in valid.columns:
            return pl.col(name).cast(pl.Float64)
        return pl.lit(None, dtype=pl.Float64).alias(name)

    outcome = pl.col("outcome").fill_null("none") if "outcome" in valid.columns else pl.lit("none")
    contacts = (
        pl.col("contact_ids").fill_null(pl.lit([], dtype=pl.List(pl.Int64)))
        if "contact_ids" in valid.columns
        else pl.lit([], dtype=pl.List(pl.Int64)).alias("contact_ids")
    )
    return valid.select(
        pl.col(ROW).cast(pl.Int64),
        "external_id",
        pl.col("account_id").cast(pl.Int64),
        pl.col("channel_id").cast(pl.Int64),
        pl.col("date").alias("occurred_on"),
        text_or_empty("subject"),
        outcome.alias("outcome"),
        number("cost").fill_null(pl.col("unit_cost")).round(2).alias("cost"),
        number("order_amount").round(2).alias("order_amount"),
        text_or_empty("order_reference"),
        contacts.alias("contact_ids"),
    )
