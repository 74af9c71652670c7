"""Loyalty campaigns: create one, preview whom it reaches (and who is skipped, and why),
send it (one e-mail per consenting contact through Django's e-mail backend), export the
target list, record responses and measure its effect on revenue.

Every adapter (pages, API, command line, demo) goes through these functions. Consent is
respected here and only here: a contact marked ``do_not_mail`` is never sent anything,
and is counted as "skipped: no consent"; so are contacts without an e-mail address and
those who left the company (each counted under its own reason).

Reads of campaigns (lists, one campaign, its targets) are in
:mod:`kam.engagement.selectors`.
"""

from __future__ import annotations

import contextlib
import csv
import io
import smtplib
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from kam.accounts.models import Account, Contact
from kam.accounts.selectors import account_list
from kam.core.services import audit_record
from kam.domain import campaign_effect as effect
from kam.domain.tiers import KEY
from kam.engagement.models import (
    Activity,
    Campaign,
    CampaignStatus,
    CampaignTarget,
    Channel,
    Outcome,
    TargetStatus,
)
from kam.engagement.permissions import (
    can_manage_campaigns,
    can_work_account,
    reads_all_campaigns,
    require_campaign_manager,
)
from kam.scoring.models import AccountScore, ScoreRun
from kam.scoring.selectors import LEAD_MANAGER, account_score_list, run_in_force

if TYPE_CHECKING:
    from kam.engagement.permissions import Actor

DEFAULT_RESULT_DAYS = 90
MAX_RESULT_DAYS = 730
EXPORT_COLUMNS = ("account", "account_name", "contact", "email", "kam", "offer")


# -- criteria ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Criteria:
    """Which accounts a campaign reaches, among the accounts scored by the run in force:
    those of ``tiers`` (key accounts by default), managed by one of ``kams`` (usernames),
    in one of ``sectors``, with a score of at least ``min_score``. Empty means any."""

    tiers: tuple[str, ...] = (KEY,)
    kams: tuple[str, ...] = ()
    sectors: tuple[str, ...] = ()
    min_score: float | None = None

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> Criteria:
        data = data or {}
        min_score = data.get("min_score")
        return cls(
            tiers=tuple(data.get("tiers") or (KEY,)),
            kams=tuple(data.get("kams") or ()),
            sectors=tuple(data.get("sectors") or ()),
            min_score=None if min_score is None else float(min_score),
        )

    def as_json(self) -> dict[str, Any]:
        return {
            "tiers": list(self.tiers),
            "kams": list(self.kams),
            "sectors": list(self.sectors),
            "min_score": self.min_score,
        }


def _names(value: Any, field_name: str, errors: dict[str, list[str]]) -> tuple[str, ...]:
    if value in (None, ""):
        return ()
    if isinstance(value, str):
        value = value.split(",")
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        errors.setdefault(field_name, []).append(_("Expected a list of names."))
        return ()
    return tuple(dict.fromkeys(v.strip() for v in value if v.strip()))


def criteria_clean(raw: Mapping[str, Any] | None) -> Criteria:
    """The criteria as given by a person (lists, or comma-separated text), checked: a
    refusal is a ValidationError naming the field (``tiers``, ``kams``, ``sectors``,
    ``min_score``)."""
    raw = raw or {}
    errors: dict[str, list[str]] = {}
    unknown = sorted(set(raw) - {"tiers", "kams", "sectors", "min_score"})
    if unknown:
        errors["criteria"] = [
            _("Unknown criterion: %(names)s (tiers, kams, sectors, min_score).")
            % {"names": ", ".join(unknown)}
        ]
    tiers = _names(raw.get("tiers"), "tiers", errors) or (KEY,)
    kams = _names(raw.get("kams"), "kams", errors)
    sectors = _names(raw.get("sectors"), "sectors", errors)
    if kams:
        known = set(
            get_user_model().objects.filter(username__in=kams).values_list("username", flat=True)
        )
        missing = [k for k in kams if k not in known]
        if missing:
            errors.setdefault("kams", []).append(
                _("Unknown user: %(names)s.") % {"names": ", ".join(missing)}
            )
    min_score: float | None = None
    given = raw.get("min_score")
    if given not in (None, ""):
        try:
            min_score = float(given)
        except (TypeError, ValueError):
            errors.setdefault("min_score", []).append(
                _("Not a number: %(value)s.") % {"value": given}
            )
    if errors:
        raise ValidationError(errors)
    return Criteria(tiers=tiers, kams=kams, sectors=sectors, min_score=min_score)


