"""`kam user add`, `kam user list` and `kam token`, run in-process."""

from __future__ import annotations

import io
import json
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model

from kam.cli import main
from kam.core.services import user_token

pytestmark = pytest.mark.django_db

User = get_user_model()


def feed_stdin(monkeypatch, text: str) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr("sys.stdin", io.StringIO(text))


def test_add_a_kam_with_a_profile(capsys, kam_user):
    # when a KAM is added with every manager option
    code = main(
        [
            "user",
            "add",
            "paula",
            "--role",
            "kam",
            "--email",
            "paula@example.com",
            "--capacity",
            "12.5",
            "--sectors",
            "Retail, Energy,",
            "--languages",
            "FR,en",
            "--countries",
            "de,fr,DE",
            "--reports-to",
            kam_user.username,
        ]
    )
    # then the user exists with the KAM role and the profile as given, codes normalised
    out = capsys.readouterr().out
    assert code == 0
    user = User.objects.get(username="paula")
    assert list(user.groups.values_list("name", flat=True)) == ["KAM"]
    profile = user.manager_profile
    assert profile.kind == "KAM" and profile.capacity == Decimal("12.5")
    assert profile.sectors == ["Retail", "Energy"]
    assert profile.languages == ["en", "fr"]
    assert profile.countries == ["DE", "FR"]
    assert profile.reports_to == kam_user
    assert user.email == "paula@example.com" and not user.is_staff
    # and the generated password is printed once and works
    password = out.split("password: ")[1].strip()
    assert "created kam paula" in out
    assert len(password) >= 12 and user.check_password(password)


def test_add_a_director_with_a_password_from_stdin(capsys, monkeypatch):
    # given a password on standard input, as `printf 'pw\n' | kam user add ...` gives it
    feed_stdin(monkeypatch, "Correct horse battery staple\nignored second line\n")
    # when a director is added with --password-stdin
    code = main(["user", "add", "dora", "--role", "director", "--password-stdin"])
    # then the password is the first line, kept whole, and is not printed
    out = capsys.readouterr().out
    user = User.objects.get(username="dora")
    assert code == 0
    assert user.check_password("Correct horse battery staple")
    assert "password" not in out and "Correct horse" not in out
    assert user.is_staff and user.groups.get().name == "Director"
    assert not hasattr(user, "manager_profile")


@pytest.mark.parametrize(
    ("password", "reason"),
    [("short1", "too short"), ("password123", "too common"), ("98765432187", "entirely numeric")],
)
def test_a_weak_password_is_refused(capsys, monkeypatch, password, reason):
    # given a password that the settings' validators refuse
    feed_stdin(monkeypatch, f"{password}\n")
    # when a user is added with it
    code = main(["user", "add", "weak", "--role", "analyst", "--password-stdin"])
    # then nothing is created and one line says why
    err = capsys.readouterr().err
    assert code == 1
    assert err.count("\n") == 1 and err.startswith("kam user: password:")
    assert reason in err
    assert not User.objects.filter(username="weak").exists()


def test_an_empty_stdin_is_refused(capsys, monkeypatch):
    feed_stdin(monkeypatch, "")
    code = main(["user", "add", "nobody", "--role", "analyst", "--password-stdin"])
    assert code == 1
    assert "standard input gave no password" in capsys.readouterr().err
    assert not User.objects.filter(username="nobody").exists()


def test_a_duplicate_name_is_a_one_line_error(capsys, kam_user):
    # when a user is added under a name that exists
    code = main(["user", "add", kam_user.username, "--role", "analyst"])
    # then one line names the field, exit 1, and the existing user is untouched
    err = capsys.readouterr().err
    assert code == 1
    assert err == f"kam user: username: a user named '{kam_user.username}' already exists\n"
    assert User.objects.get(username=kam_user.username).groups.get().name == "KAM"


def test_a_name_django_refuses_is_a_one_line_error(capsys):
    code = main(["user", "add", "bad name!", "--role", "analyst"])
    err = capsys.readouterr().err
    assert code == 1
    assert err.startswith("kam user: username:") and err.count("\n") == 1
    assert not User.objects.filter(username="bad name!").exists()


def test_a_capacity_out_of_range_names_the_field(capsys):
    code = main(["user", "add", "huge", "--role", "gam", "--capacity", "500"])
    err = capsys.readouterr().err
    assert code == 1
    assert err.startswith("kam user: capacity:")
    assert not User.objects.filter(username="huge").exists()


