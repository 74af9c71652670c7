"""Scorecards: the list, the editor (directors only) with its live preview, saving a new
version or a new scorecard, and the parsing of what people type in the editor."""

from __future__ import annotations

from typing import Any

import pytest
from django import forms
from django.urls import reverse

from kam.core.models import AuditEvent
from kam.scoring.forms import parse_categories, parse_numbers
from kam.scoring.models import Scorecard
from tests.web_scoring.conftest import Book

pytestmark = pytest.mark.django_db

LIST = reverse("scoring:scorecards")


def edit_url(scorecard: Scorecard) -> str:
    return reverse("scoring:scorecard_edit", args=[scorecard.pk])


def preview_url(scorecard: Scorecard) -> str:
    return reverse("scoring:scorecard_preview", args=[scorecard.pk])


def editor_post(
    criteria: list[dict[str, Any]],
    rules: list[dict[str, Any]] | None = None,
    **settings: Any,
) -> dict[str, Any]:
    """The editor's form data, as the browser posts it."""
    rules = (
        rules
        if rules is not None
        else [
            {"tier": "key", "top_n": "1"},
            {"tier": "strategic", "min_score": "40"},
        ]
    )
    data: dict[str, Any] = {
        "settings-level": "account",
        "settings-abc_a": "80",
        "settings-abc_b": "95",
        "settings-default_tier": "standard",
    }
    data.update({f"settings-{k}": v for k, v in settings.items()})
    for prefix, rows in (("criteria", criteria), ("rules", rules)):
        data[f"{prefix}-TOTAL_FORMS"] = str(len(rows))
        data[f"{prefix}-INITIAL_FORMS"] = str(len(rows))
        data[f"{prefix}-MIN_NUM_FORMS"] = "0"
        data[f"{prefix}-MAX_NUM_FORMS"] = "1000"
        for i, row in enumerate(rows):
            if prefix == "criteria":
                row = {
                    "normalisation": "percentile",
                    "direction": "higher",
                    "missing": "zero",
                    **row,
                }
            for key, value in row.items():
                data[f"{prefix}-{i}-{key}"] = value
    return data


def weights(revenue: str, orders: str, **orders_extra: str) -> list[dict[str, Any]]:
    return [
        {"feature": "revenue_12m", "weight": revenue},
        {"feature": "orders_12m", "weight": orders, "normalisation": "minmax", **orders_extra},
    ]


# -- list --------------------------------------------------------------------------------


@pytest.mark.parametrize("role_fixture", ["director", "kam_user", "analyst", "marketing"])
def test_every_role_sees_the_scorecards(request, login, role_fixture, book: Book):
    user = request.getfixturevalue(role_fixture)
    html = login(user).get(LIST).content.decode()
    assert "simple" in html and "v1" in html and "Active" in html
    assert "Revenue, last 12 months" in html and "Min–max" in html
    editable = f'href="{edit_url(book.scorecard)}"' in html
    assert editable == (role_fixture == "director")


# -- the editor --------------------------------------------------------------------------


def test_the_editor_starts_from_the_scorecard(login, director, book: Book):
    html = login(director).get(edit_url(book.scorecard)).content.decode()
    assert '<option value="revenue_12m" selected>' in html
    assert 'name="criteria-0-weight" value="60"' in html
    assert 'name="criteria-1-weight" value="40"' in html
    assert 'name="rules-1-min_score" value="40"' in html
    assert 'name="settings-abc_a" value="80"' in html
    # the live preview posts the form as it is edited
    assert f'hx-post="{preview_url(book.scorecard)}"' in html
    assert "input changed delay:400ms" in html


@pytest.mark.parametrize("role_fixture", ["kam_user", "analyst", "marketing"])
def test_only_directors_open_the_editor_or_its_preview(request, login, role_fixture, book):
    client = login(request.getfixturevalue(role_fixture))
    assert client.get(edit_url(book.scorecard)).status_code == 403
    assert (
        client.post(edit_url(book.scorecard), editor_post(weights("50", "50"))).status_code == 403
    )
    assert (
        client.post(preview_url(book.scorecard), editor_post(weights("50", "50"))).status_code
        == 403
    )
    assert Scorecard.objects.count() == 1


