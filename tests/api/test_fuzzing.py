"""Schemathesis against /api/v1/openapi.json, in-process: no answer is a server
error, and every status an operation answers is one its document lists.

Two phases, as schemathesis runs them: the coverage phase sends, for each
operation, the deterministic boundary and type-confusion cases of every field
(each field missing, null, a list, a number, too long …, and unexpected
methods), signed in with the first role that may call it; then the fuzzing
phase sends a few generated requests that fit the document (positive) and a few
that break it (negative), as an anonymous client and signed in with several
roles. Generation is derandomised, so a run is repeatable; FUZZ_EXAMPLES sets
the fuzzing budget (per operation, mode and role where the role may call it).
The figures are printed.
"""

from __future__ import annotations

import logging
import os
import time
import traceback
from collections import Counter

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode

from arrival.api.openapi import api_rules, build_document, openapi_path
from tests.factories import PASSWORD

pytestmark = pytest.mark.fuzz

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "5"))
# Roles that may not call an operation are answered 403 before any parsing:
# a couple of requests show that, more would only spend time.
EXAMPLES_WITHOUT_PERMISSION = 2
# "caseworker" works for the Jugendamt; "caseworker:rp" for the RP (transfers, issue 18);
# "data_protection" alone calls the privacy API (issue 20).
ROLES = (None, "intake", "admin", "housing", "service_point", "coordinator", "caseworker",
         "caseworker:rp", "data_protection")


def _documented_statuses(document: dict, operation) -> set[str]:
    return set(document["paths"][operation.path][operation.method.lower()]["responses"])


def _client_for(app, make_user, role):
    client = app.test_client()
    if role is None:
        return client, {}
    name, _, authority = role.partition(":")
    username = make_user(name, authority=authority or None)
    response = client.login(username, PASSWORD)
    assert response.status_code == 302
    me = client.get("/api/v1/me").json
    # The document declares the session cookie, so schemathesis generates one:
    # each call sends the real one instead.
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"]).value
    return client, {"X-CSRFToken": me["csrf_token"], "_permissions": set(me["permissions"]),
                    "_cookie": cookie}


def _endpoints(app) -> dict[tuple[str, str], str]:
    """(OpenAPI path, method) → Flask endpoint."""
    return {(openapi_path(rule.rule)[0], method): rule.endpoint
            for rule in api_rules(app) for method in rule.methods}


def _allowed(endpoint: str, permissions: set[str] | None) -> bool:
    from arrival.auth.permissions import Permission, required_permission

    if permissions is None:
        return False
    needed = required_permission(endpoint)
    return needed in (Permission.AUTHENTICATED, Permission.PUBLIC) or needed in permissions


class _LastError(logging.Handler):
    """Keeps the exception behind the last 500, for the report."""

    def __init__(self):
        super().__init__(logging.ERROR)
        self.text = ""

    def emit(self, record):
        if record.exc_info:
            frames = traceback.extract_tb(record.exc_info[2])
            where = f"{frames[-1].filename.rsplit('/', 2)[-1]}:{frames[-1].lineno}" \
                if frames else ""
            self.text = f"{record.exc_info[0].__name__}: {record.exc_info[1]} at {where}"[:300]


def test_fuzzing_the_api_gives_no_server_error_and_no_undocumented_status(
        app, make_user, capsys):
    with app.test_request_context():
        document = build_document(app)
    schema = schemathesis.openapi.from_dict(document)
    schema.app = app
    operations = [result.ok() for result in schema.get_all_operations()]
    endpoints = _endpoints(app)
    assert len(operations) >= 20

    figures = Counter()
    server_errors: list[str] = []
    undocumented: list[str] = []
    statuses = Counter()
    started = time.monotonic()
    last_error = _LastError()
    app.logger.addHandler(last_error)

    covered: set[tuple[str, str]] = set()

    def check(case, operation, client, headers, cookies, label):
        figures["cases"] += 1
        label = f"{label} {case.method} {case.path}"
        try:
            response = case.call(session=client, headers=dict(headers), cookies=dict(cookies))
        except Exception as error:  # an exception the app let through
            figures["server_errors"] += 1
            server_errors.append(f"{label}: {type(error).__name__}: {error}"[:400])
            return
        statuses[response.status_code] += 1
        if response.status_code >= 500:
            figures["server_errors"] += 1
            server_errors.append(f"{label}: {response.status_code} {last_error.text}")
        elif case.method.upper() != operation.method.upper():
            # A method the operation does not have: 405, or OPTIONS with its Allow header.
            if response.status_code != 405 and not (case.method.upper() == "OPTIONS"
                                                    and response.status_code == 200):
                undocumented.append(f"{label}: {response.status_code} instead of 405")
                figures["undocumented"] += 1
        elif str(response.status_code) not in _documented_statuses(document, operation):
            figures["undocumented"] += 1
            undocumented.append(f"{label}: {response.status_code} {response.text[:200]}")

    for role in ROLES:
        client, headers = _client_for(app, make_user, role)
        permissions = headers.pop("_permissions", None)
        cookies = {app.config["SESSION_COOKIE_NAME"]: headers.pop("_cookie")} if role else {}
        for operation in operations:
            allowed = _allowed(endpoints[operation.path, operation.method.upper()], permissions)
            key = (operation.method, operation.path)
            if allowed and key not in covered:
                covered.add(key)
                for case in schema.iter_coverage_cases(
                        operation, generation_modes=list(GenerationMode),
                        generation_config=schema.config.generation_for(operation=operation)):
                    figures["coverage_cases"] += 1
                    check(case, operation, client, headers, cookies, f"{role} coverage")
            examples = EXAMPLES if allowed else EXAMPLES_WITHOUT_PERMISSION
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

                @settings(max_examples=examples, derandomize=True, database=None,
                          deadline=None, suppress_health_check=list(HealthCheck),
                          phases=[Phase.explicit, Phase.generate])
                @given(case=operation.as_strategy(generation_mode=mode))
                def send(case):
                    check(case, operation, client, headers, cookies,
                          f"{role or 'anonymous'} {mode.value}")

                send()

    app.logger.removeHandler(last_error)
    seconds = time.monotonic() - started
    with capsys.disabled():
        print(f"\nschemathesis: {figures['cases']} cases ({figures['coverage_cases']} in the "
              f"coverage phase) over {len(operations)} operations and {len(ROLES)} roles "
              f"in {seconds:.0f} s; "
              f"{figures['server_errors']} server errors, "
              f"{figures['undocumented']} undocumented statuses; "
              f"statuses {dict(sorted(statuses.items()))}")
        for line in (server_errors + undocumented)[:60]:
            print("  " + line)
    assert figures["cases"] > 0 and len(covered) == len(operations)
    assert not server_errors, server_errors[:20]
    assert not undocumented, undocumented[:20]