# -- create -----------------------------------------------------------------------------------


def _decimal(value: Any) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        raise ValidationError(
            {"discount_percent": _("Not a number: %(value)s.") % {"value": value}}
        ) from None


def campaign_create(
    *,
    name: str,
    offer: str,
    valid_from: date,
    valid_to: date,
    channel: Channel | str,
    user: Actor,
    discount_percent: Decimal | float | str | None = None,
    criteria: Mapping[str, Any] | None = None,
) -> Campaign:
    """A draft campaign (marketing and directors). Refusals name the field: ``name``,
    ``offer``, ``discount_percent`` (0 to 100), ``valid_to`` (not before ``valid_from``,
    not already over), ``channel`` (known and active), and the criteria's fields."""
    require_campaign_manager(user)
    errors: dict[str, list[str]] = {}
    if not (name or "").strip():
        errors["name"] = [_("A campaign needs a name.")]
    elif "\n" in name or "\r" in name:
        errors["name"] = [_("The name is the e-mail's subject: one line, please.")]
    if not (offer or "").strip():
        errors["offer"] = [_("A campaign needs an offer text.")]
    discount = _decimal(discount_percent)
    if discount is not None and not Decimal(0) <= discount <= Decimal(100):
        errors["discount_percent"] = [
            _("The discount is a percentage from 0 to 100 (got %(value)s).") % {"value": discount}
        ]
    if valid_to < valid_from:
        errors["valid_to"] = [
            _("The offer must end on or after the day it starts (%(day)s).")
            % {"day": valid_from.isoformat()}
        ]
    elif valid_to < timezone.localdate():
        errors["valid_to"] = [
            _("The offer would already be over (it ends on %(day)s).")
            % {"day": valid_to.isoformat()}
        ]
    found = _channel(channel, errors)
    try:
        chosen = criteria_clean(criteria)
    except ValidationError as exc:
        for key, messages in exc.message_dict.items():
            errors.setdefault(key, []).extend(messages)
        chosen = Criteria()
    if errors:
        raise ValidationError(errors)
    assert found is not None
    campaign = Campaign(
        name=name.strip(),
        offer=offer.strip(),
        discount_percent=discount,
        valid_from=valid_from,
        valid_to=valid_to,
        channel=found,
        criteria=chosen.as_json(),
        created_by=_person(user),
    )
    campaign.full_clean()
    with transaction.atomic():
        campaign.save()
        audit_record(
            actor=user,
            action="campaign.create",
            obj=campaign,
            summary=f"campaign {campaign.name!r} created",
            details={"criteria": campaign.criteria, "channel": found.code},
        )
    return campaign


def _channel(channel: Channel | str, errors: dict[str, list[str]]) -> Channel | None:
    found = (
        channel
        if isinstance(channel, Channel)
        else Channel.objects.filter(code=(channel or "").strip()).first()
    )
    if found is None:
        known = ", ".join(Channel.objects.filter(active=True).values_list("code", flat=True))
        errors["channel"] = [
            _("Unknown channel “%(channel)s” (channels: %(known)s).")
            % {"channel": channel, "known": known}
        ]
        return None
    if not found.active:
        errors["channel"] = [
            _("The channel “%(channel)s” is not active.") % {"channel": found.label}
        ]
    return found