def test_the_preview_lists_accounts_entering_and_leaving_each_tier(login, director, book: Book):
    # given revenue at 90 % and orders at 10 %, Charlie (35 points) falls below 40
    data = editor_post(weights("90", "10"))
    # when the editor posts it to the preview
    response = login(director).post(preview_url(book.scorecard), data, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    # then Charlie would leave the strategic tier and enter the standard one
    assert response.status_code == 200
    strategic = html[html.index('class="preview-tier"') :]
    assert "1 would leave:</strong> Charlie" in strategic.split("preview-tier")[1]
    assert "1 would enter:</strong> Charlie" in html
    # and the counts per tier and the key list's coverage are shown; nothing is stored
    assert '<td class="num">2</td><td class="num">1</td>' in html  # strategic 2 → 1
    assert "57.7 %" in html  # Alpha's 1,500 of 2,600 both before and after
    assert Scorecard.objects.count() == 1


def test_the_preview_of_the_same_scorecard_changes_nothing(login, director, book: Book):
    html = login(director).post(preview_url(book.scorecard), editor_post(weights("60", "40")))
    assert "Nothing would change." in html.content.decode()


def test_the_preview_puts_problems_next_to_their_fields(login, director, book: Book):
    # given weights summing to 90 % and band cut points that go down
    data = editor_post(
        [
            {"feature": "revenue_12m", "weight": "60"},
            {
                "feature": "countries_count",
                "weight": "30",
                "normalisation": "bands",
                "bands": "3; 2",
                "band_points": "0; 50; 100",
            },
        ]
    )
    html = login(director).post(preview_url(book.scorecard), data).content.decode()
    # then the preview says it cannot compare, and each problem goes to its slot
    assert "This scorecard cannot be used yet." in html
    assert (
        '<div id="err-weights" class="field-errors" hx-swap-oob="true"><p class="field-error">'
        in html
    )
    assert "must sum to 100 % (got 90 %)" in html
    bands = html[html.index('id="err-criteria-1-bands"') :]
    assert "strictly increasing" in bands[: bands.index("</div>")]
    # and every other slot is refreshed (emptied) too
    assert '<div id="err-criteria-0-weight" class="field-errors" hx-swap-oob="true"></div>' in html


def test_the_preview_names_a_bad_number_and_a_bad_category_line(login, director, book: Book):
    data = editor_post(
        [
            {"feature": "revenue_12m", "weight": "60", "normalisation": "bands", "bands": "1; x"},
            {
                "feature": "sector",
                "weight": "40",
                "normalisation": "categories",
                "categories": "Retail=100\nEnergy",
            },
        ]
    )
    html = login(director).post(preview_url(book.scorecard), data).content.decode()
    assert "Item 2 (“x”) is not a number." in html
    assert "Line 2: write value=points (got “Energy”)." in html


def test_saving_makes_a_new_version_and_leaves_the_applied_one(login, director, book: Book):
    client = login(director)
    response = client.post(
        edit_url(book.scorecard), {**editor_post(weights("70", "30")), "action": "save"}
    )
    revised = Scorecard.objects.get(name="simple", version=2)
    assert response.status_code == 302 and response["Location"] == edit_url(revised)
    assert [c["weight"] for c in revised.definition["criteria"]] == [70.0, 30.0]
    assert revised.status == "draft"
    book.scorecard.refresh_from_db()
    assert [c["weight"] for c in book.scorecard.definition["criteria"]] == [60, 40]
    assert AuditEvent.objects.filter(action="scorecard.revise").count() == 1


def test_an_invalid_scorecard_is_not_saved_and_says_why_next_to_the_field(login, director, book):
    data = {**editor_post(weights("60", "30")), "action": "save"}
    response = login(director).post(edit_url(book.scorecard), data)
    assert response.status_code == 400
    html = response.content.decode()
    assert '<div id="err-weights" class="field-errors"><p class="field-error">' in html
    assert Scorecard.objects.count() == 1


def test_a_criterion_can_be_removed_and_another_added(login, director, book: Book):
    # given the orders criterion marked for removal and a new market-share row
    criteria = [
        {"feature": "revenue_12m", "weight": "70"},
        {"feature": "orders_12m", "weight": "40", "DELETE": "on"},
        {"feature": "market_share", "weight": "30", "normalisation": "minmax", "missing": "median"},
    ]
    data = {**editor_post(criteria), "action": "save"}
    response = login(director).post(edit_url(book.scorecard), data)
    assert response.status_code == 302
    revised = Scorecard.objects.get(name="simple", version=2)
    assert [(c["feature"], c["weight"]) for c in revised.definition["criteria"]] == [
        ("revenue_12m", 70.0),
        ("market_share", 30.0),
    ]


def test_save_as_a_new_scorecard_needs_a_new_name(login, director, book: Book):
    client = login(director)
    data = {**editor_post(weights("50", "50")), "action": "save_new"}
    # without a name: refused
    response = client.post(edit_url(book.scorecard), data)
    assert (
        response.status_code == 400
        and "Give the new scorecard a name." in response.content.decode()
    )
    # with the name of an existing scorecard: refused by the service, said on the page
    response = client.post(edit_url(book.scorecard), {**data, "new_name": "simple"})
    assert response.status_code == 400 and "already exists" in response.content.decode()
    # with a new name: version 1 of a new scorecard
    response = client.post(edit_url(book.scorecard), {**data, "new_name": "balanced"})
    assert response.status_code == 302
    assert Scorecard.objects.get(name="balanced").version == 1


def test_the_editor_costs_a_bounded_number_of_queries(
    login, director, book, django_assert_max_num_queries
):
    client = login(director)
    with django_assert_max_num_queries(8):
        assert client.get(edit_url(book.scorecard)).status_code == 200


# -- what people type ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2; 3", [2.0, 3.0]),
        ("0 50 100", [0.0, 50.0, 100.0]),
        ("2,5 | 10", [2.5, 10.0]),
        ("1, 2", [1.0, 2.0]),
        ("", []),
    ],
)
def test_numbers_are_read_whatever_the_separator(text, expected):
    assert parse_numbers(text) == expected


