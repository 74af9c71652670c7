"""KPI targets: set and removed by directors, checked field by field, and read against
the actual figures of their period (on track / at risk / off track)."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from kam.core.models import AuditEvent
from kam.kpis.models import KpiCode, KpiTarget
from kam.kpis.selectors import kpi_report, kpi_target_list
from kam.kpis.services import kpi_target_remove, kpi_target_set
from tests.kpis.conftest import FROM, TO

pytestmark = pytest.mark.django_db


def target(user, **given):
    values = {"kpi": "retention", "value": 0.9, "date_from": FROM, "date_to": TO, **given}
    return kpi_target_set(user=user, **values)


def test_the_kpi_codes_are_the_domain_codes():
    from kam.domain.kpis import KPI_CODES

    assert tuple(KpiCode.values) == KPI_CODES


def test_a_director_sets_then_changes_then_removes_a_target(director):
    first = target(director)
    again = target(director, value=0.8, direction="at_most")
    assert first.pk == again.pk and KpiTarget.objects.count() == 1
    assert (again.value, again.direction, again.created_by) == (0.8, "at_most", director)
    kpi_target_remove(target=again, user=director)
    assert not KpiTarget.objects.exists()
    actions = list(AuditEvent.objects.order_by("pk").values_list("action", flat=True))
    assert actions == ["kpi_target.set", "kpi_target.set", "kpi_target.remove"]


def test_company_and_kam_targets_of_the_same_kpi_and_period_coexist(director, kam_user):
    target(director)
    target(director, manager=kam_user, value=0.5)
    assert KpiTarget.objects.count() == 2


@pytest.mark.parametrize("role", ["kam_user", "analyst", "marketing"])
def test_only_directors_set_or_remove_targets(request, director, role):
    user = request.getfixturevalue(role)
    with pytest.raises(PermissionDenied):
        target(user)
    kept = target(director)
    with pytest.raises(PermissionDenied):
        kpi_target_remove(target=kept, user=user)
    assert KpiTarget.objects.count() == 1


@pytest.mark.parametrize(
    ("given", "field", "says"),
    [
        ({"kpi": "happiness"}, "kpi", "Unknown KPI 'happiness'"),
        ({"value": 1.5}, "value", "A share is between 0 and 1"),
        ({"value": float("nan")}, "value", "must be a number"),
        ({"value": "lots"}, "value", "must be a number"),
        ({"kpi": "new_key_accounts", "value": -1}, "value", "cannot be below 0"),
        ({"direction": "about"}, "direction", "Choose at_least or at_most"),
        ({"date_from": date(2026, 1, 1)}, "date_to", "before it starts"),
    ],
)
def test_a_bad_target_is_refused_naming_the_field(director, given, field, says):
    with pytest.raises(ValidationError) as refused:
        target(director, **given)
    assert says in " ".join(refused.value.message_dict[field])
    assert not KpiTarget.objects.exists()


def test_a_kam_target_needs_a_kam_and_a_kpi_measured_per_kam(director, analyst, kam_user):
    with pytest.raises(ValidationError) as refused:
        target(director, manager=analyst)
    assert "is not a KAM or GAM" in refused.value.message_dict["manager"][0]
    with pytest.raises(ValidationError) as refused:
        target(director, manager=kam_user, kpi="did", value=0)
    assert "only measured for the company" in refused.value.message_dict["kpi"][0]


def test_targets_of_the_period_get_a_status_against_the_actual(kpi_book, director):
    # given company targets (retention is 2/3, ROI −2.375, increased 2) and kim's (ROI −2.875)
    target(director, kpi="retention", value=0.7)  # short by 0.033 ≤ 0.07: at risk
    target(director, kpi="increased", value=2)  # met
    target(director, kpi="roi", value=0.5)  # far off
    target(director, kpi="roi", value=-3.0, manager=kpi_book.kim)  # met
    target(director, kpi="roi", value=9.0, date_to=date(2025, 6, 30))  # another period
    view = kpi_report(user=director, date_from=FROM, date_to=TO)
    statuses = {(t["kpi"], t["status"]) for t in view.as_dict()["targets"]}
    assert statuses == {("retention", "at_risk"), ("increased", "on_track"), ("roi", "off_track")}
    company = {r["kpi"]: r for r in view.rows("company")}
    assert (company["retention"]["target"], company["retention"]["status"]) == (0.7, "at_risk")
    assert company["uplift_mean"]["status"] is None
    kim = next(r for r in view.rows("kam") if r["lead"] == "kim")
    assert [(t["kpi"], t["actual"], t["status"]) for t in kim["targets"]] == [
        ("roi", pytest.approx(-2.875), "on_track")
    ]


def test_a_kam_reads_their_own_targets_on_their_portfolio(kpi_book, director, kam_user):
    target(director, kpi="roi", value=-3.0, manager=kam_user)
    target(director, kpi="roi", value=1.0, manager=kpi_book.otto)
    target(director, kpi="retention", value=0.9)
    view = kpi_report(user=kam_user, date_from=FROM, date_to=TO)
    assert [(t["kpi"], t["manager"]) for t in view.as_dict()["targets"]] == [("roi", "kim")]
    # and the list of targets shows the company's and her own, not otto's
    listed = {(t.kpi, t.manager_id) for t in kpi_target_list(user=kam_user)}
    assert listed == {("roi", kam_user.pk), ("retention", None)}
    assert len(kpi_target_list(user=director)) == 3