# -- preview ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class TargetRow:
    """One contact of a chosen account (or the account alone when it has no contact) and
    what the campaign would do: ``status`` is ``pending`` (would be mailed) or a skip
    reason."""

    account_id: int
    external_id: str
    account_name: str
    sector: str
    tier: str
    kam: str
    contact_id: int | None
    contact_name: str
    email: str
    status: str

    @property
    def mailable(self) -> bool:
        return self.status == TargetStatus.PENDING


@dataclass
class Preview:
    """Whom a campaign reaches: the chosen accounts, their contacts and the counts of who
    would be mailed or skipped (and why). ``run`` is None when no score run is in force
    (then nobody is chosen)."""

    run: ScoreRun | None
    rows: list[TargetRow] = field(default_factory=list)

    @property
    def accounts(self) -> int:
        return len({r.account_id for r in self.rows})

    @property
    def counts(self) -> dict[str, int]:
        found = Counter(r.status for r in self.rows)
        return {
            "accounts": self.accounts,
            "mailable": found[TargetStatus.PENDING],
            TargetStatus.SKIPPED_NO_CONSENT: found[TargetStatus.SKIPPED_NO_CONSENT],
            TargetStatus.SKIPPED_NO_EMAIL: found[TargetStatus.SKIPPED_NO_EMAIL],
            TargetStatus.SKIPPED_LEFT: found[TargetStatus.SKIPPED_LEFT],
            "skipped": sum(found[s] for s in effect.SKIPPED),
        }

    @property
    def mailable_rows(self) -> list[TargetRow]:
        return [r for r in self.rows if r.mailable]


def chosen_scores(*, criteria: Criteria, user: Actor, run: ScoreRun) -> QuerySet[AccountScore]:
    """The scores (in ``run``) of the accounts the criteria choose that ``user`` sees."""
    scores = account_score_list(user=user, run=run).filter(tier__in=criteria.tiers)
    if criteria.sectors:
        scores = scores.filter(account__sector__in=criteria.sectors)
    if criteria.min_score is not None:
        scores = scores.filter(score__gte=criteria.min_score)
    if criteria.kams:
        managed = Account.objects.filter(
            assignments__ended_at__isnull=True,
            assignments__manager__username__in=criteria.kams,
        )
        scores = scores.filter(account__in=managed)
    return scores


def campaign_targets_preview(*, campaign: Campaign, user: Actor) -> Preview:
    """The accounts chosen by the campaign's criteria among the accounts scored by the
    run in force (key accounts unless other tiers are given) that ``user`` sees, and
    each of their contacts with what would happen to them: mailed, or skipped for no
    consent, no e-mail, or having left the company. Two queries."""
    run = run_in_force()
    if run is None:
        return Preview(run=None)
    criteria = Criteria.from_json(campaign.criteria)
    scores = chosen_scores(criteria=criteria, user=user, run=run)
    accounts = list(
        scores.values_list(
            "account_id",
            "account__external_id",
            "account__name",
            "account__sector",
            "tier",
            LEAD_MANAGER,
        )
    )
    contacts: dict[int, list[Contact]] = defaultdict(list)
    for contact in Contact.objects.filter(account__in=scores.values("account_id")).order_by(
        "account_id", "last_name", "first_name", "id"
    ):
        contacts[contact.account_id].append(contact)
    today = timezone.localdate()
    rows: list[TargetRow] = []
    for account_id, external_id, name, sector, tier, kam in accounts:
        base = {
            "account_id": account_id,
            "external_id": external_id,
            "account_name": name,
            "sector": sector or "",
            "tier": tier,
            "kam": kam or "",
        }
        people = contacts.get(account_id, [])
        if not people:
            rows.append(
                TargetRow(
                    **base,
                    contact_id=None,
                    contact_name="",
                    email="",
                    status=TargetStatus.SKIPPED_NO_EMAIL,
                )
            )
            continue
        for person in people:
            status = effect.contact_status(
                email=person.email,
                do_not_mail=person.do_not_mail,
                left_on=person.left_on,
                today=today,
            )
            rows.append(
                TargetRow(
                    **base,
                    contact_id=person.pk,
                    contact_name=str(person),
                    email=person.email.strip(),
                    status=status,
                )
            )
    return Preview(run=run, rows=rows)


