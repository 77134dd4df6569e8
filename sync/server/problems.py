"""Refusals become HTTP answers here, and only here: one JSON shape (`Problem`) for every "no".

Request validation errors (422), unknown paths (404), wrong methods (405) and unexpected errors
(500) take the same shape, and every route documents the refusals it can give, so the OpenAPI
document describes what the server really answers.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from sync.server.refusals import Refusal
from sync.wire import Problem

__all__ = ["install_problem_handlers", "problem_responses"]

log = logging.getLogger("waypoint.server")

DESCRIPTIONS = {
    400: "The body does not match its Content-Digest.",
    401: "Not signed by an enrolled device, a replay, or a clock outside the window.",
    403: "The device is revoked, or the enrollment token or proof is refused.",
    404: "No such resource.",
    409: "The change does not follow from the current state.",
    413: "The body is too large; split the batch.",
    422: "The body does not fit the schema.",
    429: "Too many requests; wait Retry-After seconds.",
}


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` entries for refusals, all with the `Problem` body."""
    return {status: {"model": Problem, "description": DESCRIPTIONS[status]} for status in statuses}


def _answer(
    status: int,
    code: str,
    detail: str,
    *,
    headers: dict[str, str] | None = None,
    server_time: int | None = None,
) -> JSONResponse:
    body = Problem(code=code, detail=detail[:500], server_time=server_time)
    return JSONResponse(body.model_dump(mode="json", exclude_none=True), status_code=status, headers=headers)


def install_problem_handlers(app: FastAPI) -> None:
    """Register the handlers that turn every refusal into a `Problem` answer."""

    @app.exception_handler(Refusal)
    async def on_refusal(_request: Request, refusal: Refusal) -> JSONResponse:
        return _answer(
            refusal.status,
            refusal.reason,
            refusal.detail,
            headers=refusal.headers,
            server_time=refusal.server_time,
        )

    @app.exception_handler(RequestValidationError)
    async def on_invalid(_request: Request, error: RequestValidationError) -> JSONResponse:
        where = sorted({".".join(str(part) for part in problem.get("loc", ())) for problem in error.errors()})
        return _answer(422, "invalid_request", "Invalid fields: " + ", ".join(where)[:400])

    @app.exception_handler(StarletteHTTPException)
    async def on_http(_request: Request, error: StarletteHTTPException) -> JSONResponse:
        if error.status_code == 400:  # FastAPI's "error parsing the body": not JSON, so not the schema
            return _answer(422, "invalid_request", "The body is not valid JSON.")
        code = {404: "not_found", 405: "method_not_allowed"}.get(error.status_code, "http_error")
        return _answer(error.status_code, code, str(error.detail), headers=getattr(error, "headers", None))

    @app.exception_handler(Exception)
    async def on_unexpected(_request: Request, error: Exception) -> JSONResponse:
        log.exception("unexpected server error", exc_info=error)
        return _answer(500, "server_error", "The server failed; the request can be retried.")