def test_a_bad_number_is_named():
    with pytest.raises(forms.ValidationError) as error:
        parse_numbers("1; 2; lots")
    assert "Item 3 (“lots”) is not a number." in error.value.messages


def test_categories_are_read_one_per_line():
    assert parse_categories("Retail = 100\n\n*=50\nEnergy & Utilities=80") == [
        ("Retail", 100.0),
        ("*", 50.0),
        ("Energy & Utilities", 80.0),
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Retail", "Line 1: write value=points (got “Retail”)."),
        ("Retail=100\n=5", "Line 2: write value=points (got “=5”)."),
        ("Retail=lots", "Line 1: “lots” is not a number of points."),
        ("Retail=1\nretail=2", "Line 2: “retail” is listed twice."),
    ],
)
def test_a_bad_category_line_is_named(text, message):
    with pytest.raises(forms.ValidationError) as error:
        parse_categories(text)
    assert message in error.value.messages


def test_a_draft_never_applied_can_be_saved_in_place(login, director, book: Book):
    # given a draft version 2
    client = login(director)
    client.post(edit_url(book.scorecard), {**editor_post(weights("70", "30")), "action": "save"})
    draft = Scorecard.objects.get(name="simple", version=2)
    assert "Save the draft v2" in client.get(edit_url(draft)).content.decode()
    # when it is saved in place with other weights
    response = client.post(
        edit_url(draft), {**editor_post(weights("55", "45")), "action": "update"}
    )
    # then it is still version 2, changed; no version 3
    assert response.status_code == 302
    draft.refresh_from_db()
    assert [c["weight"] for c in draft.definition["criteria"]] == [55.0, 45.0]
    assert not Scorecard.objects.filter(version=3).exists()
    # and an applied version offers no such button, and refuses it
    assert "Save the draft" not in client.get(edit_url(book.scorecard)).content.decode()
    data = {**editor_post(weights("55", "45")), "action": "update"}
    response = client.post(edit_url(book.scorecard), data)
    assert response.status_code == 400 and "cannot change: revise it" in response.content.decode()


def test_the_list_costs_the_same_queries_whatever_the_versions(
    login, director, book: Book, django_assert_max_num_queries
):
    from kam.scoring.services import scorecard_revise

    for _ in range(6):
        scorecard_revise(scorecard=book.scorecard, definition=book.scorecard.definition, user=None)
    client = login(director)
    with django_assert_max_num_queries(6):
        html = client.get(LIST).content.decode()
    assert html.count('class="card scorecard-card"') == 7


def test_the_pages_are_in_french_too(login, director, book: Book):
    client = login(director)
    client.post(reverse("set_language"), {"language": "fr", "next": LIST})
    html = client.get(reverse("scoring:key_accounts")).content.decode()
    assert "<h1>Comptes clés</h1>" in html and ">Clé</span>" in html
    html = client.get(edit_url(book.scorecard)).content.decode()
    assert "Rang centile" in html and "Ajouter un critère" in html