# -- send -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SendResult:
    """What sending did: accounts reached, e-mails sent and failed, contacts skipped per
    reason, activities logged."""

    accounts: int
    sent: int
    failed: int
    skipped_no_consent: int
    skipped_no_email: int
    skipped_left: int
    activities: int

    @property
    def skipped(self) -> int:
        return self.skipped_no_consent + self.skipped_no_email + self.skipped_left

    def as_dict(self) -> dict[str, int]:
        return {
            "accounts": self.accounts,
            "sent": self.sent,
            "failed": self.failed,
            "skipped": self.skipped,
            "skipped_no_consent": self.skipped_no_consent,
            "skipped_no_email": self.skipped_no_email,
            "skipped_left": self.skipped_left,
            "activities": self.activities,
        }


def _refuse(field_name: str, message: str) -> ValidationError:
    return ValidationError({field_name: [message]})


def campaign_email(campaign: Campaign, row: TargetRow) -> EmailMultiAlternatives:
    """The e-mail of one target: a plain-text and an HTML body with the offer."""
    context = {
        "campaign": campaign,
        "contact_name": row.contact_name,
        "account_name": row.account_name,
    }
    text = render_to_string("engagement/campaign_email.txt", context)
    html = render_to_string("engagement/campaign_email.html", context)
    message = EmailMultiAlternatives(
        subject=campaign.name,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[row.email],
        headers={"X-Kam-Campaign": str(campaign.pk)},
    )
    message.attach_alternative(html, "text/html")
    return message


