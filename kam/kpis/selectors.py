"""The KPI report of a period, scoped to the requesting user, and the targets they see.

:func:`kpi_report` reads, whatever the size of the data:

- the ledger with ONE Ibis aggregate, run by the ledger's engine: per account, revenue in
  P, in P', and whether it bought before P (one row per account comes back);
- the score runs in force at the start and at the end of P and their key accounts, the
  lead of each account at the start of P (assignment history), the activities of P summed
  per account and channel, the managers, the channels and the targets, each in one query;

then :func:`kam.domain.kpis.kpi_report` computes every KPI. A KAM sees their portfolio
(their accounts and their team's, as :func:`kam.accounts.selectors.account_list`);
directors, analysts and marketing see the company; ``user=None`` is kam itself.

Targets are attached when their period is exactly P: the company's to the summary of the
company, a KAM's to their row per KAM (and, for a KAM reading their portfolio, their own
to the summary).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import TYPE_CHECKING, Any

import polars as pl
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from kam.accounts.models import Account
from kam.accounts.selectors import account_list, team_member_ids
from kam.assignments.models import AccountAssignment, AssignmentRole
from kam.domain import kpis
from kam.domain.kpis import KPI_CODES, Did, KpiReport, KpiSummary, Period, target_status
from kam.domain.tiers import KEY
from kam.engagement.models import Activity, Channel
from kam.kpis.models import KpiCode, KpiTarget, TargetStatus
from kam.kpis.permissions import require_kpi_reader, sees_company_kpis
from kam.sales.selectors import committed_ledger_batches
from kam.scoring.models import AccountScore, RunStatus, ScoreRun

if TYPE_CHECKING:
    import ibis

    from kam.kpis.permissions import Actor
    from kam.ledger import LedgerBatch

GROUPS = ("company", "kam", "account", "channel")
COMPANY, PORTFOLIO = "company", "portfolio"


@dataclass(frozen=True)
class KeyList:
    """The score run whose key tier was the key-account list on a day."""

    run_id: int
    as_of: date

    def as_dict(self) -> dict[str, Any]:
        return {"run": self.run_id, "as_of": self.as_of.isoformat()}


@dataclass(frozen=True)
class TargetCheck:
    """A target and where the actual figure stands against it."""

    target: KpiTarget
    actual: float | None
    status: str | None

    def as_dict(self) -> dict[str, Any]:
        t = self.target
        return {
            "id": t.pk,
            "kpi": t.kpi,
            "label": str(KpiCode(t.kpi).label),
            "manager": t.manager.get_username() if t.manager else None,
            "value": t.value,
            "direction": t.direction,
            "actual": self.actual,
            "status": self.status,
            "status_label": str(TargetStatus(self.status).label) if self.status else None,
        }


@dataclass(frozen=True)
class KpiReportView:
    """The KPI report of a period as a user may see it, with its targets and messages."""

    report: KpiReport
    scope: str  # company, or portfolio (a KAM's)
    key_list_start: KeyList | None
    key_list_end: KeyList | None
    messages: tuple[str, ...]
    targets: tuple[TargetCheck, ...]
    kam_targets: dict[str, tuple[TargetCheck, ...]] = field(default_factory=dict)
    channel_labels: dict[str, str] = field(default_factory=dict)

    @property
    def period(self) -> Period:
        return self.report.period

    @property
    def summary(self) -> KpiSummary:
        return self.report.summary

    def did_sentence(self) -> str | None:
        return did_sentence(self.summary.did)

    def rows(self, group: str) -> list[dict[str, Any]]:
        """The rows of one grouping: ``company`` one row per KPI (label, value, target,
        status); ``kam``, ``account``, ``channel`` the report's frames."""
        if group == "company":
            return self.kpi_rows()
        if group == "kam":
            return [
                {**row, "targets": [c.as_dict() for c in self.kam_targets.get(row["lead"], ())]}
                for row in self.report.by_kam.to_dicts()
            ]
        if group == "account":
            return self.report.by_account.to_dicts()
        if group == "channel":
            return [
                {**row, "label": self.channel_labels.get(row["channel"], row["channel"])}
                for row in self.report.by_channel.to_dicts()
            ]
        raise ValueError(f"unknown group {group!r}")

    def kpi_rows(self) -> list[dict[str, Any]]:
        """One row per KPI of the summary with its target (if any) and status."""
        by_kpi = {check.target.kpi: check for check in self.targets}
        rows = []
        for code in KPI_CODES:
            check = by_kpi.get(code)
            rows.append(
                {
                    "kpi": code,
                    "label": str(KpiCode(code).label),
                    "value": self.summary.value(code),
                    "target": check.target.value if check else None,
                    "direction": check.target.direction if check else None,
                    "status": check.status if check else None,
                }
            )
        return rows

    def as_dict(self, group: str = "company") -> dict[str, Any]:
        """The JSON of the API and of ``kam kpis --format json``."""
        return {
            "period": self.period.as_dict(),
            "scope": self.scope,
            "group": group,
            "key_list_start": self.key_list_start.as_dict() if self.key_list_start else None,
            "key_list_end": self.key_list_end.as_dict() if self.key_list_end else None,
            "messages": list(self.messages),
            "summary": {**self.summary.as_dict(), "did_sentence": self.did_sentence()},
            "targets": [check.as_dict() for check in self.targets],
            "rows": self.rows(group),
        }


