"""The admin of proposals and of the policy: directors read them, nobody edits them."""

from __future__ import annotations

import pytest

from kam.assignments.proposals import proposal_create
from tests.factories import AccountFactory

pytestmark = pytest.mark.django_db


def test_a_director_reads_a_proposal_and_the_policy_in_the_admin(login, team, key_run, director):
    key_run([(AccountFactory(name="Foodco", sector="Food"), "key", 100.0)])
    proposal = proposal_create(user=director)
    client = login(director)
    assert client.get("/admin/assignments/proposal/").status_code == 200
    page = client.get(f"/admin/assignments/proposal/{proposal.pk}/change/")
    assert page.status_code == 200 and "Foodco" in page.content.decode()
    assert client.get("/admin/assignments/assignmentpolicy/").status_code == 200
    # nothing is edited here
    assert client.get("/admin/assignments/proposal/add/").status_code == 403
    response = client.post(f"/admin/assignments/proposal/{proposal.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403