def campaign_send(*, campaign: Campaign, user: Actor) -> SendResult:
    """Send the campaign (marketing and directors), once: ONE e-mail per consenting
    contact with an address, over a single connection of Django's e-mail backend; a
    failure of one address is recorded on its target and the others go on. Logs one
    activity per account reached on the campaign's channel (its unit cost, outcome
    none, the campaign's name as subject), marks the campaign sent and audits it.
    Refused (ValidationError naming the field): already sent, inactive channel, offer
    over, no score run in force, nobody to mail."""
    require_campaign_manager(user)
    campaign.refresh_from_db()
    if campaign.is_sent:
        raise _refuse(
            "status",
            _("The campaign was already sent on %(day)s; it is sent only once.")
            % {"day": f"{campaign.sent_at:%Y-%m-%d}" if campaign.sent_at else "?"},
        )
    channel = campaign.channel
    if not channel.active:
        raise _refuse(
            "channel", _("The channel “%(channel)s” is not active.") % {"channel": channel.label}
        )
    today = timezone.localdate()
    if campaign.valid_to < today:
        raise _refuse(
            "valid_to",
            _("The offer ended on %(day)s.") % {"day": campaign.valid_to.isoformat()},
        )
    preview = campaign_targets_preview(campaign=campaign, user=user)
    if preview.run is None:
        raise _refuse("criteria", _("No score run is in force: there is no key account yet."))
    counts = preview.counts
    if not counts["mailable"]:
        raise _refuse(
            "criteria",
            _(
                "Nobody to mail: %(accounts)s account(s) chosen, %(skipped)s contact(s) "
                "skipped (%(consent)s without consent, %(email)s without e-mail, %(left)s "
                "left the company)."
            )
            % {
                "accounts": counts["accounts"],
                "skipped": counts["skipped"],
                "consent": counts[TargetStatus.SKIPPED_NO_CONSENT],
                "email": counts[TargetStatus.SKIPPED_NO_EMAIL],
                "left": counts[TargetStatus.SKIPPED_LEFT],
            },
        )
    now = timezone.now()
    with transaction.atomic():
        # The claim: only one sender turns the draft into a sent campaign.
        claimed = Campaign.objects.filter(pk=campaign.pk, status=CampaignStatus.DRAFT).update(
            status=CampaignStatus.SENT, sent_at=now, sent_by=_person(user), score_run=preview.run
        )
        if not claimed:
            raise _refuse("status", _("The campaign was already sent; it is sent only once."))
        targets = CampaignTarget.objects.bulk_create(
            [
                CampaignTarget(
                    campaign=campaign,
                    account_id=row.account_id,
                    contact_id=row.contact_id,
                    email=row.email if row.mailable else "",
                    status=row.status,
                )
                for row in preview.rows
            ]
        )
    campaign.refresh_from_db()
    # Sending happens outside any transaction: SMTP is slow, and a database write lock
    # must not be held meanwhile. Each target's status is saved as it is known.
    by_target = list(zip(targets, preview.rows, strict=True))
    connection = get_connection(fail_silently=False)
    try:
        # When the server cannot be reached, each send below retries and records the
        # error on its own target.
        with contextlib.suppress(smtplib.SMTPException, OSError):
            connection.open()
        for target, row in by_target:
            if not row.mailable:
                continue
            message = campaign_email(campaign, row)
            message.connection = connection
            try:
                message.send()
            except (smtplib.SMTPException, OSError, ValueError) as exc:
                target.status = TargetStatus.FAILED
                target.error = (str(exc) or exc.__class__.__name__)[:500]
            else:
                target.status = TargetStatus.SENT
            # Saved at once: should the process stop mid-way, the targets still say who
            # was mailed (those left pending were not).
            CampaignTarget.objects.filter(pk=target.pk).update(
                status=target.status, error=target.error
            )
    finally:
        with contextlib.suppress(smtplib.SMTPException, OSError):
            connection.close()
    sent_contacts: dict[int, list[int]] = defaultdict(list)
    for target, row in by_target:
        if target.status == TargetStatus.SENT and row.contact_id is not None:
            sent_contacts[row.account_id].append(row.contact_id)
    with transaction.atomic():
        activities = Activity.objects.bulk_create(
            [
                Activity(
                    account_id=account_id,
                    channel=channel,
                    occurred_on=today,
                    subject=campaign.name[:200],
                    cost=channel.unit_cost,
                    outcome=Outcome.NONE,
                    author=_person(user),
                )
                for account_id in sent_contacts
            ]
        )
        links = Activity.contacts.through
        links.objects.bulk_create(
            [
                links(activity_id=activity.pk, contact_id=contact_id)
                for activity, contact_ids in zip(activities, sent_contacts.values(), strict=True)
                for contact_id in contact_ids
            ]
        )
        statuses = Counter(t.status for t, _row in by_target)
        result = SendResult(
            accounts=preview.accounts,
            sent=statuses[TargetStatus.SENT],
            failed=statuses[TargetStatus.FAILED],
            skipped_no_consent=statuses[TargetStatus.SKIPPED_NO_CONSENT],
            skipped_no_email=statuses[TargetStatus.SKIPPED_NO_EMAIL],
            skipped_left=statuses[TargetStatus.SKIPPED_LEFT],
            activities=len(activities),
        )
        campaign.accounts_count = result.accounts
        campaign.sent_count = result.sent
        campaign.failed_count = result.failed
        campaign.skipped_no_consent = result.skipped_no_consent
        campaign.skipped_no_email = result.skipped_no_email
        campaign.skipped_left = result.skipped_left
        campaign.save(
            update_fields=[
                "accounts_count",
                "sent_count",
                "failed_count",
                "skipped_no_consent",
                "skipped_no_email",
                "skipped_left",
            ]
        )
        audit_record(
            actor=user,
            action="campaign.send",
            obj=campaign,
            summary=(
                f"campaign {campaign.name!r} sent: {result.sent} e-mail(s), "
                f"{result.failed} failed, {result.skipped} skipped "
                f"({result.skipped_no_consent} without consent)"
            ),
            details=result.as_dict(),
        )
    return result


# -- responses --------------------------------------------------------------------------------


