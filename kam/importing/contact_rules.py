"""Validation of a contacts file (the stakeholders of accounts), vectorised with Polars.

The rules mirror the Contact model's validators (lengths, e-mail, choices, influence 1–5,
a boss of the same account, no reporting cycle) so that the import can store in bulk.
Buying roles, attitudes and yes/no cells are read in English or French, as codes or
as words ("décideur", "Champion / sponsor", "oui"). A contact is identified by its
account and its external id; ``reports_to_external_id`` names another contact of the
same account, in the file or already in kam, and must not close a reporting cycle.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from datetime import date

import polars as pl

from kam.domain.stakeholders import (
    BLOCKER,
    CHAMPION,
    DECISION_MAKER,
    ECONOMIC_BUYER,
    INFLUENCER,
    NEUTRAL,
    OPPONENT,
    SUPPORTER,
    USER,
)
from kam.importing.account_rules import CONTROL_CHARACTERS, is_whole_expr
from kam.importing.columns import CONTACT_COLUMNS
from kam.importing.errors import ROW, combine, in_file_order, no_errors, row_errors
from kam.importing.hierarchy import cycle_members
from kam.importing.i18n import _
from kam.importing.parsing import clean_text, parse_date, parse_number
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

TEXT_COLUMNS = (
    "account_external_id",
    "external_id",
    "first_name",
    "last_name",
    "job_title",
    "email",
    "phone",
    "reports_to_external_id",
)
MAX_LENGTHS = {
    "account_external_id": 64,
    "external_id": 64,
    "first_name": 100,
    "last_name": 100,
    "job_title": 200,
    "email": 254,
    "phone": 50,
    "reports_to_external_id": 64,
}
# Stricter than Django's EmailValidator (ASCII domains only), so that an address this
# accepts is one the model accepts too.
EMAIL = (
    r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z0-9-]{2,63}$"
)
_KEY_SEPARATOR = "\x1f"  # between account and contact ids in a node key (never in an id)

# Words people write for each value, English and French; compared without case, accents
# or punctuation ("Champion / sponsor" is "champion sponsor").
ROLE_WORDS: dict[str, tuple[str, ...]] = {
    DECISION_MAKER: ("decision maker", "decideur", "decisionnaire", "decideur final", "dm"),
    ECONOMIC_BUYER: (
        "economic buyer",
        "acheteur economique",
        "budget holder",
        "detenteur du budget",
        "payeur",
        "eb",
    ),
    INFLUENCER: ("influencer", "influenceur", "influenceuse", "prescripteur", "prescriber"),
    CHAMPION: ("champion", "sponsor", "champion sponsor", "sponsor interne", "coach"),
    USER: ("user", "end user", "utilisateur", "utilisatrice", "utilisateur final"),
    BLOCKER: ("blocker", "bloqueur", "bloquant", "frein"),
}
ATTITUDE_WORDS: dict[str, tuple[str, ...]] = {
    SUPPORTER: (
        "supporter",
        "supportive",
        "support",
        "positive",
        "positif",
        "favorable",
        "ally",
        "allie",
        "soutien",
        "pro",
    ),
    NEUTRAL: ("neutral", "neutre", "indifferent", "undecided", "indecis"),
    OPPONENT: (
        "opponent",
        "opposed",
        "against",
        "negative",
        "negatif",
        "hostile",
        "detractor",
        "detracteur",
        "defavorable",
        "opposant",
        "contre",
    ),
}
YES_WORDS = ("yes", "y", "true", "1", "oui", "o", "vrai", "x")
NO_WORDS = ("no", "n", "false", "0", "non", "faux")


def word_key(text: str) -> str:
    """A cell reduced for comparison: lowercase ASCII words separated by one space."""
    decomposed = unicodedata.normalize("NFKD", text)
    ascii_only = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    return " ".join(re.split(r"[^a-z0-9]+", ascii_only)).strip()


def _index(words: dict[str, tuple[str, ...]]) -> dict[str, str]:
    index = {word_key(code): code for code in words}
    for code, aliases in words.items():
        for alias in aliases:
            index[word_key(alias)] = code
    return index


_ROLES = _index(ROLE_WORDS)
_ATTITUDES = _index(ATTITUDE_WORDS)
_BOOLEANS = {**{w: True for w in YES_WORDS}, **{w: False for w in NO_WORDS}}


def read_words(column: pl.Series, index: Mapping[str, object], dtype: pl.DataType) -> pl.Series:
    """Each cell looked up in ``index`` after :func:`word_key`; unknown or blank cells
    are null. Only the column's distinct values go through Python (they are few)."""
    cleaned = clean_text(column)
    values = {v: index.get(word_key(v)) for v in cleaned.drop_nulls().unique().to_list()}
    return cleaned.replace_strict(values, default=None, return_dtype=dtype)


