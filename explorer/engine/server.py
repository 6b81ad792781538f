"""The engine's HTTP face: an OpenAI-compatible Starlette app.

Endpoints: POST /v1/chat/completions (JSON or SSE), GET /v1/models, GET /health,
and the llama.cpp-server-style extensions POST /tokenize and POST /detokenize.
Every error is OpenAI's error object with a 4xx/5xx status, never a traceback.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Awaitable
from typing import Any, TypeVar

from pydantic import ValidationError
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from ..api import ChatCompletionRequest, ErrorBody, ErrorObject, Model, ModelList, dependency_param
from .errors import EngineError
from .responses import token_text, wire
from .service import Engine

__all__ = ["create_app", "validation_error"]

MAX_BODY_BYTES = 4 * 1024 * 1024
# How often a non-streamed request checks that its client is still there: a
# client that gave up (a timeout, a closed page) frees its slots within this.
DISCONNECT_POLL_S = 0.25

T = TypeVar("T")


class ClientGone(Exception):
    """Raised when the client of a non-streamed request disconnected before the answer."""


async def _while_connected(request: Request, work: Awaitable[T]) -> T:
    """`work`'s result; cancels it (and so its job) as soon as the client disconnects.

    A stream notices a departed client when a write fails; a plain request
    writes only at the end, so it has to look.
    """
    task = asyncio.ensure_future(work)
    try:
        while True:
            done, _ = await asyncio.wait({task}, timeout=DISCONNECT_POLL_S)
            if done:
                return task.result()
            if await request.is_disconnected():
                raise ClientGone
    finally:
        if not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


def _error(err: EngineError) -> JSONResponse:
    return JSONResponse(wire(err.body()), status_code=err.status, headers=err.headers)


def _error_body(message: str, type: str) -> dict[str, Any]:
    return wire(ErrorBody(error=ErrorObject(message=message, type=type, param=None, code=None)))


def _param_path(loc: tuple[Any, ...]) -> str:
    """pydantic's error location as a JSON path.

    ('messages', 0, 'user', 'content') -> messages[0].content
    """
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part in (
            "system",
            "developer",
            "user",
            "assistant",
            "tool",
            "function-after",
            "str",
            "list[str]",
        ):
            continue  # union branch names, not fields
        elif part.startswith(("function-", "list[", "dict[", "literal[", "json-or-python")):
            continue
        else:
            out += f".{part}" if out else str(part)
    return out


def validation_error(exc: ValidationError) -> EngineError:
    """The first pydantic error as OpenAI's 400, naming the parameter."""
    first = exc.errors(include_url=False)[0]
    param = _param_path(tuple(first["loc"])) or None
    msg = first["msg"].removeprefix("Value error, ")
    if param is None and (named := dependency_param(msg)):
        return EngineError(
            400, f"{named} {msg[len(named) + 2 :]}.", param=named, code="invalid_value"
        )
    if first["type"] == "extra_forbidden":
        msg = f"Unrecognized request argument supplied: {param}"
    elif first["type"] == "missing":
        msg = f"Missing required parameter: '{param}'."
    elif param:
        shown = first.get("input")
        got = (
            f" (got {json.dumps(shown)[:80]})" if isinstance(shown, (int, float, str, bool)) else ""
        )
        msg = f"Invalid value for '{param}': {msg}{got}."
    return EngineError(
        400, msg, param=param, code="invalid_value" if first["type"] != "missing" else None
    )


async def _json_body(request: Request) -> Any:
    body = await request.body()
    if len(body) > MAX_BODY_BYTES:
        raise EngineError(413, f"The request body is larger than {MAX_BODY_BYTES} bytes.")
    try:
        return json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise EngineError(
            400,
            f"We could not parse the JSON body of your request ({exc}). "
            "The body must be a JSON object.",
            code="invalid_json",
        ) from None


