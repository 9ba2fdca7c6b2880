"""Property-based tests of the published OpenAPI schema (schemathesis): generated
requests to every operation never get a server error, and every response matches the
schema. Runs in-process on the real demo databases with the scripted model."""

from __future__ import annotations

import pytest

pytest.importorskip("fastapi", reason="the server extra is not installed: pip install 'momq[server]'")

schemathesis = pytest.importorskip("schemathesis", reason="schemathesis is not installed (momq[test])")

pytestmark = [pytest.mark.integration, pytest.mark.slow]


@pytest.fixture(scope="module")
def app(scripted_spec, demo_databases, tmp_path_factory):
    from momq.server.app import create_app
    from momq.server.config import ServerConfig
    from momq.server.service import Service
    from momq.server.sessions import SessionStore

    config = ServerConfig(models=(scripted_spec,), query_timeout_s=5, request_timeout_s=30)
    return create_app(config, service=Service(config, sessions=SessionStore(tmp_path_factory.mktemp("sessions"))))


def test_no_server_errors_on_generated_requests(app):
    from hypothesis import HealthCheck, given, settings
    from schemathesis import checks

    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    failures = []
    for result in schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @settings(max_examples=25, deadline=None, database=None, suppress_health_check=list(HealthCheck))
        def run(case):
            response = case.call()
            if response.status_code >= 500:
                failures.append(f"{operation.label}: {response.status_code} {response.text[:300]}")  # noqa: B023
            case.validate_response(response, checks=[checks.not_a_server_error, checks.response_schema_conformance])

        run()
    assert not failures
