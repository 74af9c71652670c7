"""The demo's past run and past leads: the KPIs of the default period have a key-account
list at its start and leads to group by."""

from __future__ import annotations

from datetime import date

import pytest

from kam.demo.generate import DemoSpec
from kam.demo.kpis import demo_past_leads, demo_past_run
from kam.demo.services import demo_load
from kam.domain.kpis import Period
from kam.kpis.selectors import kpi_report
from kam.scoring.selectors import run_in_force

pytestmark = pytest.mark.django_db

SPEC = DemoSpec(as_of=date(2026, 6, 15), accounts=60, lines=3_000, seed=3)


def test_the_past_run_is_the_key_list_at_the_start_of_the_default_period(director):
    # given the loaded demo, whose current run is in force
    demo_load(spec=SPEC)
    current = run_in_force()
    # when the past run is scored and the leads dated back
    changed = demo_past_leads(SPEC)
    past = demo_past_run(SPEC)
    # then the past run is applied as of a year before, and the current one stays in force
    assert past.as_of == date(2025, 6, 15) and past.applied
    assert run_in_force() == current
    assert changed > 0
    # and the KPIs of the 12 months before the demo's date use it, with leads
    period = Period.trailing_year(SPEC.as_of)
    view = kpi_report(user=director, date_from=period.date_from, date_to=period.date_to)
    assert view.key_list_start.run_id == past.pk
    assert view.key_list_end.run_id == past.pk  # the current run is as of after P
    s = view.summary
    assert s.key_accounts > 0 and s.retention is not None and s.uplift_mean is not None
    assert s.activities > 0 and s.roi is not None
    leads = [r["lead"] for r in view.rows("kam") if r["key_accounts"]]
    assert any(lead is not None for lead in leads)
    assert s.did is not None and s.did.n == s.key_accounts
    assert view.messages == ()
