"""The JSON API fuzzed from its own OpenAPI document (schemathesis, in-process, offline): no input
answers 5xx, and no answer breaks the schema the document gives for it."""
from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

#: Examples per operation: bounded, so `make test` stays quick.
EXAMPLES = 25


@pytest.fixture
def api_world(app, make_event, make_user, make_registration):
    """An event with people, one checked in, and an admin's token."""
    event = make_event(slug="fuzz-forum")
    people = [make_registration(event) for _ in range(3)]
    admin = make_user("admin@example.ru", role="admin")
    client = app.test_client()
    client.post(f"/api/v1/events/{event.slug}/checkins", json={"code": people[0].badge_code},
                headers={"Authorization": f"Bearer {admin.api_token}"})
    return {"event": event, "people": people, "token": admin.api_token}


def test_api_answers_no_5xx_and_keeps_to_its_schema(app, api_world):
    from hypothesis import given

    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 8

    for operation in operations:
        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
                  suppress_health_check=list(HealthCheck))
        def fuzz(case):
            # identity: the in-process client hands the checks the body as sent, without decoding brotli.
            case.headers = {**(case.headers or {}), "Authorization": f"Bearer {api_world['token']}",
                            "Accept-Encoding": "identity"}
            if "slug" in (case.path_parameters or {}):
                case.path_parameters["slug"] = api_world["event"].slug  # reach the handlers, not 404
            response = case.call()
            case.validate_response(response, checks=[not_a_server_error, response_schema_conformance,
                                                     content_type_conformance])

        fuzz()
