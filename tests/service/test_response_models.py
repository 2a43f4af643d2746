"""The OpenAPI document describes what every JSON operation answers (issue 14): a 2xx response
whose schema names its fields, never an empty schema or a bare object of anything."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from commonplan.server import create_app

NOT_JSON = {"log_out": "204, no body", "download_bundle": "a zip", "get_job_result_csv": "CSV",
            "round_targets_csv": "CSV", "council_targets_csv": "CSV"}


@pytest.fixture(scope="module")
def openapi(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    app = create_app(f"sqlite:///{tmp_path_factory.mktemp('schema') / 'commonplan.db'}")
    try:
        yield app.openapi()
    finally:
        app.state.worker.shutdown(wait=True)
        app.state.sessions.kw["bind"].dispose()


def resolved(schema: dict[str, Any], document: dict[str, Any]) -> dict[str, Any]:
    """``schema``, or the component its ``$ref`` names."""
    if "$ref" in schema:
        return document["components"]["schemas"][schema["$ref"].removeprefix("#/components/schemas/")]
    return schema


def undescribed(schema: dict[str, Any], document: dict[str, Any]) -> list[str]:
    """What in ``schema`` says nothing of the answer's fields: an empty schema, an object without
    properties, an array of such, a union with such a member (empty when all is described)."""
    schema = resolved(schema, document)
    if "anyOf" in schema:
        return [problem for member in schema["anyOf"] for problem in undescribed(member, document)]
    if schema.get("type") == "array":
        return undescribed(schema.get("items", {}), document)
    if schema.get("type") == "object" and schema.get("properties"):
        return []
    return [f"{schema.get('title', 'a schema')}: {schema or 'empty'}"]


def json_answers(operation: dict[str, Any]) -> list[dict[str, Any]]:
    """The JSON schemas of the operation's 2xx responses."""
    return [response["content"]["application/json"].get("schema", {})
            for status, response in operation["responses"].items()
            if status.startswith("2") and "application/json" in response.get("content", {})]


def operations(document: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for methods in document["paths"].values():
        yield from methods.values()


def test_every_json_operation_has_a_2xx_answer_whose_schema_names_its_fields(openapi):
    json_operations = [operation for operation in operations(openapi) if json_answers(operation)]
    assert len(json_operations) >= 34
    for operation in json_operations:
        for schema in json_answers(operation):
            assert not undescribed(schema, openapi), (operation["operationId"], undescribed(schema, openapi))


def test_the_operations_without_a_json_answer_are_the_downloads_and_log_out(openapi):
    assert {operation["operationId"] for operation in operations(openapi)
            if not json_answers(operation)} == set(NOT_JSON)


def test_a_free_form_document_is_not_taken_for_a_described_one(openapi):
    assert undescribed({}, openapi) and undescribed({"type": "object", "additionalProperties": True}, openapi)
    assert undescribed({"type": "array", "items": {"type": "object"}}, openapi)
    assert undescribed({"anyOf": [{"$ref": "#/components/schemas/EmptyHead"}, {}]}, openapi)


def test_a_job_result_documents_its_provenance_and_warnings_and_keeps_the_rest_free(openapi):
    result = openapi["components"]["schemas"]["JobResult"]
    assert {"provenance", "warnings"} <= set(result["required"])
    assert result["additionalProperties"] is True and "SPEC section 3" in result["description"]


def test_a_ballot_says_which_fields_appear_only_once_it_is_closed(openapi):
    ballot = openapi["components"]["schemas"]["BallotView"]
    assert {"result", "seed", "closed_at", "variants"}.isdisjoint(ballot["required"])
    assert {"options", "voted", "you_voted", "opened_at", "closes_at"} <= set(ballot["required"])