def campaign_record_response(
    *,
    target: CampaignTarget,
    outcome: str,
    user: Actor,
    responded_on: date | None = None,
) -> CampaignTarget:
    """Record how a mailed contact responded (``none`` takes a response back). Marketing,
    directors and the account's managers may record it; only a contact who was sent the
    e-mail can respond, on a day between the sending and today."""
    if not (can_manage_campaigns(user) or can_work_account(user, target.account)):
        raise PermissionDenied(
            _("Only marketing, directors and the account's managers may record responses.")
        )
    if outcome not in Outcome.values:
        raise _refuse(
            "outcome",
            _("Unknown outcome “%(outcome)s” (%(known)s).")
            % {"outcome": outcome, "known": ", ".join(Outcome.values)},
        )
    if target.status != TargetStatus.SENT:
        raise _refuse("target", _("Only a contact who was sent the campaign's e-mail can respond."))
    campaign = target.campaign
    today = timezone.localdate()
    responded = outcome != Outcome.NONE
    day = (responded_on or today) if responded else None
    sent_day = timezone.localdate(campaign.sent_at) if campaign.sent_at else None
    if day is not None and (day > today or (sent_day is not None and day < sent_day)):
        raise _refuse(
            "responded_on",
            _("A response is dated between the sending (%(sent)s) and today.")
            % {"sent": sent_day.isoformat() if sent_day else "?"},
        )
    with transaction.atomic():
        target.outcome = outcome
        target.responded = responded
        target.responded_on = day
        target.save(update_fields=["outcome", "responded", "responded_on"])
        audit_record(
            actor=user,
            action="campaign.response",
            obj=campaign,
            summary=f"response of target {target.pk} to {campaign.name!r}: {outcome}",
            details={"target": target.pk, "outcome": outcome},
        )
    return target


# -- results ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CampaignResults:
    """How a sent campaign did: responses, and the revenue of the accounts reached in the
    ``days`` days after sending vs the same number of days before, compared with
    comparable accounts not targeted (same tiers and sectors in the run the campaign was
    sent with): a difference in differences."""

    campaign: Campaign
    days: int
    before_from: date
    sent_on: date
    after_to: date
    days_observed: int
    sent: int
    responded: int
    outcomes: dict[str, int]
    effect: effect.CampaignEffect | None
    note: str

    @property
    def response_rate(self) -> float | None:
        return effect.response_rate(sent=self.sent, responded=self.responded)

    @property
    def did(self) -> float | None:
        return None if self.effect is None else self.effect.did

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "campaign": self.campaign.pk,
            "days": self.days,
            "before_from": self.before_from.isoformat(),
            "sent_on": self.sent_on.isoformat(),
            "after_to": self.after_to.isoformat(),
            "days_observed": self.days_observed,
            "sent": self.sent,
            "responded": self.responded,
            "response_rate": self.response_rate,
            "outcomes": self.outcomes,
            "did": self.did,
            "note": self.note,
        }
        if self.effect is not None:
            for name, group in (
                ("targeted", self.effect.targeted),
                ("comparison", self.effect.comparison),
            ):
                data[name] = {
                    "accounts": group.accounts,
                    "before_total": group.before_total,
                    "after_total": group.after_total,
                    "before_mean": group.before_mean,
                    "after_mean": group.after_mean,
                    "change_mean": group.change_mean,
                }
        return data


