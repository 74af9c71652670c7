"""The layout: login, navigation per role, language switch, error pages, chart bundle."""

from __future__ import annotations

import gzip

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import AccountFactory

pytestmark = pytest.mark.django_db


def test_anonymous_user_is_sent_to_the_login_page(client):
    # when an anonymous visitor asks for the accounts list
    response = client.get(reverse("accounts:list"))
    # then they are redirected to the login page, which comes back to the list
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert "next=/accounts/" in response["Location"]


def test_login_page_renders_the_form_in_the_layout(client):
    response = client.get(reverse("login"))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'name="username"' in html and 'name="password"' in html
    assert 'class="lang-switch"' in html  # the language switch is there before login too
    assert "Log out" not in html


def test_login_with_good_credentials_lands_on_accounts(client, director):
    # given a director's credentials
    # when they sign in through the form
    response = client.post(reverse("login"), {"username": "dora", "password": "pw-Secret-123"})
    # then they land on the accounts list
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:list")


def test_login_with_a_wrong_password_says_so(client, director):
    response = client.post(reverse("login"), {"username": "dora", "password": "nope"})
    assert response.status_code == 200
    assert 'role="alert"' in response.content.decode()


def test_director_navigation_has_imports_upload_admin_and_api(login, director):
    html = login(director).get(reverse("accounts:list")).content.decode()
    for url in ("sales:batches", "sales:import", "admin:index", "api-docs"):
        assert f'href="{reverse(url)}"' in html, url
    assert "dora" in html  # the user's name
    assert f'action="{reverse("logout")}" method="post"' in html


def test_analyst_navigation_has_imports_but_no_upload_or_admin(login, analyst):
    html = login(analyst).get(reverse("accounts:list")).content.decode()
    assert f'href="{reverse("sales:batches")}"' in html
    assert f'href="{reverse("sales:import")}"' not in html
    assert f'href="{reverse("admin:index")}"' not in html


def test_kam_navigation_has_neither_imports_nor_admin(login, kam_user):
    html = login(kam_user).get(reverse("accounts:list")).content.decode()
    assert f'href="{reverse("sales:batches")}"' not in html
    assert f'href="{reverse("admin:index")}"' not in html
    assert f'href="{reverse("api-docs")}"' in html


def test_logout_is_a_post_that_ends_the_session(login, director):
    client = login(director)
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert client.get(reverse("accounts:list")).status_code == 302  # back to login


def test_language_switch_turns_the_page_french_and_back(login, director):
    # given a signed-in director on the English accounts page
    client = login(director)
    assert "<h1>Accounts</h1>" in client.get(reverse("accounts:list")).content.decode()
    # when they switch to French, staying on the filtered page
    next_url = reverse("accounts:list") + "?q=acme"
    response = client.post(reverse("set_language"), {"language": "fr", "next": next_url})
    # then they come back to the same page, now in French
    assert response.status_code == 302 and response["Location"] == next_url
    html = client.get(next_url).content.decode()
    assert '<html lang="fr">' in html
    assert "<h1>Comptes</h1>" in html
    assert "Se déconnecter" in html
    # and back to English
    client.post(reverse("set_language"), {"language": "en", "next": next_url})
    assert "<h1>Accounts</h1>" in client.get(next_url).content.decode()


def test_language_switch_keeps_the_current_page_in_next(login, director):
    html = login(director).get(reverse("accounts:list") + "?sector=Retail").content.decode()
    assert 'name="next" value="/accounts/?sector=Retail"' in html


def test_language_switch_refuses_to_send_users_off_site(login, director):
    client = login(director)
    response = client.post(
        reverse("set_language"), {"language": "fr", "next": "https://evil.example/"}
    )
    assert response.status_code == 302
    assert "evil.example" not in response["Location"]


def test_not_found_page_uses_the_layout(login, director):
    response = login(director).get("/no-such-page/")
    html = response.content.decode()
    assert response.status_code == 404
    assert "Page not found" in html and 'class="topbar"' in html


def test_forbidden_page_uses_the_layout(login, kam_user):
    response = login(kam_user).get(reverse("sales:import"))
    html = response.content.decode()
    assert response.status_code == 403
    assert "Access denied" in html and 'class="topbar"' in html


def test_vega_bundle_is_served_offline_with_long_cache_headers(client: Client):
    # when a browser asks for the chart library (no login needed: it is public code)
    url = reverse("core:vega_bundle")
    response = client.get(url)
    # then it is the vl-convert bundle, cacheable for a year
    body = response.content.decode()
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert "max-age=31536000" in response["Cache-Control"]
    assert "window.vegaEmbed" in body
    # and a browser that accepts gzip gets the same code compressed
    zipped = client.get(url, HTTP_ACCEPT_ENCODING="gzip, deflate")
    assert zipped["Content-Encoding"] == "gzip"
    assert gzip.decompress(zipped.content) == response.content
    # and a revalidation with the ETag costs no body
    again = client.get(url, HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304 and again.content == b""


def test_french_plural_forms(login, director):
    # given two accounts, seen in French
    AccountFactory(name="Solo")
    AccountFactory(name="Duo")
    client = login(director)
    client.post(reverse("set_language"), {"language": "fr", "next": "/"})
    # then two is plural, and one and zero are singular (French rule: n > 1)
    assert "<span>2 comptes</span>" in client.get(reverse("accounts:list")).content.decode()
    assert (
        "<span>1 compte</span>"
        in client.get(reverse("accounts:list"), {"q": "solo"}).content.decode()
    )
    assert (
        "<span>0 compte</span>"
        in client.get(reverse("accounts:list"), {"q": "zzz"}).content.decode()
    )


def test_our_static_files_are_found():
    # kam/static/ is a project-level folder: the staticfiles finders must know it
    # (STATICFILES_DIRS), or pages have no style and no script outside of DEBUG tricks.
    from django.contrib.staticfiles import finders

    for name in ("kam/kam.css", "kam/kam.js", "kam/favicon.svg", "django_htmx/htmx-2.min.js"):
        assert finders.find(name), name
