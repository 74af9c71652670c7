"""The assignment policy page: directors only; saved through policy_update, each refusal
shown on its field and nothing saved."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kam.assignments.policy import policy_get

pytestmark = pytest.mark.django_db

POLICY = reverse("assignments:policy")


def form_data(**overrides: object) -> dict[str, object]:
    """The page's form as the browser posts it with the default policy."""
    data: dict[str, object] = {
        "tiers-TOTAL_FORMS": "3",
        "tiers-INITIAL_FORMS": "1",
        "tiers-0-tier": "key",
        "tiers-0-workload": "1.0",
        "tiers-0-support": "0",
        "tiers-1-tier": "",
        "tiers-2-tier": "",
        "bands-TOTAL_FORMS": "4",
        "bands-INITIAL_FORMS": "3",
        "bands-0-employees": "0",
        "bands-0-factor": "0.8",
        "bands-1-employees": "250",
        "bands-1-factor": "1.0",
        "bands-2-employees": "5000",
        "bands-2-factor": "1.3",
        "per_country": "0.1",
        "per_country_cap": "0.5",
        "international_countries": "3",
        "group_abroad": "on",
        "value_basis": "revenue",
        "fit_sector": "3",
        "fit_language": "2",
        "fit_country": "1",
        "continuity": "5",
        "balance": "1",
        "balance_band": "0.1",
        "time_limit_s": "10",
        "gap_limit": "0.01",
    }
    data.update(overrides)
    return data


def test_only_directors_open_the_policy(login, kam_user, analyst, director):
    for user in (kam_user, analyst):
        assert login(user).get(POLICY).status_code == 403
        assert login(user).post(POLICY, form_data(continuity="1")).status_code == 403
    html = login(director).get(POLICY).content.decode()
    assert 'name="tiers-0-tier"' in html and 'value="key"' in html
    assert 'name="bands-2-employees"' in html and 'value="5000"' in html
    assert policy_get().continuity == 5.0


def test_a_director_saves_tiers_and_weights(login, director):
    response = login(director).post(
        POLICY,
        form_data(
            **{
                "tiers-1-tier": "strategic",
                "tiers-1-workload": "0.5",
                "tiers-1-support": "1",
                "continuity": "2.5",
                "group_abroad": "",
            }
        ),
    )
    assert response.status_code == 302
    policy = policy_get()
    assert policy.tiers == {
        "key": {"workload": 1.0, "support": 0},
        "strategic": {"workload": 0.5, "support": 1},
    }
    assert (policy.continuity, policy.group_abroad, policy.updated_by) == (2.5, False, director)


def test_nothing_changed_is_said(login, director):
    response = login(director).post(POLICY, form_data(), follow=True)
    assert "Nothing changed." in response.content.decode()


def test_refusals_are_shown_on_their_field_and_nothing_is_saved(login, director):
    client = login(director)
    response = client.post(POLICY, form_data(**{"tiers-0-workload": "-1"}))
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="err-tiers"' in html and "must be a number in ]0, 100]" in html
    response = client.post(POLICY, form_data(**{"bands-0-employees": "10"}))
    assert 'id="err-size_bands"' in response.content.decode()
    response = client.post(POLICY, form_data(gap_limit="0.9"))
    assert 'id="err-gap_limit"' in response.content.decode()
    response = client.post(POLICY, form_data(continuity="lots"))
    assert response.status_code == 400 and 'id="err-continuity"' in response.content.decode()
    response = client.post(POLICY, form_data(**{"bands-3-employees": "9000"}))
    assert "needs both a number of employees and a factor" in response.content.decode()
    policy = policy_get()
    assert policy.tiers == {"key": {"workload": 1.0, "support": 0}}
    assert policy.size_bands == [[0, 0.8], [250, 1.0], [5000, 1.3]]
    assert policy.gap_limit == 0.01 and policy.continuity == 5.0
