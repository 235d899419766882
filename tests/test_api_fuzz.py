"""Property-based run of the whole JSON API from its OpenAPI document: no input causes a 500 or a stray answer.

Schemathesis generates requests for every documented operation, both conforming to the document
(positive) and violating it (negative), and they are sent in-process to the app as an administrator on
a temporary database. Every answer must be below 500, documented (status code, content type and body
schema), and every request that violates the document must be refused: the document states each
constraint the server enforces at its door. (Driven through Hypothesis directly: schemathesis' own
pytest plugin does not run on pytest 9.)
"""

from __future__ import annotations

import base64
import re
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from planner.model.records import RECORD_KINDS

ADMIN = {"Authorization": "Basic " + base64.b64encode(b"admin:admin-pass-123").decode()}
CHECKS = [status_code_conformance, content_type_conformance, response_schema_conformance, negative_data_rejection]


def _check(case: schemathesis.Case, label: str) -> None:
    if "name" in (case.path_parameters or {}):
        case.path_parameters["name"] = "mini"  # the stored scenario: requests reach the store and the planner
    response = case.call(headers={**(case.headers or {}), **ADMIN})
    assert response.status_code < 500, (label, case.path_parameters, case.query, response.text[:300])
    if 400 <= response.status_code < 500:
        body = response.json()
        keys = set(body["error"]) if set(body) == {"error"} else {"code", "message", "field"}
        assert {"code", "message", "field"} <= keys <= {"code", "message", "field", "current_version"}, (label, body)
    case.validate_response(response, checks=CHECKS, headers={**(case.headers or {}), **ADMIN})


PARTS = 3
"""The operations are fuzzed in this many parts (every third one each), so the suite's workers share them."""


@pytest.mark.parametrize("part", range(PARTS))
def test_no_input_causes_a_server_error(app, users, part):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 14
    for operation in operations[part::PARTS]:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            _fuzz(operation, mode)


def _fuzz(operation: Any, mode: GenerationMode) -> None:
    @given(case=operation.as_strategy(mode))
    @settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    def run(case: schemathesis.Case) -> None:
        _check(case, f"{operation.label} ({mode.value})")

    run()


ACROSS_RECORDS = re.compile(r"does not exist|from the nearest road|duplicate|parent chain loops|exists already"
                            r"|is before|is shorter than|zone offset|to the fen|must not contain NUL")
"""The refusals a record's schema cannot state: the checks across records (listed in each operation's description)
and comparisons of two fields of one record (a certificate's expiry before its issue, a shift longer than its cycle,
a roster ending before it starts, one end with a zone offset and one without), money to the fen, and NUL characters
inside a free-form object such as a geometry's extra members (the store refuses NUL anywhere: PostgreSQL cannot
keep it)."""


def test_every_record_its_schema_allows_is_refused_only_by_a_check_across_records(app, users):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    writes = [op for op in (result.ok() for result in schema.get_all_operations())
              if re.fullmatch(r"(POST|PUT) /api/v1/scenarios/\{name\}/records/[a-z]+(/\{record_id\})?", op.label)]
    assert len(writes) == 2 * (len(RECORD_KINDS) + 1)  # POST and PUT of each record kind and of agreements
    for operation in writes:
        _accepts(operation)


def _accepts(operation: Any) -> None:
    """Send records the operation's schema allows; each is stored, or refused by a check across records."""

    @given(case=operation.as_strategy(GenerationMode.POSITIVE))
    @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    def run(case: schemathesis.Case) -> None:
        case.path_parameters["name"] = "mini"
        if "record_id" in case.path_parameters:  # the id in the path is the body's (renaming is refused)
            case.path_parameters["record_id"] = case.body["data"]["id"]
        response = case.call(headers={**(case.headers or {}), **ADMIN})
        assert response.status_code in (200, 201, 400, 409), (operation.label, response.status_code,
                                                              response.text[:300])
        if response.status_code == 400:
            message = response.json()["error"]["message"]
            assert ACROSS_RECORDS.search(message), (operation.label, case.body, message)

    run()