def campaign_results(
    *, campaign: Campaign, days: int = DEFAULT_RESULT_DAYS, user: Actor = None
) -> CampaignResults:
    """The tracking report of a sent campaign (a ValidationError on ``status`` for a
    draft, on ``days`` outside 1..730). The revenue comes from the sales ledger through
    ONE Ibis aggregate run by the ledger's engine (one row per account comes back)."""
    if not campaign.is_sent or campaign.sent_at is None:
        raise _refuse("status", _("The campaign is not sent yet: there is nothing to track."))
    if not 1 <= days <= MAX_RESULT_DAYS:
        raise _refuse(
            "days",
            _("The window is 1 to %(max)s days (got %(days)s).")
            % {
                "max": MAX_RESULT_DAYS,
                "days": days,
            },
        )
    sent_on = timezone.localdate(campaign.sent_at)
    before_from = sent_on - timedelta(days=days)
    after_to = sent_on + timedelta(days=days - 1)
    today = timezone.localdate()
    days_observed = max(0, min(days, (today - sent_on).days + 1))
    targets = CampaignTarget.objects.filter(campaign=campaign)
    rows = list(targets.values_list("account_id", "account__external_id", "status", "outcome"))
    sent = sum(1 for r in rows if r[2] == TargetStatus.SENT)
    outcomes = Counter(r[3] for r in rows if r[2] == TargetStatus.SENT and r[3] != Outcome.NONE)
    responded = sum(outcomes.values())
    reached = {r[1] for r in rows if r[2] == TargetStatus.SENT}
    every_target = {r[1] for r in rows}
    comparison = _comparable_accounts(campaign, reached, every_target)
    notes: list[str] = []
    if days_observed < days:
        notes.append(
            _("Only %(seen)s of the %(days)s days after sending have passed.")
            % {"seen": days_observed, "days": days}
        )
    if not comparison:
        notes.append(
            _("No comparable account (same tiers and sectors) was left out of the campaign.")
        )
    revenue = _revenue(sorted(reached | comparison), before_from, sent_on, after_to)
    result = effect.campaign_effect(revenue=revenue, targeted=reached, comparison=comparison)
    return CampaignResults(
        campaign=campaign,
        days=days,
        before_from=before_from,
        sent_on=sent_on,
        after_to=after_to,
        days_observed=days_observed,
        sent=sent,
        responded=responded,
        outcomes={k: outcomes[k] for k in Outcome.values if k != Outcome.NONE},
        effect=result,
        note=" ".join(notes),
    )


def _comparable_accounts(campaign: Campaign, reached: set[str], targeted: set[str]) -> set[str]:
    """External ids of the accounts of the campaign's run (the run in force when it has
    none, as for a campaign recorded by the demo) with a tier and a sector of the accounts
    reached, that the campaign did not target."""
    run_id = campaign.score_run_id
    if run_id is None:
        in_force = run_in_force()
        run_id = in_force.pk if in_force is not None else None
    if run_id is None or not reached:
        return set()
    scores = AccountScore.objects.filter(run_id=run_id)
    reached_rows = list(
        scores.filter(account__external_id__in=reached).values_list("tier", "account__sector")
    )
    tiers = {t for t, _s in reached_rows}
    sectors = {s for _t, s in reached_rows}
    found = scores.filter(tier__in=tiers, account__sector__in=sectors).values_list(
        "account__external_id", flat=True
    )
    return set(found) - targeted


def _revenue(
    external_ids: Sequence[str], before_from: date, sent_on: date, after_to: date
) -> dict[str, tuple[float, float]]:
    """ONE aggregate run by the ledger's engine: per account, revenue in
    [before_from, sent_on) and in [sent_on, after_to]."""
    if not external_ids:
        return {}
    import ibis

    from kam.sales.selectors import ledger_table

    table = ledger_table()
    lines = table.filter(
        table.account_id.isin(list(external_ids)),
        table.order_date >= before_from,
        table.order_date <= after_to,
    )
    zero = ibis.literal(0.0)
    per_account = lines.group_by("account_id").aggregate(
        before=ibis.ifelse(lines.order_date < sent_on, lines.amount, zero).sum(),
        after=ibis.ifelse(lines.order_date >= sent_on, lines.amount, zero).sum(),
    )
    frame = per_account.to_polars()
    return {
        str(a): (float(b or 0.0), float(c or 0.0))
        for a, b, c in frame.select("account_id", "before", "after").iter_rows()
    }


# -- export -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class TargetList:
    """The contacts a campaign mails (or mailed), for external tools: skipped contacts
    are left out and counted per reason."""

    rows: list[dict[str, str]]
    skipped: dict[str, int]

    @property
    def skipped_total(self) -> int:
        return sum(self.skipped.values())


