"""The numbers of the KPI dashboards, computed once per state of the data and cached.

A dashboard (:class:`KpiDashboard`) is the KPI report of a period P on a scope (the
company, or a KAM's portfolio) — :func:`kam.kpis.selectors.kpi_report` — plus what the
charts draw:

- the KPIs of P' (the period of the same length before P) for each tile's trend;
- the revenue of key and other accounts by month over P' and P, from ONE ledger
  aggregate by month × key flag (key: in the key-account list at the start of P), which
  also counts the accounts buying each month: the key series is the *cohort* of the key
  accounts of the start-of-period list;
- the Pareto curve of the score run in force at the start of P (company-wide).

The dashboard is cached with Django's cache framework under a key made of the scope, the
period, the language, the key-account lists in force at the start and end of P and at the
start of P', and a *fingerprint* of the data the numbers read (committed import batches,
accounts, key tiers of those runs, assignments, activities, targets, managers and their
teams): any import, edit, assignment, activity or target makes a new key, so a cached
dashboard is never stale. :func:`data_fingerprint` is a handful of aggregate queries,
whatever the size of the data.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass, field, replace
from datetime import date
from typing import TYPE_CHECKING, Any

import polars as pl
from django.core.cache import cache
from django.db.models import Count, Max, Min, Q, Sum
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from kam.accounts.models import Account
from kam.assignments.models import AccountAssignment
from kam.core.charts import add_months, month_start
from kam.core.models import ManagerProfile
from kam.domain import kpis
from kam.domain.kpis import KPI_CODES, Period
from kam.domain.tiers import KEY
from kam.engagement.models import Activity
from kam.kpis.models import KpiCode, KpiTarget
from kam.kpis.permissions import require_kpi_reader, sees_company_kpis
from kam.kpis.selectors import KpiReportView, key_list_on, kpi_report, period_of
from kam.sales.models import BatchStatus, ImportBatch
from kam.scoring.models import AccountScore, ScoreRun

if TYPE_CHECKING:
    from kam.kpis.permissions import Actor

# Bump when the cached dashboard's shape or meaning changes.
CACHE_VERSION = 1
CACHE_SECONDS = 24 * 3600

MONEY, SHARE, COUNT, RATIO = "money", "share", "count", "ratio"
# How each KPI's figure is shown (tiles, tables, PDF).
KPI_KINDS: dict[str, str] = {
    kpis.INCREASED: COUNT,
    kpis.INCREASED_SHARE: SHARE,
    kpis.NEW_KEY_ACCOUNTS: COUNT,
    kpis.UPLIFT_MEAN: MONEY,
    kpis.UPLIFT_MEDIAN: MONEY,
    kpis.UPLIFT_PCT: SHARE,
    kpis.KEY_REVENUE_SHARE: SHARE,
    kpis.RETENTION: SHARE,
    kpis.ROI: RATIO,
    kpis.ACTIVITIES_PER_KEY_ACCOUNT: RATIO,
    kpis.DID: MONEY,
}
MONTHLY_SCHEMA: dict[str, pl.DataType] = {
    "month": pl.Date(),
    "key": pl.Boolean(),
    "revenue": pl.Float64(),
    "accounts": pl.Int64(),
}


@dataclass(frozen=True)
class Tile:
    """One KPI of the summary: its value in P, in P' (the trend), and its target."""

    kpi: str
    label: str
    kind: str
    value: float | None
    previous: float | None
    target: float | None
    direction: str | None
    status: str | None

    @property
    def change(self) -> float | None:
        if self.value is None or self.previous is None:
            return None
        return self.value - self.previous

    def as_dict(self) -> dict[str, Any]:
        return {
            "kpi": self.kpi,
            "label": self.label,
            "kind": self.kind,
            "value": self.value,
            "previous": self.previous,
            "change": self.change,
            "target": self.target,
            "direction": self.direction,
            "status": self.status,
        }


@dataclass(frozen=True)
class Pareto:
    """The Pareto curve of a score run (company-wide)."""

    run_id: int
    curve: list[tuple[float, float]]
    top20_share: float | None
    abc_a: float
    abc_b: float