def period_of(date_from: date, date_to: date) -> Period:
    """The period [date_from, date_to], or a ValidationError naming ``to``."""
    if date_from > date_to:
        raise ValidationError(
            {
                "to": _("The period ends (%(to)s) before it starts (%(from)s).")
                % {"to": date_to.isoformat(), "from": date_from.isoformat()}
            }
        )
    return Period(date_from, date_to)


def default_period(today: date | None = None) -> Period:
    """The trailing 12 months before today."""
    return Period.trailing_year(today or timezone.localdate())


def key_list_on(day: date) -> KeyList | None:
    """The key-account list in force on ``day``: among the applied runs with ``as_of`` ≤
    day, the one with the latest ``as_of`` (ties: the latest applied)."""
    found = (
        ScoreRun.objects.filter(applied=True, status=RunStatus.DONE, as_of__lte=day)
        .order_by("-as_of", "-applied_at", "-pk")
        .values_list("pk", "as_of")
        .first()
    )
    return KeyList(*found) if found else None


def kpi_report(
    *, user: Actor, date_from: date, date_to: date, group: str = "company"
) -> KpiReportView:
    """Every KPI of [date_from, date_to] on what ``user`` may see (module docstring).
    ``group`` is checked here; every grouping is computed (they cost little once the
    data is read) and :meth:`KpiReportView.rows` gives the one asked for."""
    require_kpi_reader(user)
    if group not in GROUPS:
        raise ValidationError(
            {"group": _("Choose one of: %(groups)s.") % {"groups": ", ".join(GROUPS)}}
        )
    period = period_of(date_from, date_to)
    company = sees_company_kpis(user)
    visible = Account.objects.all() if company else account_list(user=user)  # type: ignore[arg-type]
    batches = committed_ledger_batches()
    # The ledger's engine scans the order lines on a thread of its own (DuckDB releases
    # the GIL) while this one reads the database; a KAM's scan waits for their accounts.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="kam-kpi-ledger") as pool:
        revenue_job = pool.submit(_ledger_revenue, batches, period, None) if company else None
        accounts = _accounts(visible)
        at_start = key_list_on(period.date_from)
        at_end = key_list_on(period.date_to)
        keys = _key_accounts([r for r in (at_start, at_end) if r is not None])
        team = None if company or user is None else team_member_ids(user=user)
        managers = _managers(team)
        activities = _activities(period, visible, company)
        leads = _leads(period, visible, company)
        revenue = (
            revenue_job.result()
            if revenue_job is not None
            else _ledger_revenue(batches, period, accounts["account_id"].to_list())
        )
    report = kpis.kpi_report(
        period=period,
        accounts=accounts,
        revenue=revenue,
        activities=activities,
        leads=leads,
        key_start=keys.get(at_start.run_id, []) if at_start else None,
        key_end=keys.get(at_end.run_id, []) if at_end else None,
        managers=managers,
    )
    targets = list(_targets(period, team))
    own = None if company or user is None else user.get_username()
    kam_targets: dict[str, list[TargetCheck]] = {}
    summary_targets = []
    kam_rows = {row["lead"]: row for row in report.by_kam.to_dicts()}
    for target in targets:
        if target.manager is None:
            if company:
                summary_targets.append(_check(target, report.summary.value(target.kpi)))
            continue
        name = target.manager.get_username()
        row = kam_rows.get(name)
        actual = None if row is None else _number(row.get(target.kpi))
        kam_targets.setdefault(name, []).append(_check(target, actual))
        if name == own:
            summary_targets.append(_check(target, report.summary.value(target.kpi)))
    return KpiReportView(
        report=report,
        scope=COMPANY if company else PORTFOLIO,
        key_list_start=at_start,
        key_list_end=at_end,
        messages=tuple(_messages(report, at_start, at_end)),
        targets=tuple(summary_targets),
        kam_targets={name: tuple(checks) for name, checks in kam_targets.items()},
        channel_labels={c.code: c.label for c in Channel.objects.all()},
    )