def campaign_target_list(*, campaign: Campaign, user: Actor) -> TargetList:
    """For a draft, the contacts the preview would mail; for a sent campaign, the
    contacts it mailed (sent or failed). Only the accounts ``user`` sees."""
    offer = campaign.offer
    if not campaign.is_sent:
        preview = campaign_targets_preview(campaign=campaign, user=user)
        counts = preview.counts
        rows = [
            {
                "account": r.external_id,
                "account_name": r.account_name,
                "contact": r.contact_name,
                "email": r.email,
                "kam": r.kam,
                "offer": offer,
            }
            for r in preview.mailable_rows
        ]
        return TargetList(rows=rows, skipped={s: counts[s] for s in effect.SKIPPED})
    targets = CampaignTarget.objects.filter(campaign=campaign)
    if user is not None and not reads_all_campaigns(user):
        targets = targets.filter(account__in=account_list(user=user))
    leads = _lead_managers(campaign)
    rows = []
    skipped: Counter[str] = Counter()
    for target in targets.select_related("account", "contact").order_by("account_id", "id"):
        if target.status in effect.SKIPPED:
            skipped[target.status] += 1
            continue
        rows.append(
            {
                "account": target.account.external_id,
                "account_name": target.account.name,
                "contact": str(target.contact) if target.contact else "",
                "email": target.email,
                "kam": leads.get(target.account_id, ""),
                "offer": offer,
            }
        )
    return TargetList(rows=rows, skipped={s: skipped[s] for s in effect.SKIPPED})


def _lead_managers(campaign: Campaign) -> dict[int, str]:
    from kam.assignments.models import AccountAssignment, AssignmentRole

    rows = AccountAssignment.objects.filter(
        account__campaign_targets__campaign=campaign,
        ended_at__isnull=True,
        role=AssignmentRole.LEAD,
    ).values_list("account_id", "manager__username")
    return dict(rows)


def target_list_csv(targets: TargetList) -> bytes:
    """The list as CSV (UTF-8 with a BOM, so that spreadsheets read accents right)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(EXPORT_COLUMNS), lineterminator="\n")
    writer.writeheader()
    writer.writerows(targets.rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def target_list_xlsx(targets: TargetList) -> bytes:
    """The list as an Excel workbook: the sheet ``targets``, and ``skipped`` with the
    number of contacts left out per reason."""
    import xlsxwriter

    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    bold = book.add_format({"bold": True})
    sheet = book.add_worksheet("targets")
    sheet.write_row(0, 0, EXPORT_COLUMNS, bold)
    for index, row in enumerate(targets.rows, start=1):
        sheet.write_row(index, 0, [row[c] for c in EXPORT_COLUMNS])
    skipped = book.add_worksheet("skipped")
    skipped.write_row(0, 0, ["reason", "contacts"], bold)
    for index, (reason, count) in enumerate(targets.skipped.items(), start=1):
        skipped.write_row(index, 0, [reason, count])
    book.close()
    return out.getvalue()


def _person(user: Actor) -> Any:
    return user if user is not None and user.is_authenticated else None


def results_sentence(results: CampaignResults) -> str | None:
    """The difference in differences in one plain sentence (None without a comparison)."""
    from django.utils.formats import number_format

    found = results.effect
    if found is None or results.did is None:
        return None

    def money(value: float) -> str:
        return ("+" if value > 0 else "") + number_format(round(value), force_grouping=True)

    text = _(
        "In the %(days)s days after sending, the %(n)s accounts reached changed their "
        "purchases by %(targeted)s each on average compared with the %(days)s days before; "
        "%(m)s comparable accounts left out changed theirs by %(comparison)s: a difference "
        "of %(did)s per account."
    ) % {
        "days": results.days,
        "n": found.targeted.accounts,
        "targeted": money(found.targeted.change_mean),
        "m": found.comparison.accounts,
        "comparison": money(found.comparison.change_mean),
        "did": money(results.did),
    }
    if min(found.targeted.accounts, found.comparison.accounts) < 10:
        text += " " + _("With so few accounts, chance alone may explain a difference this size.")
    return text