def contact_key(account: pl.Expr, external_id: pl.Expr) -> pl.Expr:
    """The identity of a contact across accounts: its account's and its own external id."""
    return pl.concat_str([account, pl.lit(_KEY_SEPARATOR), external_id])


def validate_contacts(
    raw_table: RawTable,
    *,
    accounts: pl.Series,
    existing: pl.DataFrame,
    today: date,
    column_map: dict[str, str] | None = None,
    skip_invalid: bool = False,
) -> Checked:
    """Check every row of a contacts file. ``accounts`` holds the external ids of the
    accounts in kam; ``existing`` the stored contacts (``id``, ``account_external_id``,
    ``external_id`` (null when it has none), ``reports_to_id``). A departure date after
    ``today`` is refused. The valid rows come back typed under canonical names."""
    canonical = canonical_text(raw_table, CONTACT_COLUMNS, column_map)
    if isinstance(canonical, Checked):
        return canonical
    text, headers = canonical.text, canonical.match.headers
    parsed = _parse(text, excel_serials=raw_table.format == XLSX)
    work = with_raw(parsed, text)
    errors = combine(
        [
            apply_rules(work, _rules(work.columns, accounts, today), headers),
            later_duplicates(
                work,
                ["account_external_id", "external_id"],
                column="external_id",
                headers=headers,
                reason=_("the same contact (account and external id) is already on row %(row)s"),
            ),
        ]
    )
    if "reports_to_external_id" in parsed.columns:
        errors = _with_reporting_errors(work, errors, existing, headers, skip_invalid)
    return Checked(
        valid=without_rows(parsed, errors),
        errors=in_file_order(errors, file_headers(raw_table)),
        rows_read=text.height,
        headers=headers,
    )


def _parse(text: pl.DataFrame, *, excel_serials: bool) -> pl.DataFrame:
    columns: dict[str, pl.Series] = {ROW: text[ROW]}
    for name in TEXT_COLUMNS:
        if name in text.columns:
            columns[name] = clean_text(text[name])
    if "buying_role" in text.columns:
        columns["buying_role"] = read_words(text["buying_role"], _ROLES, pl.String())
    if "attitude" in text.columns:
        columns["attitude"] = read_words(text["attitude"], _ATTITUDES, pl.String())
    if "do_not_mail" in text.columns:
        columns["do_not_mail"] = read_words(text["do_not_mail"], _BOOLEANS, pl.Boolean())
    if "influence" in text.columns:
        columns["influence"] = parse_number(clean_text(text["influence"]))
    if "left_on" in text.columns:
        columns["left_on"] = parse_date(clean_text(text["left_on"]), excel_serials=excel_serials)
    return pl.DataFrame(columns)


def _rules(columns: list[str], accounts: pl.Series, today: date) -> list[Rule]:
    def has(name: str) -> bool:
        return name in columns

    rules = [
        Rule(name, pl.col(name).is_null(), _("missing value"))
        for name in ("account_external_id", "external_id", "last_name")
    ]
    rules.append(
        Rule(
            "account_external_id",
            ~pl.col("account_external_id").is_in(accounts.implode()),
            _("unknown account (not in kam)"),
        )
    )
    for name, limit in MAX_LENGTHS.items():
        if has(name):
            rules.append(
                Rule(
                    name,
                    pl.col(name).str.len_chars() > limit,
                    _("longer than %(max)s characters") % {"max": limit},
                )
            )
            rules.append(
                Rule(
                    name,
                    pl.col(name).str.contains(CONTROL_CHARACTERS),
                    _("contains control characters"),
                )
            )
    if has("email"):
        rules.append(
            Rule(
                "email",
                ~pl.col("email").str.contains(EMAIL),
                _("not an e-mail address (name@example.com)"),
            )
        )
    if has("reports_to_external_id"):
        rules.append(
            Rule(
                "reports_to_external_id",
                pl.col("reports_to_external_id") == pl.col("external_id"),
                _("a contact cannot report to themselves"),
            )
        )
    words = {
        "buying_role": _(
            "unknown buying role: decision maker, economic buyer, influencer, champion, user "
            "or blocker (décideur, acheteur économique, influenceur, sponsor, utilisateur, "
            "bloqueur)"
        ),
        "attitude": _(
            "unknown attitude: supporter, neutral or opponent (favorable, neutre, opposant)"
        ),
        "do_not_mail": _("not yes or no (oui/non, true/false, 1/0)"),
    }
    for name, reason in words.items():
        if has(name):
            rules.append(Rule(name, pl.col(name).is_null() & ~blank(name), reason))
    if has("influence"):
        influence = pl.col("influence")
        reason = _("not a whole number from 1 (little) to 5 (decisive)")
        rules += [
            Rule("influence", influence.is_null() & ~blank("influence"), reason),
            Rule(
                "influence",
                ~influence.is_between(1, 5) | ~is_whole_expr("influence") | influence.is_nan(),
                reason,
            ),
        ]
    if has("left_on"):
        rules += [
            Rule(
                "left_on",
                pl.col("left_on").is_null() & ~blank("left_on"),
                _("not a date (2024-03-31 or 31/03/2024)"),
            ),
            Rule("left_on", pl.col("left_on") > pl.lit(today), _("a departure date in the future")),
        ]
    return rules


