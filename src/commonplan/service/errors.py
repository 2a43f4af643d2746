"""Every 4xx answer is JSON: ``{"error": code, "detail": text}``, with ``"field"`` where one field
is at fault and ``"errors"`` listing every problem of an uploaded bundle."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException


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


def install(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def api_error(_request: Request, error: ApiError) -> JSONResponse:
        return JSONResponse(error.body(), status_code=error.status)

    @app.exception_handler(RequestValidationError)
    async def invalid(_request: Request, error: RequestValidationError) -> JSONResponse:
        first = error.errors()[0] if error.errors() else {"loc": (), "msg": "invalid request"}
        field = ".".join(str(part) for part in first["loc"][1:]) or None
        body = ApiError(422, "invalid_request", str(first["msg"]), field=field).body()
        return JSONResponse(body, status_code=422)

    @app.exception_handler(HTTPException)
    async def http(_request: Request, error: HTTPException) -> JSONResponse:
        code = {401: "unauthorised", 404: "not_found", 405: "method_not_allowed"}.get(
            error.status_code, "http_error")
        return JSONResponse({"error": code, "detail": str(error.detail)},
                            status_code=error.status_code, headers=getattr(error, "headers", None))