def _number(value: Any) -> float | None:
    return None if value is None else float(value)


def _check(target: KpiTarget, actual: float | None) -> TargetCheck:
    return TargetCheck(target, actual, target_status(actual, target.value, target.direction))


# -- the reads -----------------------------------------------------------------------------


def _accounts(visible: QuerySet[Account]) -> pl.DataFrame:
    """The accounts in scope, read with a plain cursor straight into Polars (no model
    instance, no per-value converter: 100,000 accounts in a few hundredths of a second)."""
    query = visible.order_by().values_list("external_id", "name", "sector")
    sql, params = query.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return pl.DataFrame(rows, schema=kpis.ACCOUNT_SCHEMA, orient="row")


def _key_accounts(runs: list[KeyList]) -> dict[int, list[str]]:
    """The key accounts of each run, by run id (one query for both runs)."""
    found: dict[int, list[str]] = {run.run_id: [] for run in runs}
    if not runs:
        return found
    rows = AccountScore.objects.filter(run_id__in=list(found), tier=KEY).values_list(
        "run_id", "account__external_id"
    )
    for run_id, external_id in rows:
        found[run_id].append(external_id)
    return found


def revenue_expression(lines: ibis.Table, period: Period) -> ibis.Table:
    """The per-account revenue the KPIs read, as an Ibis expression over the order lines:
    revenue in P and in P' and whether the account has a purchase line (a positive
    amount) before P. :data:`REVENUE_SQL` is the same query for the ledger's DuckDB."""
    import ibis

    lines = lines.filter(lines.order_date <= period.date_to)
    zero = ibis.literal(0.0)
    in_p = lines.order_date >= period.date_from
    in_previous = (lines.order_date >= period.previous_from) & (lines.order_date < period.date_from)
    bought_before = (lines.order_date < period.date_from) & (lines.amount > 0)
    return lines.group_by("account_id").aggregate(
        revenue=ibis.ifelse(in_p, lines.amount, zero).sum(),
        revenue_previous=ibis.ifelse(in_previous, lines.amount, zero).sum(),
        bought_before=bought_before.any(),
    )


# :func:`revenue_expression` written for the ledger's DuckDB (the view ``ledger``), run
# without Ibis like the scoring's features (kam.ledger.features.duckdb_sales_features):
# Ibis costs a second to import and compile in a fresh process, the scan a few tenths.
# ``{scope}`` is empty, or restricts the lines to the accounts of the table ``scope``.
# The tests run both on the same data and compare.
REVENUE_SQL = """
SELECT
  account_id,
  SUM(CASE WHEN order_date >= $date_from THEN amount ELSE 0.0 END) AS revenue,
  SUM(CASE WHEN order_date >= $previous_from AND order_date < $date_from
      THEN amount ELSE 0.0 END) AS revenue_previous,
  BOOL_OR(order_date < $date_from AND amount > 0) AS bought_before
FROM ledger
WHERE order_date <= $date_to{scope}
GROUP BY account_id
"""


def _revenue(period: Period, external_ids: list[str] | None) -> pl.DataFrame:
    """ONE aggregate run by the ledger's engine: per account, revenue in P and in P' and
    whether it has a purchase line (a positive amount) before P. ``external_ids``
    restricts it to those accounts (None: every account)."""
    return _ledger_revenue(committed_ledger_batches(), period, external_ids)


