"""Every 4xx answer is JSON: ``{"error": code, "detail": text}``, with ``"field"`` where one field
is at fault and ``"errors"`` listing every problem of an uploaded bundle."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from commonplan.democracy.refusals import Refusal


class ApiError(Exception):
    def __init__(self, status: int, error: str, detail: str, *, field: str | None = None,
                 errors: list[dict[str, Any]] | None = None) -> None:
        super().__init__(detail)
        self.status, self.error, self.detail, self.field, self.errors = status, error, detail, field, errors

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"error": self.error, "detail": self.detail}
        if self.field is not None:
            body["field"] = self.field
        if self.errors is not None:
            body["errors"] = self.errors
        return body


ERROR_SCHEMA: dict[str, Any] = {
    "title": "Error",
    "type": "object",
    "required": ["error", "detail"],
    "properties": {
        "error": {"type": "string", "description": "a stable code, e.g. not_found"},
        "detail": {"type": "string", "description": "what was wrong, for people"},
        "field": {"type": "string", "description": "the one field at fault"},
        "errors": {"type": "array", "description": "every problem of an uploaded bundle",
                   "items": {"type": "object", "properties": {
                       "file": {"type": ["string", "null"]}, "row": {"type": ["integer", "null"]},
                       "column": {"type": ["string", "null"]}, "message": {"type": "string"}}}},
    },
}
_ERROR_RESPONSE = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}


def _documented(app: FastAPI) -> Callable[[], dict[str, Any]]:
    """``app.openapi`` declaring the body the handlers below give every 4xx (FastAPI would
    declare its own ``HTTPValidationError`` for 422, which no answer of ours has)."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        schema = generate()  # built once, then cached by FastAPI: rewritten once, here
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        if "Error" in components:
            return schema
        components["Error"] = ERROR_SCHEMA
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                responses = operation.setdefault("responses", {})
                if "422" in responses:
                    responses["422"] = {"description": "Invalid request", **_ERROR_RESPONSE}
                responses.setdefault("4XX", {"description": "Refused", **_ERROR_RESPONSE})
        for unused in ("HTTPValidationError", "ValidationError"):
            components.pop(unused, None)
        return schema

    return openapi


# The one table from a refusal of the rules (democracy.refusals) to its HTTP status.
REFUSAL_STATUS: dict[str, int] = {
    "not_found": 404, "not_found_in_council": 404,
    "not_a_member": 403, "not_eligible": 403, "not_a_volunteer": 403, "pay_by_ballot": 403,
    "ballot_closed": 409, "ballot_open": 409, "already_voted": 409, "already_signed": 409,
    "already_member": 409, "not_a_delegate": 409, "not_ready": 409,
    "already_disputed": 409, "producer_taken": 409,
    "invalid_ballot": 422, "pay_above_rule": 422, "invalid_pay": 422, "no_candidates": 422,
    "term_limit": 422, "invalid_council": 422,
    "forbidden": 403, "unauthorised": 401, "too_many_logins": 429, "refused": 422,
    "invalid_request": 422, "too_large": 413, "invalid_bundle": 422, "ended": 409, "not_done": 409,
}


def refusal_body(refusal: Refusal) -> dict[str, Any]:
    """The JSON body of a refusal: its code and reason, the field and the problems where given."""
    body: dict[str, Any] = {"error": refusal.code, "detail": refusal.reason}
    if refusal.field is not None:
        body["field"] = refusal.field
    if refusal.errors is not None:
        body["errors"] = refusal.errors
    return body


def invalid_request(error: RequestValidationError) -> ApiError:
    """A body that is not JSON is 400 ``bad_request`` (FastAPI would say 422, naming as its field
    the position of the fault); any other invalid request 422 ``invalid_request`` naming the first
    field at fault, with its problem."""
    first: dict[str, Any] = error.errors()[0] if error.errors() else {"loc": (), "msg": "invalid request"}
    if first.get("type") == "json_invalid":
        position = first["loc"][-1] if first["loc"] else "?"
        cause = (first.get("ctx") or {}).get("error", "JSON decode error")
        return ApiError(400, "bad_request", f"the body is not JSON: {cause} at character {position}")
    where = [str(part) for part in first["loc"]]
    field = ".".join(where[1:]) or (where[0] if where else None)
    return ApiError(422, "invalid_request", str(first["msg"]).removeprefix("Value error, "), field=field)


def install(app: FastAPI) -> None:
    app.openapi = _documented(app)  # type: ignore[method-assign]

    @app.exception_handler(Refusal)
    async def refused(_request: Request, refusal: Refusal) -> JSONResponse:
        return JSONResponse(refusal_body(refusal), status_code=REFUSAL_STATUS[refusal.code])

    @app.exception_handler(ApiError)
    async def api_error(_request: Request, error: ApiError) -> JSONResponse:
        return JSONResponse(error.body(), status_code=error.status)

    @app.exception_handler(RequestValidationError)
    async def invalid(_request: Request, error: RequestValidationError) -> JSONResponse:
        refused = invalid_request(error)
        return JSONResponse(refused.body(), status_code=refused.status)

    @app.exception_handler(HTTPException)
    async def http(_request: Request, error: HTTPException) -> JSONResponse:
        code = {400: "bad_request", 401: "unauthorised", 404: "not_found",
                405: "method_not_allowed", 413: "too_large"}.get(error.status_code, "http_error")
        return JSONResponse({"error": code, "detail": str(error.detail)},
                            status_code=error.status_code, headers=getattr(error, "headers", None))