@pytest.mark.parametrize(
    "argv",
    [
        ["user", "add", "x", "--role", "admin"],
        ["user", "add", "x", "--role", "kam", "--capacity", "lots"],
        ["user", "add", "x", "--role", "kam", "--capacity", "NaN"],
        ["user", "add", "x", "--role", "kam", "--countries", "FRA"],
        ["user", "add", "x", "--role", "kam", "--languages", "f1"],
        ["user", "add", "x"],
        ["user"],
    ],
)
def test_malformed_arguments_are_usage_errors(capsys, argv):
    # when an option has a value that cannot be right, argparse refuses it (exit 2)
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    assert "usage:" in capsys.readouterr().err
    assert not User.objects.filter(username="x").exists()


def test_manager_options_on_another_role_are_refused(capsys):
    # when a director is given a capacity, which only managers have
    code = main(["user", "add", "dir", "--role", "director", "--capacity", "5"])
    # then nothing is silently ignored: the command refuses and creates nobody
    assert code == 2
    assert "--capacity: only for --role kam or gam" in capsys.readouterr().err
    assert not User.objects.filter(username="dir").exists()


def test_an_unknown_team_lead_is_refused(capsys):
    code = main(["user", "add", "kim2", "--role", "kam", "--reports-to", "ghost"])
    assert code == 1
    assert "--reports-to: no user named 'ghost'" in capsys.readouterr().err
    assert not User.objects.filter(username="kim2").exists()


def test_user_list_as_json(capsys, director, kam_user, gam_user, analyst, marketing):
    # given one user of each role and a superuser without a role
    User.objects.create_superuser("root", "", "pw-Root-123")
    # when the users are listed as JSON
    code = main(["user", "list", "--format", "json"])
    # then each has their role, and managers their kind and capacity
    rows = {r["name"]: r for r in json.loads(capsys.readouterr().out)}
    assert code == 0
    assert rows == {
        "dora": {
            "name": "dora",
            "role": "director",
            "kind": None,
            "capacity": None,
            "active": True,
        },
        "kim": {"name": "kim", "role": "kam", "kind": "KAM", "capacity": 8.0, "active": True},
        "gail": {"name": "gail", "role": "gam", "kind": "GAM", "capacity": 8.0, "active": True},
        "ana": {"name": "ana", "role": "analyst", "kind": None, "capacity": None, "active": True},
        "mark": {
            "name": "mark",
            "role": "marketing",
            "kind": None,
            "capacity": None,
            "active": True,
        },
        "root": {
            "name": "root",
            "role": "superuser",
            "kind": None,
            "capacity": None,
            "active": True,
        },
    }


def test_user_list_as_a_table(capsys, director, gam_user):
    # given an inactive director and a GAM
    director.is_active = False
    director.save()
    # when the users are listed
    assert main(["user", "list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    # then there is a header and one aligned line per user, sorted by name
    assert lines[0].split() == ["NAME", "ROLE", "KIND", "CAPACITY"]
    assert lines[1].split() == ["dora", "(inactive)", "director", "-", "-"]
    assert lines[2].split() == ["gail", "gam", "GAM", "8"]
    assert lines[1].index("director") == lines[2].index("gam") == lines[0].index("ROLE")


def test_user_list_query_count_does_not_grow_with_users(capsys, django_assert_num_queries):
    # given 3 then 30 managers, the list costs the same number of queries
    for count in (3, 30):
        for i in range(count):
            User.objects.create_user(f"u{count}-{i}")
        with django_assert_num_queries(2):
            main(["user", "list", "--format", "json"])
        assert len(json.loads(capsys.readouterr().out)) >= count


def test_token_is_created_once_and_printed(capsys, analyst):
    # when the token is asked for twice
    assert main(["token", analyst.username]) == 0
    first = capsys.readouterr().out.strip()
    assert main(["token", analyst.username]) == 0
    second = capsys.readouterr().out.strip()
    # then it is the same token, the one the API accepts
    assert first == second == user_token(username=analyst.username)
    assert len(first) == 40


def test_token_for_an_unknown_user_is_a_one_line_error(capsys):
    code = main(["token", "ghost"])
    assert code == 1
    assert capsys.readouterr().err == "kam token: no user named 'ghost'\n"
