"""Schemathesis against a live server: requests generated from /openapi.json never get a 5xx, and every
answer has the status and the shape the schema documents. Bounded to well under a minute."""

import socket
import threading
import time

import pytest
import schemathesis
import uvicorn
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import content_type_conformance, not_a_server_error, response_schema_conformance, status_code_conformance

from digits.serving.app import create_app
from digits.serving.settings import ServeSettings


@pytest.fixture(scope="module")
def live_schema(tmp_path_factory):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    app = create_app(ServeSettings(feedback_db=tmp_path_factory.mktemp("fuzz") / "f.sqlite3", max_upload_bytes=256 * 1024))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="critical"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.time() + 30
    while not server.started and time.time() < deadline:
        time.sleep(0.05)
    yield schemathesis.openapi.from_url(f"http://127.0.0.1:{port}/openapi.json")
    server.should_exit = True
    thread.join(timeout=10)


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