# -- reporting lines -------------------------------------------------------------------------


def _with_reporting_errors(
    work: pl.DataFrame,
    errors: pl.DataFrame,
    existing: pl.DataFrame,
    headers: dict[str, str],
    skip_invalid: bool,
) -> pl.DataFrame:
    """Unknown bosses and reporting cycles. Without ``skip_invalid`` every identified row
    takes part (one error does not hide another); with it, a rejected row can leave its
    reports without a boss: repeat until nothing changes (passes are few)."""
    identified = pl.all_horizontal(pl.col("account_external_id", "external_id").is_not_null())
    if not skip_invalid:
        rows = work.filter(identified).unique(
            subset=["account_external_id", "external_id"], keep="first", maintain_order=True
        )
        return combine([errors, _reporting_errors(rows, work, existing, headers)])
    while True:
        rows = without_rows(work, errors).filter(identified)
        found = _reporting_errors(rows, work, existing, headers)
        if found.height == 0:
            return errors
        errors = combine([errors, found])


def _stored_graph(existing: pl.DataFrame) -> pl.DataFrame:
    """The stored contacts as ``node`` -> ``parent`` keys (a contact without external id
    is keyed by its primary key: nothing in a file can name it, but it can be on a
    chain)."""
    keyed = existing.select(
        "id",
        "account_external_id",
        pl.when(pl.col("external_id").is_not_null())
        .then(contact_key(pl.col("account_external_id"), pl.col("external_id")))
        .otherwise(pl.lit("#") + pl.col("id").cast(pl.String))
        .alias("node"),
        "reports_to_id",
    )
    return keyed.join(
        keyed.select(pl.col("id").alias("reports_to_id"), pl.col("node").alias("parent")),
        on="reports_to_id",
        how="left",
    ).select("node", "parent", "account_external_id")


def _reporting_errors(
    rows: pl.DataFrame, work: pl.DataFrame, existing: pl.DataFrame, headers: dict[str, str]
) -> pl.DataFrame:
    """Errors of ``rows`` (one per contact) whose boss is unknown in its account or
    closes a cycle, given the stored links that the file does not change."""
    if rows.height == 0:
        return no_errors()
    account, boss = pl.col("account_external_id"), pl.col("reports_to_external_id")
    rows = rows.with_columns(
        contact_key(account, pl.col("external_id")).alias("__node"),
        contact_key(account, boss).alias("__parent"),
    )
    stored = _stored_graph(existing)
    known = pl.concat([stored["node"], rows["__node"]])
    in_file = work.select(contact_key(account, pl.col("external_id"))).to_series().drop_nulls()
    unknown = rows.filter(boss.is_not_null() & ~pl.col("__parent").is_in(known.implode()))
    column = headers["reports_to_external_id"]
    unknown_errors = row_errors(
        unknown,
        pl.lit(True),
        column=column,
        value=raw("reports_to_external_id"),
        reason=pl.when(pl.col("__parent").is_in(in_file.implode()))
        .then(pl.lit(_("unknown boss (their own row in the file was rejected)")))
        .otherwise(
            pl.lit(_("unknown boss: no contact of this account has this id, in the file or in kam"))
        ),
    )
    graph = pl.concat(
        [
            stored.filter(~pl.col("node").is_in(rows["__node"].implode())).select("node", "parent"),
            rows.select(
                pl.col("__node").alias("node"),
                # reporting to oneself has its own error already
                pl.when(pl.col("__parent") != pl.col("__node"))
                .then(pl.col("__parent"))
                .alias("parent"),
            ),
        ]
    )
    cycle_errors = row_errors(
        rows,
        pl.col("__node").is_in(cycle_members(graph).implode()),
        column=column,
        value=raw("reports_to_external_id"),
        reason=_("this boss would make a reporting cycle"),
    )
    return combine([unknown_errors, cycle_errors])
