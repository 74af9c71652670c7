"""Loading the demo data set into kam, through the same services as anyone's data.

Accounts and order lines go through the one import path
(:func:`kam.accounts.services.accounts_import_frame`,
:func:`kam.sales.services.sales_import_frame`), users through
:func:`kam.core.services.user_create`, assignments through
:func:`kam.assignments.services.account_assign`: the demo obeys every rule a real
import obeys, and shows nothing a real installation could not hold.

Order of the steps, so that a failure leaves something a rerun can handle: accounts
first (rejected → nothing stored, the database stays empty), then users (existing ones
are kept as they are), then the sales (their own all-or-nothing batch), then the
assignments, and last the scoring: a run of the seed scorecard put in force, so that the
key-account list is filled. No outer transaction: a sales batch must be committed by its
own import, under the ledger lock, or ``kam check`` could take its file for an orphan.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from django.contrib.auth.models import User

from kam.accounts.models import Account
from kam.accounts.services import accounts_import_frame
from kam.assignments.proposals import proposal_apply, proposal_create
from kam.assignments.services import account_assign
from kam.core.models import ManagerProfile
from kam.core.services import user_create
from kam.demo.activities import demo_activities  # engagement
from kam.demo.assign import assignment_plan
from kam.demo.campaigns import demo_campaign  # campaigns
from kam.demo.contacts import demo_contacts  # contacts
from kam.demo.generate import DemoSpec, demo_generate
from kam.demo.kpis import demo_past_leads, demo_past_run  # kpis
from kam.demo.people import DEMO_PASSWORD, DEMO_USERS, DemoUser
from kam.demo.plans import demo_plans  # plans
from kam.plans.services import alerts_refresh  # plans
from kam.sales.services import sales_import_frame
from kam.scoring.services import score_run_apply, score_run_create

if TYPE_CHECKING:
    from kam.importing.report import ImportResult

Progress = Callable[[str, float], None]


class DemoRefused(Exception):
    """The database already holds accounts: the demo is only loaded into an empty one."""

    def __init__(self, existing_accounts: int) -> None:
        super().__init__(
            f"the database already has {existing_accounts} account(s); the demo data set "
            "is only loaded into an empty database (--if-empty skips quietly)"
        )
        self.existing_accounts = existing_accounts


class DemoLoadFailed(Exception):
    """An import of generated data was rejected (a bug in the generator or the import)."""


@dataclass(frozen=True)
class DemoLogin:
    """A demo login to print. ``password`` is None for a user that existed already and
    was left untouched."""

    username: str
    role: str
    password: str | None
    note: str = ""


@dataclass(frozen=True)
class DemoLoadResult:
    """What ``kam demo`` did: skipped (the database had accounts), or what it loaded."""

    loaded: bool
    existing_accounts: int = 0
    seed: int | None = None
    as_of: date | None = None
    period_start: date | None = None
    period_end: date | None = None
    accounts: int = 0
    groups: int = 0
    lines: int = 0
    revenue: float = 0.0
    users_created: int = 0
    key_accounts: int = 0
    assignments: int = 0
    unassigned: int = 0
    logins: tuple[DemoLogin, ...] = ()
    score_run: int | None = None
    key_tier: int = 0
    proposal: int | None = None
    seconds: float = 0.0

    def as_dict(self) -> dict[str, object]:
        """JSON-ready (dates as ISO strings)."""
        data = dataclasses.asdict(self)
        for key in ("as_of", "period_start", "period_end"):
            value = data[key]
            data[key] = value.isoformat() if value is not None else None
        data["logins"] = [dataclasses.asdict(login) for login in self.logins]
        return data


def demo_load(
    *, spec: DemoSpec, if_empty: bool = False, progress: Progress | None = None
) -> DemoLoadResult:
    """Generate the demo data set of ``spec`` and store it: accounts and groups, order
    lines, demo users of every role, and lead managers for the largest accounts.

    Refuses (:class:`DemoRefused`) when the database already has accounts, unless
    ``if_empty``, in which case it does nothing and says so in the result."""
    started = time.monotonic()
    say = progress or (lambda stage, fraction: None)
    existing = Account.objects.count()
    if existing:
        if if_empty:
            return DemoLoadResult(loaded=False, existing_accounts=existing)
        raise DemoRefused(existing)

    say("generating", 0.0)
    data = demo_generate(spec)
    source = f"kam demo (seed {spec.seed}, as of {spec.as_of.isoformat()})"
    say("importing accounts", 0.0)
    _check(
        accounts_import_frame(frame=data.accounts, source_name=f"{source}: accounts", user=None),
        "accounts",
    )
    say("creating users", 0.0)
    users, logins = _demo_users()
    say("importing sales", 0.0)
    _check(
        sales_import_frame(
            frame=data.sales,
            source_name=f"{source}: sales",
            user=None,
            progress=lambda stage, fraction: say(f"importing sales: {stage}", fraction),
        ),
        "sales",
    )
    _check(demo_contacts(data), "contacts")  # contacts: stakeholders of the larger accounts
    say("assigning key accounts", 0.0)
    managers = _usable_managers(users)
    start, end = spec.period
    plan = assignment_plan(data.accounts, data.sales, managers, period_end=end)
    by_id = Account.objects.in_bulk(
        [a.external_id for a in plan.assignments], field_name="external_id"
    )
    director = users.get("director")
    for planned in plan.assignments:
        account_assign(
            account=by_id[planned.external_id],
            manager=users[planned.username],
            reason="Demo data: initial lead for a top-20 % account by trailing-12-month revenue",
            by=director,
        )
    demo_activities(  # engagement: activities and channel plans of the top accounts
        seed=spec.seed,
        period=spec.period,
        accounts=data.accounts,
        sales=data.sales,
        leads=[(p.external_id, users[p.username]) for p in plan.assignments],
    )
    demo_campaign(  # campaigns: a past loyalty campaign, recorded as sent (no e-mail)
        seed=spec.seed,
        period=spec.period,
        leads=[(p.external_id, users[p.username]) for p in plan.assignments],
        by=users.get("marketing"),
    )
    demo_plans(  # plans: account plans for a third of the top accounts
        seed=spec.seed,
        as_of=spec.as_of,
        sales=data.sales,
        leads=[(p.external_id, users[p.username]) for p in plan.assignments],
    )
    demo_past_leads(spec)  # kpis: the demo's leads in place since a year before
    demo_past_run(spec)  # kpis: the key-account list at the start of the default KPI period
    # Scoring takes a second; it has no progress stage of its own (the stages are a
    # contract of `kam demo`, tested in tests/demo).
    scored = score_run_create(as_of=spec.as_of, user=None)
    assert scored.run is not None  # not a dry run
    run = score_run_apply(run=scored.run, user=None)
    # assignments: the optimiser's proposal for the key accounts, applied as a director
    # would (every key account led, nobody over capacity, international ones by GAMs)
    proposal = proposal_apply(proposal=proposal_create(user=None), user=None)
    alerts_refresh(as_of=spec.as_of)  # plans: the alerts of the key accounts in force
    say("done", 1.0)
    return DemoLoadResult(
        loaded=True,
        seed=spec.seed,
        as_of=spec.as_of,
        period_start=start,
        period_end=end,
        accounts=data.accounts.height,
        groups=data.accounts["parent_id"].drop_nulls().n_unique(),
        lines=data.sales.height,
        revenue=round(float(data.sales["amount"].sum()), 2),
        users_created=sum(1 for login in logins if login.password is not None),
        key_accounts=plan.key_accounts,
        assignments=len(plan.assignments),
        unassigned=plan.unassigned,
        logins=tuple(logins),
        score_run=run.pk,
        key_tier=int(run.stats.get("tiers", {}).get("key", 0)),
        proposal=proposal.pk,
        seconds=round(time.monotonic() - started, 2),
    )


def _check(result: ImportResult, what: str) -> None:
    if result.ok:
        return
    first = "; ".join(
        f"row {e.row}, {e.column}: {e.reason}" if e.row is not None else e.reason
        for e in result.errors[:3]
    )
    raise DemoLoadFailed(f"the generated {what} were rejected by the import: {first}")


def _demo_users() -> tuple[dict[str, User], list[DemoLogin]]:
    """Create the demo users that do not exist yet; existing ones are kept unchanged."""
    existing = {
        u.username: u for u in User.objects.filter(username__in=[d.username for d in DEMO_USERS])
    }
    users: dict[str, User] = {}
    logins = []
    for demo in DEMO_USERS:  # team leads come before the people who report to them
        if demo.username in existing:
            users[demo.username] = existing[demo.username]
            logins.append(DemoLogin(demo.username, demo.role, None, demo.note))
            continue
        user, password = user_create(
            username=demo.username,
            role=demo.role,
            password=DEMO_PASSWORD,
            email=f"{demo.username}@example.com",
            first_name=demo.first_name,
            last_name=demo.last_name,
            capacity=demo.capacity,
            sectors=list(demo.sectors) if demo.is_manager else None,
            languages=list(demo.languages) if demo.is_manager else None,
            countries=list(demo.countries) if demo.is_manager else None,
            reports_to=users.get(demo.reports_to) if demo.reports_to else None,
        )
        users[demo.username] = user
        logins.append(DemoLogin(demo.username, demo.role, password, demo.note))
    return users, logins


def _usable_managers(users: dict[str, User]) -> list[DemoUser]:
    """The demo managers as they are in the database: a user that existed before with
    another role is left out, and each manager's real capacity counts."""
    profiles = {p.user_id: p for p in ManagerProfile.objects.filter(user__in=list(users.values()))}
    usable = []
    for demo in DEMO_USERS:
        profile = profiles.get(users[demo.username].pk)
        if not demo.is_manager or profile is None:
            continue
        role = "gam" if profile.kind == "GAM" else "kam"
        usable.append(dataclasses.replace(demo, role=role, capacity=int(profile.capacity)))
    return usable