@dataclass(frozen=True)
class KpiDashboard:
    """Everything a KPI dashboard shows for a scope and a period (module docstring)."""

    view: KpiReportView
    previous: KpiReportView
    monthly: pl.DataFrame  # MONTHLY_SCHEMA: one row per month of P' and P and key flag
    pareto: Pareto | None
    scope: str  # "company" or "portfolio:<username>"
    fingerprint: str
    seconds: float  # time taken to compute it
    computed_at: float = field(default_factory=time.time)
    # The Vega-Lite specs of the charts (kam.kpis.charts.dashboard_charts), made once
    # with the numbers: Altair takes tenths of a second per chart.
    charts: dict[str, dict[str, Any] | None] = field(default_factory=dict)

    @property
    def period(self) -> Period:
        return self.view.period

    def tiles(self) -> list[Tile]:
        previous = self.previous.summary
        return [
            Tile(
                kpi=row["kpi"],
                label=row["label"],
                kind=KPI_KINDS[row["kpi"]],
                value=row["value"],
                previous=previous.value(row["kpi"]),
                target=row["target"],
                direction=row["direction"],
                status=row["status"],
            )
            for row in self.view.kpi_rows()
        ]

    def monthly_rows(self) -> list[dict[str, Any]]:
        """One row per month of P' and P: revenue of key and of other accounts, and how
        many of each bought that month (the table behind both monthly charts)."""
        wide: dict[date, dict[str, Any]] = {}
        for row in self.monthly.iter_rows(named=True):
            entry = wide.setdefault(
                row["month"],
                {
                    "month": row["month"],
                    "in_period": row["month"] >= month_start(self.period.date_from),
                    "key_revenue": 0.0,
                    "other_revenue": 0.0,
                    "key_accounts_buying": 0,
                    "other_accounts_buying": 0,
                },
            )
            side = "key" if row["key"] else "other"
            entry[f"{side}_revenue"] = row["revenue"]
            entry[f"{side}_accounts_buying"] = row["accounts"]
        return [wide[month] for month in sorted(wide)]

    def key_figures(self) -> dict[str, Any]:
        """The figures every report carries (the tests compare them across formats)."""
        s = self.view.summary
        return {
            "revenue": s.revenue,
            "revenue_previous": s.revenue_previous,
            "key_accounts": s.key_accounts,
            "key_revenue": s.key_revenue,
            **{code: s.value(code) for code in KPI_CODES},
        }

    def as_dict(self, group: str = "company") -> dict[str, Any]:
        """The dashboard's JSON: the report's (as the API) plus tiles and chart data."""
        return {
            **self.view.as_dict(group),
            "dashboard_scope": self.scope,
            "tiles": [tile.as_dict() for tile in self.tiles()],
            "key_figures": self.key_figures(),
            "monthly": [{**row, "month": row["month"].isoformat()} for row in self.monthly_rows()],
            "pareto": None
            if self.pareto is None
            else {
                "run": self.pareto.run_id,
                "top20_share": self.pareto.top20_share,
                "curve": self.pareto.curve,
            },
        }


# -- who sees what -------------------------------------------------------------------------


def dashboard_subject(viewer: Actor, kam: Any | None = None) -> tuple[Actor, str]:
    """Whose KPIs ``viewer`` gets, and the scope's name: with ``kam`` (a manager), that
    KAM's portfolio — only for viewers who see the company, or the KAM themself;
    otherwise the company for directors, analysts and marketing, their own portfolio
    for a KAM."""
    require_kpi_reader(viewer)
    company = sees_company_kpis(viewer)
    if kam is not None:
        own = viewer is not None and getattr(viewer, "pk", None) == kam.pk
        if not (company or own):
            from django.core.exceptions import PermissionDenied

            raise PermissionDenied(_("You may only read the KPIs of your own portfolio."))
        return kam, f"portfolio:{kam.get_username()}"
    if company:
        return None, "company"
    assert viewer is not None
    return viewer, f"portfolio:{viewer.get_username()}"


# -- the cache -----------------------------------------------------------------------------