def _ledger_revenue(
    batches: list[LedgerBatch], period: Period, external_ids: list[str] | None
) -> pl.DataFrame:
    """:func:`_revenue` of these committed batches; touches no Django model, so that it
    may run on another thread. The result goes from DuckDB to Polars as an Arrow stream
    (no pandas)."""
    from kam.sales.selectors import ledger

    if external_ids is not None and not external_ids:
        return kpis.empty(kpis.REVENUE_SCHEMA)
    connection = ledger().connect(batches)
    try:
        # A query of more than 2 s would draw DuckDB's progress bar on standard output.
        connection.execute("SET enable_progress_bar = false")
        scope = ""
        if external_ids is not None:
            ids = pl.DataFrame({"account_id": external_ids}, schema={"account_id": pl.String})
            connection.register("scope", ids)
            scope = " AND account_id IN (SELECT account_id FROM scope)"
        # Dates as SQL literals (ISO text of date objects): no parameter binding, which
        # would import pandas (a second) in a fresh process.
        sql = REVENUE_SQL.format(scope=scope)
        for name, day in (
            ("date_from", period.date_from),
            ("date_to", period.date_to),
            ("previous_from", period.previous_from),
        ):
            sql = sql.replace(f"${name}", f"DATE '{day.isoformat()}'")
        result = pl.DataFrame(connection.sql(sql))
    finally:
        connection.close()
    if result.is_empty():
        return kpis.empty(kpis.REVENUE_SCHEMA)
    return result.select([pl.col(n).cast(t) for n, t in kpis.REVENUE_SCHEMA.items()])


def _activities(period: Period, visible: QuerySet[Account], company: bool) -> pl.DataFrame:
    """Activities dated in P: count and cost per account and channel (one query)."""
    activities = Activity.objects.filter(occurred_on__range=(period.date_from, period.date_to))
    if not company:
        activities = activities.filter(account__in=visible)
    rows = (
        activities.order_by()
        .values_list("account__external_id", "channel__code")
        .annotate(count=Count("id"), cost=Sum("cost"))
    )
    return pl.DataFrame(
        [(a, c, n, float(cost or 0)) for a, c, n, cost in rows],
        schema=kpis.ACTIVITY_SCHEMA,
        orient="row",
    )


def _leads(period: Period, visible: QuerySet[Account], company: bool) -> pl.DataFrame:
    """The lead manager of each account at the start of P (midnight of its first day):
    the lead assignment started by then and not ended by then (one query)."""
    instant = timezone.make_aware(datetime.combine(period.date_from, time.min))
    leads = AccountAssignment.objects.filter(
        Q(ended_at__isnull=True) | Q(ended_at__gt=instant),
        role=AssignmentRole.LEAD,
        started_at__lte=instant,
    )
    if not company:
        leads = leads.filter(account__in=visible)
    rows = leads.order_by("started_at", "pk").values_list(
        "account__external_id", "manager__username"
    )
    return pl.DataFrame(list(rows), schema=kpis.LEAD_SCHEMA, orient="row")


def _managers(team: set[int] | None) -> list[str]:
    """The KAMs and GAMs listed per KAM: every active one for the company (``team``
    None), the members of ``team`` for a KAM."""
    managers = get_user_model().objects.filter(manager_profile__isnull=False, is_active=True)
    if team is not None:
        managers = managers.filter(pk__in=team)
    return sorted(managers.values_list("username", flat=True))


def _targets(period: Period, team: set[int] | None) -> QuerySet[KpiTarget]:
    """The targets of exactly this period: all of them for the company (``team`` None),
    those of the members of ``team`` for a KAM (one query)."""
    targets = KpiTarget.objects.filter(date_from=period.date_from, date_to=period.date_to)
    if team is not None:
        targets = targets.filter(manager_id__in=team)
    return targets.select_related("manager").order_by("kpi", "manager__username")


def kpi_target_list(*, user: Actor) -> QuerySet[KpiTarget]:
    """Every target ``user`` sees: all for directors, analysts and marketing; the
    company's and their team's for a KAM."""
    require_kpi_reader(user)
    targets = KpiTarget.objects.select_related("manager", "created_by")
    if not sees_company_kpis(user) and user is not None:
        targets = targets.filter(
            Q(manager__isnull=True) | Q(manager_id__in=team_member_ids(user=user))
        )
    return targets.order_by("-date_from", "date_to", "kpi", "manager__username", "pk")


