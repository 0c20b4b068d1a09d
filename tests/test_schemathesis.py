"""Schemathesis against the live app (waitress on a real fixture index): every operation of
/api/openapi.json with generated parameters, valid and invalid. No 5xx, and every response
(status, content type, body, headers) matches the document. Cases per operation follow the
Hypothesis profile (tests/conftest.py). Schemathesis' own pytest plugin does not run under
pytest 9, so its case strategies drive plain Hypothesis tests."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from webui.openapi import openapi_document
from webui_support import served, web_index  # noqa: F401  (fixture)

# Dates and query syntax are free strings in the document, so a schema-valid request can still be a
# documented 400 ("bad date for 'from'"); every other check (no 5xx, status, content type, body
# and header conformance, invalid data rejected) runs.
NOT_EXPRESSIBLE = [schemathesis.checks.positive_data_acceptance]
OPERATIONS = list(openapi_document()["paths"])


@pytest.fixture(scope="module")
def api_schema(web_index):  # noqa: F811
    with served(web_index) as url:
        yield schemathesis.openapi.from_url(f"{url}/api/openapi.json")


@pytest.mark.parametrize("path", OPERATIONS)
def test_operation_conforms_to_the_document(api_schema, path):
    operation = api_schema[path]["GET"]

    @given(data=st.data())
    @settings(suppress_health_check=list(HealthCheck))
    def check(data):
        case = data.draw(operation.as_strategy())
        case.call_and_validate(excluded_checks=NOT_EXPRESSIBLE)

    check()