def data_fingerprint(run_ids: list[int | None]) -> str:
    """A digest of the state of everything the KPIs read (module docstring): a few
    aggregate queries, whatever the size of the data."""
    batches = list(
        ImportBatch.objects.filter(status=BatchStatus.COMMITTED)
        .order_by("pk")
        .values_list("pk", "file_name", "replaces_from", "replaces_to")
    )
    accounts = Account.objects.aggregate(
        count=Count("pk"), last=Max("pk"), changed=Max("updated_at")
    )
    runs = [r for r in run_ids if r is not None]
    keys = (
        AccountScore.objects.filter(run_id__in=runs, tier=KEY)
        .order_by()
        .aggregate(count=Count("pk"), last=Max("account_id"), total=Sum("account_id"))
        if runs
        else {}
    )
    assignments = AccountAssignment.objects.aggregate(
        count=Count("pk"),
        last=Max("pk"),
        started=Max("started_at"),
        ended=Max("ended_at"),
    )
    activities = Activity.objects.aggregate(
        count=Count("pk"),
        last=Max("pk"),
        cost=Sum("cost"),
        first_day=Min("occurred_on"),
        last_day=Max("occurred_on"),
        channels=Sum("channel_id"),
    )
    targets = KpiTarget.objects.aggregate(count=Count("pk"), changed=Max("updated_at"))
    # KAMs listed per KAM, and teams (a KAM sees their team's portfolios)
    managers = ManagerProfile.objects.aggregate(
        count=Count("pk"),
        last=Max("pk"),
        teams=Sum("reports_to_id"),
        active=Count("pk", filter=Q(user__is_active=True)),
    )
    state = {
        "managers": managers,
        "batches": batches,
        "accounts": accounts,
        "runs": run_ids,
        "keys": keys,
        "assignments": assignments,
        "activities": activities,
        "targets": targets,
    }
    return hashlib.sha256(json.dumps(state, default=str).encode()).hexdigest()[:20]


def cache_key(scope: str, period: Period) -> tuple[str, str]:
    """The cache key of a dashboard (and the fingerprint in it): the scope, the period,
    the language, the runs in force at the start and end of P and at the start of P',
    and the data's fingerprint."""
    runs = [
        run.run_id if run else None
        for run in (
            key_list_on(period.date_from),
            key_list_on(period.date_to),
            key_list_on(period.previous_from),
            key_list_on(period.previous_to),
        )
    ]
    fingerprint = data_fingerprint(runs)
    scope_token = hashlib.sha256(scope.encode()).hexdigest()[:12]
    runs_token = "-".join("0" if r is None else str(r) for r in runs)
    key = (
        f"kam:kpis:v{CACHE_VERSION}:{scope_token}:{period.date_from.isoformat()}:"
        f"{period.date_to.isoformat()}:{get_language() or 'en'}:{runs_token}:{fingerprint}"
    )
    return key, fingerprint


def kpi_dashboard(
    *, user: Actor, date_from: date, date_to: date, kam: Any | None = None, use_cache: bool = True
) -> KpiDashboard:
    """The dashboard of [date_from, date_to] for ``user`` (or, with ``kam``, of that
    KAM's portfolio: :func:`dashboard_subject`), from the cache when the data have not
    changed since it was computed."""
    subject, scope = dashboard_subject(user, kam)
    period = period_of(date_from, date_to)  # a ValidationError naming "to"
    key, fingerprint = cache_key(scope, period)
    if use_cache:
        found = cache.get(key)
        if isinstance(found, KpiDashboard):
            return found
    dashboard = replace(
        compute_dashboard(subject=subject, scope=scope, period=period), fingerprint=fingerprint
    )
    if use_cache:
        cache.set(key, dashboard, CACHE_SECONDS)
    return dashboard