def create_app(engine: Engine) -> Starlette:
    async def chat_completions(request: Request) -> Response:
        try:
            body = await _json_body(request)
            if not isinstance(body, dict):
                raise EngineError(
                    400, "The request body must be a JSON object.", code="invalid_json"
                )
            try:
                parsed = ChatCompletionRequest.model_validate(body)
            except ValidationError as exc:
                raise validation_error(exc) from None
            # Off the event loop: the first structured request builds the grammar tokenizer (~1 s).
            prepared = await run_in_threadpool(engine.prepare, parsed)
            if not parsed.stream:
                try:
                    answer = await _while_connected(request, engine.completion(prepared))
                    return JSONResponse(wire(answer))
                except ClientGone:
                    return Response(status_code=499)  # nobody reads it (nginx's "client closed")
            chunks = engine.chunks(prepared)
            first = await anext(chunks)  # refusals (busy) become a status, not a broken stream
        except EngineError as err:
            return _error(err)

        async def sse() -> AsyncIterator[bytes]:
            try:
                yield _sse(first)
                async for chunk in chunks:
                    yield _sse(chunk)
                yield b"data: [DONE]\n\n"
            finally:
                await chunks.aclose()  # the client left: cancel the job, free its slots

        return StreamingResponse(
            sse(),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )

    async def models(request: Request) -> Response:
        listed = Model(id=engine.model_id, object="model", created=engine.created, owned_by="local")
        return JSONResponse(wire(ModelList(object="list", data=[listed])))

    async def health(request: Request) -> Response:
        return JSONResponse(
            {
                "status": "ok",
                "model": engine.model_id,
                "system_fingerprint": engine.system_fingerprint,
                "chat_template": engine.template is not None,
                **engine.scheduler.load,
                "work": engine.scheduler.work,
            }
        )

    async def tokenize(request: Request) -> Response:
        try:
            body = await _json_body(request)
            content = body.get("content") if isinstance(body, dict) else None
            if not isinstance(content, str):
                raise EngineError(400, "tokenize needs 'content', a string.", param="content")
            ids = engine.model.tokenize(content, add_special=bool(body.get("add_special", False)))
        except EngineError as err:
            return _error(err)
        if not body.get("with_pieces"):
            return JSONResponse({"tokens": ids})
        pieces = []
        for i in ids:
            raw = engine.model.token_bytes(i)
            text = token_text(raw)
            pieces.append({"id": i, "piece": list(raw) if text.startswith("bytes:") else text})
        return JSONResponse({"tokens": pieces})

    async def detokenize(request: Request) -> Response:
        try:
            body = await _json_body(request)
            ids = body.get("tokens") if isinstance(body, dict) else None
            if not isinstance(ids, list) or not all(
                isinstance(i, int) and 0 <= i < engine.model.n_vocab for i in ids
            ):
                raise EngineError(
                    400,
                    "detokenize needs 'tokens', a list of ids from 0 to "
                    f"{engine.model.n_vocab - 1}.",
                    param="tokens",
                )
        except EngineError as err:
            return _error(err)
        return JSONResponse({"content": engine.model.detokenize(ids)})

    async def http_error(request: Request, exc: Exception) -> Response:
        status = getattr(exc, "status_code", 500)
        detail = getattr(exc, "detail", "Internal error")
        kind = "not_found_error" if status == 404 else "invalid_request_error"
        return JSONResponse(
            _error_body(f"{detail}: {request.method} {request.url.path}", kind), status_code=status
        )

    async def server_error(request: Request, exc: Exception) -> Response:
        return JSONResponse(
            _error_body("The engine hit an internal error.", "server_error"), status_code=500
        )

    return Starlette(
        routes=[
            Route("/v1/chat/completions", chat_completions, methods=["POST"]),
            Route("/v1/models", models, methods=["GET"]),
            Route("/health", health, methods=["GET"]),
            Route("/tokenize", tokenize, methods=["POST"]),
            Route("/detokenize", detokenize, methods=["POST"]),
        ],
        exception_handlers={HTTPException: http_error, Exception: server_error},
    )


def _sse(body: dict[str, Any]) -> bytes:
    return b"data: " + json.dumps(body, separators=(",", ":")).encode() + b"\n\n"
