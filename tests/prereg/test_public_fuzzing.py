"""Schemathesis against the public part of the OpenAPI document, as an
anonymous client (no account, no cookie, no CSRF token): the coverage phase's
boundary and type-confusion cases of every field, then generated requests that
fit the document and that break it. No answer is a server error, every status
is documented; the number of cases is printed."""

from __future__ import annotations

import os
import time
from collections import Counter

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode

from arrival.api.openapi import api_rules, build_document, openapi_path
from arrival.auth.permissions import Permission, required_permission

pytestmark = pytest.mark.fuzz
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "25"))


def _public_paths(app) -> set[tuple[str, str]]:
    return {(openapi_path(rule.rule)[0], method) for rule in api_rules(app)
            for method in rule.methods
            if required_permission(rule.endpoint) is Permission.PUBLIC}


def test_the_public_endpoints_give_no_server_error_to_anyone(app, capsys):
    with app.test_request_context():
        document = build_document(app)
    public = _public_paths(app)
    document["paths"] = {path: {m: op for m, op in ops.items() if (path, m.upper()) in public}
                         for path, ops in document["paths"].items()
                         if any((path, m.upper()) in public for m in ops)}
    assert set(document["paths"]) == {"/api/v1/pre"}
    schema = schemathesis.openapi.from_dict(document)
    schema.app = app
    operations = [result.ok() for result in schema.get_all_operations()]
    client = app.test_client()
    figures, statuses, problems = Counter(), Counter(), []
    limit = app.config["PREREG_RATE_LIMIT"]
    app.config["PREREG_RATE_LIMIT"] = "1000000 per minute"  # the limit is tested elsewhere
    started = time.monotonic()

    def check(case, operation, label):
        figures["cases"] += 1
        try:
            response = case.call(session=client)
        except Exception as error:  # noqa: BLE001 — an exception the app let through
            problems.append(f"{label}: {type(error).__name__}: {error}"[:300])
            return
        statuses[response.status_code] += 1
        documented = document["paths"][operation.path][operation.method.lower()]["responses"]
        if response.status_code >= 500:
            problems.append(f"{label}: {response.status_code}")
        elif case.method.upper() != operation.method.upper():
            if response.status_code not in (405, 200):
                problems.append(f"{label}: {response.status_code} instead of 405")
        elif str(response.status_code) not in documented:
            problems.append(f"{label}: undocumented {response.status_code} "
                            f"{response.text[:200]}")

    try:
        for operation in operations:
            for case in schema.iter_coverage_cases(
                    operation, generation_modes=list(GenerationMode),
                    generation_config=schema.config.generation_for(operation=operation)):
                figures["coverage"] += 1
                check(case, operation, f"coverage {case.method} {case.path}")
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

                @settings(max_examples=EXAMPLES, derandomize=True, database=None,
                          deadline=None, suppress_health_check=list(HealthCheck),
                          phases=[Phase.explicit, Phase.generate])
                @given(case=operation.as_strategy(generation_mode=mode))
                def send(case):
                    check(case, operation, f"anonymous {mode.value}")

                send()
    finally:
        app.config["PREREG_RATE_LIMIT"] = limit
    with capsys.disabled():
        print(f"\nschemathesis (anonymous, public endpoints): {figures['cases']} cases "
              f"({figures['coverage']} in the coverage phase) over {len(operations)} "
              f"operation(s) in {time.monotonic() - started:.0f} s; {len(problems)} problems; "
              f"statuses {dict(sorted(statuses.items()))}")
        for line in problems[:30]:
            print("  " + line)
    assert figures["cases"] > 50
    assert statuses[201] > 0, "some generated pre-registrations are valid"
    assert not problems, problems[:20]
