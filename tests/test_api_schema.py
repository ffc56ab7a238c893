"""Schemathesis against a live server: requests generated from /openapi.json never get a 5xx, and every
answer has the status and the shape the schema documents. Bounded to well under a minute."""


import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import content_type_conformance, not_a_server_error, response_schema_conformance, status_code_conformance

from conftest import live_server
from digits.serving.app import create_app
from digits.serving.settings import ServeSettings


@pytest.fixture(scope="module")
def live_schema(tmp_path_factory):
    app = create_app(ServeSettings(feedback_db=tmp_path_factory.mktemp("fuzz") / "f.sqlite3", max_upload_bytes=256 * 1024))
    with live_server(app) as base:
        yield schemathesis.openapi.from_url(f"{base}/openapi.json")


def test_generated_requests_get_documented_answers(live_schema):
    # Schemathesis' own pytest plugin does not run on this pytest; its strategies drive Hypothesis directly.
    operations = [result.ok() for result in live_schema.get_all_operations()]
    assert {op.path for op in operations} >= {"/api/predict", "/api/read", "/api/feedback", "/api/health", "/api/model"}
    checks = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
    for operation in operations:

        @given(operation.as_strategy())
        @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def check(case):
            case.call_and_validate(checks=checks)

        check()
