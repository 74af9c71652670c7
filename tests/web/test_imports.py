"""The import upload page (directors only) and the import history pages."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kam.accounts.models import Account
from kam.sales.forms import sanitised_file_name
from kam.sales.models import BatchStatus, ImportBatch, ImportKind
from tests.factories import AccountFactory

IMPORT = reverse("sales:import")
BATCHES = reverse("sales:batches")

GOOD_SALES = (
    "account_id,order_id,order_date,product,quantity,amount,margin\n"
    "A1,O1,2025-01-15,Widget,2,100.00,30.00\n"
    "A1,O2,2025-02-03,Gadget,1,50.50,10.00\n"
)
BAD_SALES = (
    "account_id,order_id,order_date,product,quantity,amount,margin\n"
    "A1,O1,2025-01-15,Widget,2,100.00,30.00\n"
    "A1,O2,not-a-date,Gadget,1,50.50,10.00\n"
    "A1,O3,2025-02-03,Gadget,1,lots,10.00\n"
)


def upload(name: str, content: str | bytes) -> SimpleUploadedFile:
    data = content.encode() if isinstance(content, str) else content
    return SimpleUploadedFile(name, data, content_type="text/csv")


def uploads_left() -> list[Path]:
    folder = Path(settings.KAM_UPLOAD_DIR)
    return sorted(folder.iterdir()) if folder.exists() else []


def ledger_files() -> list[Path]:
    folder = Path(settings.KAM_LEDGER_DIR)
    return sorted(folder.glob("*.parquet")) if folder.exists() else []


# -- who may upload ------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["kam_user", "gam_user", "analyst", "marketing"])
def test_only_directors_may_upload(request, login, role):
    # given a signed-in user who is not a director
    client = login(request.getfixturevalue(role))
    # when they open the page or post a file
    page = client.get(IMPORT)
    post = client.post(IMPORT, {"kind": "sales", "file": upload("s.csv", GOOD_SALES)})
    # then both are refused, and the file was never stored
    assert page.status_code == 403 and post.status_code == 403
    assert uploads_left() == []
    assert not ImportBatch.objects.exists()


@pytest.mark.django_db
def test_anonymous_upload_goes_to_login(client):
    response = client.post(IMPORT, {"kind": "sales", "file": upload("s.csv", GOOD_SALES)})
    assert response.status_code == 302 and reverse("login") in response["Location"]
    assert uploads_left() == []


@pytest.mark.django_db
def test_director_sees_the_upload_form(login, director):
    html = login(director).get(IMPORT).content.decode()
    assert 'enctype="multipart/form-data"' in html
    for name in (
        'name="kind"',
        'name="file"',
        'name="skip_invalid"',
        'name="replace_from"',
        'name="replace_to"',
    ):
        assert name in html


@pytest.mark.django_db
def test_upload_without_csrf_token_is_refused_and_nothing_kept(director):
    # given a browser-like client that enforces CSRF
    client = Client(enforce_csrf_checks=True)
    client.force_login(director)
    # when a form is posted from another site (no token)
    response = client.post(IMPORT, {"kind": "sales", "file": upload("s.csv", GOOD_SALES)})
    # then it is refused and the uploaded bytes are gone
    assert response.status_code == 403
    assert uploads_left() == []


@pytest.mark.django_db
def test_upload_with_the_forms_csrf_token_goes_through(director):
    # given a browser-like client that enforces CSRF and has loaded the form
    client = Client(enforce_csrf_checks=True)
    client.force_login(director)
    client.get(IMPORT)
    token = client.cookies["csrftoken"].value
    AccountFactory(external_id="A1")
    # when it posts the form with the token
    response = client.post(
        IMPORT,
        {"kind": "sales", "file": upload("s.csv", GOOD_SALES), "csrfmiddlewaretoken": token},
    )
    # then the file is imported (the CSRF check ran after our upload handler was set)
    assert response.status_code == 200
    assert ImportBatch.objects.filter(status=BatchStatus.COMMITTED).count() == 1
    assert uploads_left() == []


# -- bad input that never reaches the import -----------------------------------------------


@pytest.mark.django_db
def test_unknown_file_type_is_refused_with_a_clear_message(login, director):
    response = login(director).post(
        IMPORT, {"kind": "sales", "file": upload("evil.exe", b"MZ\x90\x00")}
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert ".xlsx" in html and "field-error" in html
    assert uploads_left() == []


@pytest.mark.django_db
def test_file_over_the_size_limit_is_refused_and_not_kept(login, director, settings):
    # given a limit of 64 bytes
    settings.KAM_UPLOAD_MAX_BYTES = 64
    # when a bigger file is posted
    response = login(director).post(IMPORT, {"kind": "sales", "file": upload("s.csv", GOOD_SALES)})
    # then the form says so, and nothing was stored anywhere
    assert response.status_code == 400
    assert "larger than the limit of 64" in response.content.decode()
    assert uploads_left() == []
    assert not ImportBatch.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("dates", "message"),
    [
        ({"replace_from": "2025-01-01"}, "Give both dates"),
        ({"replace_from": "2025-03-01", "replace_to": "2025-01-01"}, "before its start"),
    ],
)
def test_replace_period_must_be_complete_and_ordered(login, director, dates, message):
    response = login(director).post(
        IMPORT, {"kind": "sales", "file": upload("s.csv", GOOD_SALES), **dates}
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert uploads_left() == []


@pytest.mark.django_db
def test_replace_period_is_for_sales_only(login, director):
    response = login(director).post(
        IMPORT,
        {
            "kind": "accounts",
            "file": upload("a.csv", "external_id,name\nA1,Acme\n"),
            "replace_from": "2025-01-01",
            "replace_to": "2025-01-31",
        },
    )
    assert response.status_code == 400
    assert "Only a sales import" in response.content.decode()


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("sales.csv", "sales.csv"),
        ("../../etc/passwd.csv", "passwd.csv"),
        ("C:\\Users\\me\\Ventes 2025.xlsx", "Ventes_2025.xlsx"),
        ("..", "upload"),
        ("", "upload"),
        ("<script>.csv", "script.csv"),
    ],
)
def test_file_names_are_sanitised(name, expected):
    assert sanitised_file_name(name) == expected


def test_long_file_names_are_cut_but_keep_their_extension():
    name = sanitised_file_name("x" * 500 + ".parquet")
    assert len(name) == 200 and name.endswith(".parquet")


# -- the import itself ---------------------------------------------------------------------


@pytest.mark.django_db
def test_bad_sales_file_lists_row_errors_and_stores_nothing(login, director):
    # given an account and a sales file with a bad date and a bad amount
    AccountFactory(external_id="A1")
    # when the director uploads it
    response = login(director).post(IMPORT, {"kind": "sales", "file": upload("bad.csv", BAD_SALES)})
    html = response.content.decode()
    # then the page lists the rows at fault and says nothing was stored
    assert response.status_code == 200
    assert 'id="import-errors"' in html
    assert "not-a-date" in html and "lots" in html
    assert '<td class="num">3</td>' in html and '<td class="num">4</td>' in html
    assert "nothing was stored" in html.lower()
    # and nothing was: no committed batch, no ledger file, no upload left behind
    assert not ImportBatch.objects.filter(status=BatchStatus.COMMITTED).exists()
    assert ledger_files() == []
    assert uploads_left() == []


@pytest.mark.django_db
def test_good_sales_file_is_stored_and_linked_to_its_batch(login, director):
    AccountFactory(external_id="A1")
    response = login(director).post(
        IMPORT, {"kind": "sales", "file": upload("good.csv", GOOD_SALES)}
    )
    html = response.content.decode()
    batch = ImportBatch.objects.get(status=BatchStatus.COMMITTED)
    assert response.status_code == 200
    assert batch.kind == ImportKind.SALES and batch.rows_stored == 2
    assert batch.source_name == "good.csv"
    assert reverse("sales:batch_detail", args=[batch.pk]) in html
    assert len(ledger_files()) == 1
    assert uploads_left() == []


@pytest.mark.django_db
def test_skip_invalid_rows_stores_the_good_ones_and_lists_the_others(login, director):
    AccountFactory(external_id="A1")
    response = login(director).post(
        IMPORT, {"kind": "sales", "skip_invalid": "on", "file": upload("bad.csv", BAD_SALES)}
    )
    html = response.content.decode()
    batch = ImportBatch.objects.get(status=BatchStatus.COMMITTED)
    assert batch.rows_stored == 1 and batch.rows_rejected == 2
    assert 'id="import-errors"' in html and "not-a-date" in html


@pytest.mark.django_db
def test_same_file_twice_is_stored_once(login, director):
    AccountFactory(external_id="A1")
    client = login(director)
    client.post(IMPORT, {"kind": "sales", "file": upload("good.csv", GOOD_SALES)})
    html = client.post(
        IMPORT, {"kind": "sales", "file": upload("again.csv", GOOD_SALES)}
    ).content.decode()
    assert ImportBatch.objects.filter(status=BatchStatus.COMMITTED).count() == 1
    assert "already imported" in html.lower()


@pytest.mark.django_db
def test_accounts_file_creates_accounts(login, director):
    content = "external_id,name,sector,country\nA1,Acme,Retail,FR\nA2,Globex,Energy,DE\n"
    response = login(director).post(
        IMPORT, {"kind": "accounts", "file": upload("accounts.csv", content)}
    )
    assert response.status_code == 200
    assert set(Account.objects.values_list("external_id", flat=True)) == {"A1", "A2"}
    assert uploads_left() == []


# -- import history ------------------------------------------------------------------------


def make_batch(n: int, user=None, **fields) -> ImportBatch:
    values = {
        "kind": ImportKind.SALES,
        "source_name": f"file-{n}.csv",
        "content_hash": f"h{n}",
        "status": BatchStatus.REJECTED,
        "rows_read": 10,
        "rows_rejected": 10,
        "created_by": user,
    }
    values.update(fields)
    return ImportBatch.objects.create(**values)


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["director", "analyst"])
def test_history_lists_batches_for_directors_and_analysts(request, login, role, director):
    make_batch(1, director, source_name="ventes-janvier.csv")
    response = login(request.getfixturevalue(role)).get(BATCHES)
    assert response.status_code == 200
    html = response.content.decode()
    assert "ventes-janvier.csv" in html and "dora" in html and "Rejected" in html


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["kam_user", "marketing"])
def test_history_is_forbidden_to_other_roles(request, login, role, director):
    batch = make_batch(1, director)
    client = login(request.getfixturevalue(role))
    assert client.get(BATCHES).status_code == 403
    assert client.get(reverse("sales:batch_detail", args=[batch.pk])).status_code == 403


@pytest.mark.django_db
def test_history_query_count_does_not_grow_with_batches(login, director):
    client = login(director)
    for n in range(3):
        make_batch(n, director)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(BATCHES).status_code == 200
        return len(queries)

    few = count()
    for n in range(3, 30):
        make_batch(n, director)
    assert count() == few <= 7


@pytest.mark.django_db
def test_batch_detail_lists_its_stored_errors(login, director):
    batch = make_batch(
        1,
        director,
        errors=[
            {"row": 7, "column": "amount", "value": "abc", "reason": "not a number"},
            {"row": None, "column": "order_date", "value": None, "reason": "missing column"},
        ],
    )
    html = login(director).get(reverse("sales:batch_detail", args=[batch.pk])).content.decode()
    assert 'id="batch-errors"' in html
    assert "not a number" in html and "missing column" in html and ">7</td>" in html


@pytest.mark.django_db
def test_unknown_batch_is_404(login, director):
    assert login(director).get(reverse("sales:batch_detail", args=[999])).status_code == 404
