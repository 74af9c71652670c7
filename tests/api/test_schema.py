"""The OpenAPI schema and the Swagger docs page: complete, valid, served offline."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml
from django.contrib.staticfiles import finders
from django.core.management import call_command

pytestmark = pytest.mark.django_db

PATHS = {
    "/api/v1/accounts/",
    "/api/v1/accounts/{external_id}/",
    "/api/v1/import-batches/",
    "/api/v1/import-batches/{id}/",
}


def test_schema_has_every_endpoint_with_types(api, analyst):
    # when the JSON schema is fetched
    response = api(analyst).get("/api/schema/", {"format": "json"})
    # then it parses and lists every endpoint
    assert response.status_code == 200
    schema = json.loads(response.content)
    assert set(schema["paths"]) >= PATHS
    # and the computed fields have real types, not "any"
    account = schema["components"]["schemas"]["Account"]["properties"]
    assert account["group"]["type"] == "string"
    assert account["lead_manager"] == {
        "type": "string",
        "nullable": True,
        "readOnly": True,
        "description": "Username of the current lead manager, if any.",
    }
    assert account["countries_of_operation"]["type"] == "array"
    detail = schema["components"]["schemas"]["AccountDetail"]["properties"]
    assert detail["subsidiaries"]["items"]["type"] == "string"
    batch = schema["components"]["schemas"]["ImportBatchDetail"]["properties"]
    assert batch["errors"]["items"]["$ref"].endswith("/ImportError")
    # and scripts learn that a token in the Authorization header works
    assert set(schema["components"]["securitySchemes"]) >= {"tokenAuth", "cookieAuth"}
    # and the filters of the shared FilterSet are documented on the list
    params = {p["name"] for p in schema["paths"]["/api/v1/accounts/"]["get"]["parameters"]}
    assert {"q", "sector", "country", "status", "group", "is_group", "ordering", "page"} <= params


def test_schema_yaml_is_served_too(api, analyst):
    response = api(analyst).get("/api/schema/")
    assert response.status_code == 200
    assert set(yaml.safe_load(response.content)["paths"]) >= PATHS


def test_schema_validates_and_every_field_has_a_type(tmp_path: Path, capsys):
    # when the schema is generated and validated against the OpenAPI specification
    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--file", str(out))
    # then it is written (the command raises on an invalid schema)
    assert set(yaml.safe_load(out.read_text())["paths"]) >= PATHS
    # and drf-spectacular had to guess no type. The only warning allowed is the naming of
    # the two "status" enums, which ENUM_NAME_OVERRIDES in the settings resolves.
    warnings = [
        line for line in capsys.readouterr().err.splitlines() if line.startswith("Warning:")
    ]
    assert [w for w in warnings if "enum naming" not in w] == []


def test_docs_page_loads_only_local_files(api, analyst):
    # when the Swagger page is opened
    response = api(analyst).get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    # then every script, style and icon it references is a local static file
    urls = re.findall(r"""(?:src|href)\s*=\s*["']([^"']+)["']""", html)
    urls += re.findall(r"""["']((?:https?:)?//[^"']+)["']""", html)
    assert urls, "the page references no file: the test would prove nothing"
    for url in urls:
        assert url.startswith("/") and not url.startswith("//"), url
        if url.startswith("/static/"):
            assert finders.find(url.removeprefix("/static/")), f"{url} is not shipped"
    assert any("swagger-ui-bundle" in url for url in urls)
