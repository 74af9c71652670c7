"""The key accounts list exported as CSV (streamed) or as an Excel workbook: every page of
the filtered list, in the same order."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

import polars as pl
from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from kam.accounts.views import csv_cell
from kam.scoring.models import AccountScore, ScoreRun
from kam.scoring.selectors import LEAD_MANAGER
from kam.scoring.views.key_accounts import filtered_key_accounts

EXPORT_COLUMNS = (
    "rank",
    "external_id",
    "name",
    "score",
    "tier",
    "tier_overridden",
    "computed_tier",
    "abc",
    "revenue_12m",
    "revenue_prev_12m",
    "growth",
    "sector",
    "country",
    "quadrant",
    "lead_manager",
)


def _export_rows(scores: QuerySet[AccountScore]) -> Iterator[tuple[Any, ...]]:
    """One tuple per account score, in ``EXPORT_COLUMNS`` order (numbers stay numbers)."""
    fields = (
        "rank",
        "account__external_id",
        "account__name",
        "score",
        "tier",
        "computed_tier",
        "abc",
        "revenue_12m",
        "revenue_prev_12m",
        "growth",
        "account__sector",
        "account__country",
        "quadrant",
        LEAD_MANAGER,
    )
    for row in scores.values_list(*fields).iterator(chunk_size=2000):
        rank, ext, name, score, tier, computed, abc, rev, prev, growth, *rest = row
        overridden = tier != computed
        yield (
            rank,
            ext,
            name,
            round(score, 4),
            tier,
            overridden,
            computed,
            abc,
            rev,
            prev,
            None if growth is None else round(growth, 6),
            *rest,
        )


def _export_name(run: ScoreRun | None, suffix: str) -> str:
    stamp = run.as_of.isoformat() if run else timezone.localdate().isoformat()
    return f'attachment; filename="key-accounts-{stamp}.{suffix}"'


def _csv_value(value: Any) -> Any:
    """Text made safe from spreadsheet formulas; numbers as they are (a negative growth
    is a number, not a formula); booleans as yes/no."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if value is None or isinstance(value, int | float):
        return "" if value is None else value
    return csv_cell(value)


class _Echo:
    """A write-only file for csv.writer that hands each line back to the caller."""

    def write(self, value: str) -> str:
        return value


@require_safe
@login_required
def key_account_csv_view(request: HttpRequest) -> StreamingHttpResponse:
    """The filtered list as CSV (every page, same order), streamed."""
    run, filterset = filtered_key_accounts(request)
    writer = csv.writer(_Echo())

    def lines() -> Iterator[str]:
        yield writer.writerow(EXPORT_COLUMNS)
        for row in _export_rows(filterset.qs):
            yield writer.writerow([_csv_value(v) for v in row])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = _export_name(run, "csv")
    return response


@require_safe
@login_required
def key_account_xlsx_view(request: HttpRequest) -> HttpResponse:
    """The filtered list as an Excel workbook (Polars ``write_excel``): numbers stay
    numbers, text is stored as text (never run as a formula)."""
    run, filterset = filtered_key_accounts(request)
    schema = {
        "rank": pl.Int64,
        "external_id": pl.String,
        "name": pl.String,
        "score": pl.Float64,
        "tier": pl.String,
        "tier_overridden": pl.Boolean,
        "computed_tier": pl.String,
        "abc": pl.String,
        "revenue_12m": pl.Float64,
        "revenue_prev_12m": pl.Float64,
        "growth": pl.Float64,
        "sector": pl.String,
        "country": pl.String,
        "quadrant": pl.String,
        "lead_manager": pl.String,
    }
    frame = pl.DataFrame(list(_export_rows(filterset.qs)), schema=schema, orient="row")
    buffer = io.BytesIO()
    frame.write_excel(
        buffer,
        worksheet=_("Key accounts")[:31],
        autofit=True,
        float_precision=2,
        column_formats={"growth": "0.0%"},
    )
    response = HttpResponse(
        buffer.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = _export_name(run, "xlsx")
    return response
