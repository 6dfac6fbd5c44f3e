"""The OpenAPI document at /api/v1/openapi.json: public, lists every endpoint with its
parameters, responses and the bearer scheme, and holds together as an OpenAPI 3 document
(structural checks: openapi-spec-validator is not among the installed packages)."""
import re

from tests.api.conftest import api_endpoints

HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}


def resolve(document, ref):
    assert ref.startswith("#/"), ref
    node = document
    for part in ref[2:].split("/"):
        assert part in node, f"dangling $ref {ref}"
        node = node[part]
    return node


def refs(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield value
            else:
                yield from refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from refs(value)


def test_the_document_describes_every_endpoint(app):
    response = app.test_client().get("/api/v1/openapi.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    document = response.get_json()
    assert re.fullmatch(r"3\.0\.\d+", document["openapi"])
    assert document["info"]["title"] and document["info"]["version"] == "v1"
    assert document["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    assert document["security"] == [{"bearerAuth": []}]
    documented = sorted((method.upper(), path) for path, item in document["paths"].items() for method in item
                        if method in HTTP_METHODS)
    assert documented == api_endpoints(app)
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method not in HTTP_METHODS:
                continue
            assert operation["summary"] and operation["responses"], (method, path)
            assert {"200", "401", "429"} <= set(operation["responses"]), (method, path)
            for code, answer in operation["responses"].items():
                answer = resolve(document, answer["$ref"]) if "$ref" in answer else answer
                assert re.fullmatch(r"[1-5]\d\d|default", code) and "description" in answer
            for parameter in operation.get("parameters", []):
                assert parameter["in"] in {"query", "path", "header", "cookie"} and parameter["name"]
    push = document["paths"]["/api/v1/achievements"]["post"]
    assert "application/json" in push["requestBody"]["content"] and "403" in push["responses"]
    listing = document["paths"]["/api/v1/applications"]["get"]
    assert {p["name"] for p in listing["parameters"]} >= {"cursor", "limit", "status", "direction",
                                                          "submitted_from", "submitted_to"}
    # Every reference points at a schema of the document.
    for ref in set(refs(document)):
        resolve(document, ref)
    schemas = document["components"]["schemas"]
    assert {"catalogue_achievement_id", "personal_code"} <= set(schemas["PushItem"]["properties"])
    assert {"required": ["catalogue_achievement_id"]} in schemas["PushItem"]["anyOf"]
