"""Property-based run against the OpenAPI spec (schemathesis): no generated request may get a 5xx."""

from __future__ import annotations

from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from curbside.api.app import create_app
from curbside.api.settings import Settings
from curbside.care.directory import load_directory
from curbside.care.store import CareStore
from curbside.engine import Engine

OPERATIONS = ["POST /v1/ask", "POST /v1/parse", "POST /v1/triage", "POST /v1/interview", "GET /v1/search",
              "GET /v1/conditions", "GET /v1/conditions/{condition_id}", "GET /v1/kb", "GET /healthz",
              "GET /v1/care/options", "POST /v1/appointments", "GET /v1/appointments/{appointment_id}",
              "DELETE /v1/appointments/{appointment_id}", "GET /v1/admin/appointments"]


@pytest.fixture(scope="module")
def api_schema(engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> schemathesis.BaseSchema:
    care = CareStore(f"sqlite:///{tmp_path_factory.mktemp('care') / 'care.db'}")
    care.load_clinic(load_directory(Path(__file__).parent.parent / "examples" / "clinic" / "clinic.yaml"))
    app = create_app(engine, Settings(rate_per_minute=0, admin_key="fuzz-key"), care=care)
    return schemathesis.openapi.from_asgi("/openapi.json", app)


def test_the_spec_lists_every_operation(api_schema: schemathesis.BaseSchema) -> None:
    found = {op.ok().label for op in api_schema.get_all_operations()}
    assert found == set(OPERATIONS)


@pytest.mark.parametrize("label", OPERATIONS)
def test_no_server_errors(api_schema: schemathesis.BaseSchema, label: str) -> None:
    operation = next(op.ok() for op in api_schema.get_all_operations() if op.ok().label == label)

    @given(operation.as_strategy())
    @settings(max_examples=50, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
    def check(case: schemathesis.Case) -> None:
        response = case.call()
        assert response.status_code < 500, (label, case.body, case.query, response.text[:300])
        if response.status_code >= 400:
            assert "error" in response.json()  # every error has the documented JSON shape

    check()