# -- what the numbers say ------------------------------------------------------------------


def _messages(report: KpiReport, at_start: KeyList | None, at_end: KeyList | None) -> list[str]:
    period = report.period
    messages = []
    if at_start is None:
        messages.append(
            _(
                "No key-account list at the start of the period: no score run applied as "
                "of %(day)s or earlier. The key-account KPIs are undefined."
            )
            % {"day": period.date_from.isoformat()}
        )
    reason = report.summary.did_undefined
    if at_start is not None and reason == "no_key_accounts":
        messages.append(_("No key account at the start of the period in what you see."))
    elif reason == "too_few_comparisons":
        messages.append(
            _("Fewer than 3 accounts outside the key-account list: no comparison group.")
        )
    return messages


def did_sentence(did: Did | None) -> str | None:
    """The difference in differences in one plain sentence for a director."""
    if did is None:
        return None
    values = {
        "n": did.n,
        "key": _money(did.key_uplift_mean),
        "others": _money(did.comparison_uplift_mean),
        "estimate": _money(did.estimate),
        "low": _money(did.ci_low),
        "high": _money(did.ci_high),
    }
    text = (
        _(
            "The %(n)s key accounts changed their purchases by %(key)s each on average, "
            "comparable non-key accounts (same sector, similar size before) by %(others)s: "
            "a difference of %(estimate)s per account (95 %% confidence: %(low)s to "
            "%(high)s)."
        )
        % values
    )
    if did.ci_low > 0:
        verdict = _(
            "The key accounts grew more than the market: KAM most likely made a difference."
        )
    elif did.ci_high < 0:
        verdict = _("The key accounts did worse than comparable accounts.")
    else:
        verdict = _(
            "The difference could be chance: the interval includes zero, so the market may "
            "explain the change as well as KAM."
        )
    return f"{text} {verdict}"


def _money(value: float) -> str:
    return number_format(round(value), force_grouping=True)


# -- one account ---------------------------------------------------------------------------


@dataclass(frozen=True)
class AccountKpis:
    """One account's figures of a period (the per-account KPI block): ``key_at_start``
    None when no key-account list was in force at the start of P. ``row`` holds the
    domain's per-account figures (revenue in P and P', uplift and in %, activities, cost,
    ROI); the ROI of actions counts towards the company's only for key accounts."""

    period: Period
    key_at_start: bool | None
    key_at_end: bool | None
    row: dict[str, Any]
    channels: list[dict[str, Any]]


def account_kpis(*, user: Actor, account: Account, date_from: date, date_to: date) -> AccountKpis:
    """The figures of ``account`` over [date_from, date_to]; the caller has checked that
    ``user`` may see it (:func:`kam.accounts.selectors.account_get`)."""
    require_kpi_reader(user)
    period = period_of(date_from, date_to)
    one = Account.objects.filter(pk=account.pk)
    at_start, at_end = key_list_on(period.date_from), key_list_on(period.date_to)
    runs = [r.run_id for r in (at_start, at_end) if r is not None]
    key_runs = set(
        AccountScore.objects.filter(run_id__in=runs, account=account, tier=KEY).values_list(
            "run_id", flat=True
        )
    )
    activities = _activities(period, one, company=False)
    frame = kpis.account_frame(
        accounts=_accounts(one),
        revenue=_revenue(period, [account.external_id]),
        activities=activities,
        leads=_leads(period, one, company=False),
        key_start=[account.external_id] if at_start and at_start.run_id in key_runs else [],
        key_end=[account.external_id] if at_end and at_end.run_id in key_runs else [],
    )
    # The per-account figures of the domain, whatever the account's tier.
    row = kpis.account_rows(frame.with_columns(is_key=pl.lit(True))).row(0, named=True)
    labels = {c.code: c.label for c in Channel.objects.all()}
    channels = [
        {**r, "label": labels.get(r["channel"], r["channel"])}
        for r in activities.sort("channel").to_dicts()
    ]
    return AccountKpis(
        period=period,
        key_at_start=None if at_start is None else at_start.run_id in key_runs,
        key_at_end=None if at_end is None else at_end.run_id in key_runs,
        row=row,
        channels=channels,
    )
