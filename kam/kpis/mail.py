"""The monthly KPI report e-mailed to the directors: the PDF of the last complete month
(against the period of the same length just before it) attached to one message per
active director with an e-mail address. Run by ``kam kpis send-monthly``, scheduled by
cron, e.g. at 06:00 on the 1st::

    0 6 1 * *  cd /srv/kam && .venv/bin/kam kpis send-monthly

The report is computed once, on the whole company (directors see the company)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage, get_connection
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from kam.core.roles import Role
from kam.domain.kpis import Period
from kam.kpis.dashboard import kpi_dashboard
from kam.kpis.reports import render_pdf, report_file_name


@dataclass(frozen=True)
class MonthlySent:
    """What :func:`send_monthly_report` did."""

    period: Period
    recipients: tuple[str, ...]
    attachment: str
    pdf_bytes: int


def last_complete_month(today: date | None = None) -> Period:
    """P: the calendar month before ``today``'s month (P', compared with it, is the
    period of the same number of days just before it)."""
    today = today or timezone.localdate()
    last_day = today.replace(day=1) - timedelta(days=1)
    return Period(last_day.replace(day=1), last_day)


def director_recipients() -> QuerySet:
    """Active directors (members of the Director group, or superusers) with an e-mail."""
    return (
        get_user_model()
        .objects.filter(Q(groups__name=Role.DIRECTOR.value) | Q(is_superuser=True))
        .filter(is_active=True)
        .exclude(email="")
        .distinct()
        .order_by("username")
    )


def send_monthly_report(*, today: date | None = None) -> MonthlySent:
    """E-mail the PDF report of the last complete month to every active director with an
    e-mail address (one message each). Nothing is sent when there is no such director."""
    period = last_complete_month(today)
    recipients = tuple(director_recipients().values_list("email", flat=True))
    if not recipients:
        return MonthlySent(period, (), "", 0)
    dashboard = kpi_dashboard(user=None, date_from=period.date_from, date_to=period.date_to)
    pdf = render_pdf(dashboard)
    name = report_file_name(dashboard, "pdf")
    subject = _("KPIs of %(month)s") % {"month": period.date_from.strftime("%Y-%m")}
    body = _(
        "The key-account KPIs of %(start)s to %(end)s, against %(pstart)s to %(pend)s, "
        "are in the attached PDF.\n\n%(did)s\n"
    ) % {
        "start": period.date_from.isoformat(),
        "end": period.date_to.isoformat(),
        "pstart": period.previous_from.isoformat(),
        "pend": period.previous_to.isoformat(),
        "did": dashboard.view.did_sentence() or "",
    }
    messages = []
    for address in recipients:
        message = EmailMessage(
            subject=subject, body=body, from_email=settings.DEFAULT_FROM_EMAIL, to=[address]
        )
        message.attach(name, pdf, "application/pdf")
        messages.append(message)
    with get_connection() as connection:
        connection.send_messages(messages)
    return MonthlySent(period, recipients, name, len(pdf))