def compute_dashboard(*, subject: Actor, scope: str, period: Period) -> KpiDashboard:
    """The dashboard computed now (no cache)."""
    started = time.perf_counter()
    view = kpi_report(user=subject, date_from=period.date_from, date_to=period.date_to)
    previous = kpi_report(user=subject, date_from=period.previous_from, date_to=period.previous_to)
    external_ids = None if view.scope == "company" else _scope_ids(subject)
    key_ids = (
        list(
            AccountScore.objects.filter(run_id=view.key_list_start.run_id, tier=KEY).values_list(
                "account__external_id", flat=True
            )
        )
        if view.key_list_start
        else []
    )
    monthly = monthly_revenue(period, external_ids=external_ids, key_ids=key_ids)
    from kam.kpis.charts import dashboard_charts

    run_id = view.key_list_start.run_id if view.key_list_start else None
    dashboard = KpiDashboard(
        view=view,
        previous=previous,
        monthly=monthly,
        pareto=_pareto(run_id),
        scope=scope,
        fingerprint="",
        seconds=0.0,
    )
    return replace(
        dashboard,
        charts=dashboard_charts(dashboard),
        seconds=round(time.perf_counter() - started, 3),
    )


def _scope_ids(subject: Actor) -> list[str]:
    from kam.accounts.selectors import account_list

    return list(account_list(user=subject).values_list("external_id", flat=True))  # type: ignore[arg-type]


def monthly_revenue(
    period: Period, *, external_ids: list[str] | None, key_ids: list[str]
) -> pl.DataFrame:
    """ONE aggregate run by the ledger's engine over P' and P: per month and key flag
    (in ``key_ids``), the revenue and the accounts buying; every month of P' and P is
    there for both flags (zero when nothing was sold). ``external_ids`` restricts the
    lines to those accounts (None: every account)."""
    import ibis

    from kam.ledger.store import LEDGER_VIEW
    from kam.sales.selectors import committed_ledger_batches, ledger

    first, last = month_start(period.previous_from), month_start(period.date_to)
    months = []
    month = first
    while month <= last:
        months.append(month)
        month = add_months(month, 1)
    grid = pl.DataFrame(
        {"month": months * 2, "key": [True] * len(months) + [False] * len(months)},
        schema={"month": pl.Date(), "key": pl.Boolean()},
    )
    if external_ids is not None and not external_ids:
        found = kpis.empty(MONTHLY_SCHEMA)
    else:
        connection = ledger().connect(committed_ledger_batches())
        try:
            # A query of more than 2 s would draw DuckDB's progress bar on standard output.
            connection.execute("SET enable_progress_bar = false")
            table = ibis.duckdb.from_connection(connection).table(LEDGER_VIEW)
            lines = table.filter(
                (table.order_date >= period.previous_from) & (table.order_date <= period.date_to)
            )
            # Lists of ids go in as tables (a semi-join), not as literals: a list of
            # thousands of literals takes DuckDB minutes to plan.
            if external_ids is not None:
                lines = lines.filter(lines.account_id.isin(_id_table(external_ids).account_id))
            key = (
                lines.account_id.isin(_id_table(key_ids).account_id)
                if key_ids
                else ibis.literal(False)
            )
            found = (
                lines.group_by(month=lines.order_date.truncate("M").cast("date"), key=key)
                .aggregate(revenue=lines.amount.sum(), accounts=lines.account_id.nunique())
                .to_polars()
            )
        finally:
            connection.close()
        found = found.select([pl.col(name).cast(dtype) for name, dtype in MONTHLY_SCHEMA.items()])
    return (
        grid.join(found, on=["month", "key"], how="left")
        .with_columns(pl.col("revenue").fill_null(0.0), pl.col("accounts").fill_null(0))
        .sort(["month", "key"], descending=[False, True])
    )


def _id_table(ids: list[str]) -> Any:
    import ibis

    return ibis.memtable(pl.DataFrame({"account_id": ids}, schema={"account_id": pl.String()}))


def _pareto(run_id: int | None) -> Pareto | None:
    if run_id is None:
        return None
    stats = ScoreRun.objects.filter(pk=run_id).values_list("stats", flat=True).first() or {}
    curve = [(float(x), float(y)) for x, y in stats.get("pareto", [])]
    if not curve:
        return None
    thresholds = stats.get("abc_thresholds") or [0.8, 0.95]
    return Pareto(
        run_id=run_id,
        curve=curve,
        top20_share=stats.get("top20_share"),
        abc_a=float(thresholds[0]),
        abc_b=float(thresholds[1]),
    )


def kpi_label(code: str) -> str:
    return str(KpiCode(code).label)
