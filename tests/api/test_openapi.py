"""The OpenAPI document describes every API route; errors are JSON with a code."""

from __future__ import annotations

from arrival.api.openapi import api_rules, openapi_path


def test_every_api_route_is_in_the_openapi_document(app, client, signed_in):
    signed_in("intake")
    document = client.get("/api/v1/openapi.json").json
    missing = []
    for rule in api_rules(app):
        path, _ = openapi_path(rule.rule)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            if method.lower() not in document["paths"].get(path, {}):
                missing.append(f"{method} {rule.rule}")
    assert not missing, f"document these API routes with @documented: {missing}"


def test_the_document_is_openapi_3_with_operations_and_responses(client, signed_in):
    signed_in("intake")
    document = client.get("/api/v1/openapi.json").json
    assert document["openapi"].startswith("3.")
    operation_ids = []
    for path, operations in document["paths"].items():
        assert path.startswith("/api/v1/") and "<" not in path
        for operation in operations.values():
            assert operation["summary"]
            assert any(code.startswith("2") for code in operation["responses"])
            assert "401" in operation["responses"] and "403" in operation["responses"]
            operation_ids.append(operation["operationId"])
    assert len(operation_ids) == len(set(operation_ids))


def test_path_parameters_are_declared(client, signed_in):
    signed_in("intake")
    operation = client.get("/api/v1/openapi.json").json["paths"]["/api/v1/catalog/{kind}"]["get"]
    assert {"name": "kind", "in": "path", "required": True, "schema": {"type": "string"}} in \
        operation["parameters"]


def test_me_describes_the_signed_in_user(client, signed_in):
    username = signed_in("caseworker", authority="rp")
    me = client.get("/api/v1/me").json
    assert me["username"] == username
    assert me["authority"] == {"code": "rp", "kind": "regional"}
    assert me["csrf_token"]


def test_every_operation_documents_the_errors_the_request_checks_can_answer(client, signed_in):
    signed_in("intake")
    document = client.get("/api/v1/openapi.json").json
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            codes = set(operation["responses"])
            assert {"401", "403", "422"} <= codes, (method, path)
            if method != "get":
                assert {"400", "413", "415"} <= codes, (method, path)
            if "{" in path:
                assert "404" in codes, (method, path)


def test_integer_path_parameters_are_bounded_like_the_id_columns(client, signed_in):
    signed_in("intake")
    document = client.get("/api/v1/openapi.json").json
    parameter = document["paths"]["/api/v1/stays/{stay_id}/check-in"]["post"]["parameters"][0]
    assert parameter["schema"] == {"type": "integer", "format": "int32", "minimum": 0,
                                   "maximum": 2**31 - 1}
