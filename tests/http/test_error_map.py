"""Which error a failed exchange becomes: status_error, connection_error, Retry-After."""

from __future__ import annotations

import email.utils
import json
import socket
import time

import httpx
import pytest

from explorer.api import ErrorBody
from explorer.http.error_map import connection_error, retry_after_seconds, status_error
from explorer.http.errors import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    InternalServerError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    UnprocessableEntityError,
)
from explorer.http.redaction import REDACTED

KEY = "sk-test-SENTINEL-1234567890"


# ---------------------------------------------------------------- status_error


def _openai(
    message: str, type: str | None = None, param: str | None = None, code: object = None
) -> bytes:
    return json.dumps(
        {"error": {"message": message, "type": type, "param": param, "code": code}}
    ).encode()


def test_status_error_parses_openai_body() -> None:
    exc = status_error(
        400,
        _openai(
            "Invalid value for 'temperature'",
            "invalid_request_error",
            "temperature",
            "invalid_value",
        ),
        {"x-request-id": "req_123"},
    )
    assert type(exc) is BadRequestError
    assert exc.status_code == 400
    assert exc.message == "Invalid value for 'temperature'"
    assert (exc.type, exc.param, exc.code) == (
        "invalid_request_error",
        "temperature",
        "invalid_value",
    )
    assert isinstance(exc.body, ErrorBody)
    assert exc.body.error.param == "temperature"
    assert exc.request_id == "req_123"
    assert str(exc) == "Error 400 Bad Request: Invalid value for 'temperature'"
    assert "`temperature`" in exc.hint


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, BadRequestError),
        (401, AuthenticationError),
        (403, PermissionDeniedError),
        (404, NotFoundError),
        (409, ConflictError),
        (422, UnprocessableEntityError),
        (429, RateLimitError),
        (500, InternalServerError),
        (502, InternalServerError),
        (503, InternalServerError),
        (504, InternalServerError),
        (599, InternalServerError),
        (405, APIStatusError),
        (418, APIStatusError),
        (302, APIStatusError),
    ],
)
def test_status_error_class(status: int, cls: type[APIStatusError]) -> None:
    exc = status_error(status, b"", None)
    assert type(exc) is cls
    assert exc.status_code == status
    assert str(status) in str(exc)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        # llama.cpp: code is the status number
        (
            b'{"error": {"code": 400, "message": "bad n_probs", "type": "invalid_request_error"}}',
            "bad n_probs",
        ),
        # Ollama's native shape
        (
            b'{"error": "model \\"llama9\\" not found, try pulling it first"}',
            'model "llama9" not found',
        ),
        # older vLLM: the error object at top level
        (
            b'{"object": "error", "message": "The model `x` does not exist.", '
            b'"type": "NotFoundError", "param": null, "code": 404}',
            "The model `x` does not exist.",
        ),
        # FastAPI / Starlette
        (b'{"detail": "Not Found"}', "Not Found"),
        (
            b'{"detail": [{"loc": ["body", "messages"], "msg": "Field required", '
            b'"type": "missing"}]}',
            "messages: Field required",
        ),
    ],
)
def test_status_error_other_servers_shapes(body: bytes, message: str) -> None:
    exc = status_error(404, body, None)
    assert message in exc.message
    assert exc.body is not None


def test_status_error_llama_cpp_int_code() -> None:
    exc = status_error(400, b'{"error": {"code": 400, "message": "m", "type": "t"}}', None)
    assert exc.code == 400


@pytest.mark.parametrize(
    ("status", "body", "content_type", "must_contain", "must_not_contain"),
    [
        (
            502,
            b"<html>\r\n<head><title>502 Bad Gateway</title>"
            b"<style>body{color:red}</style></head>\r\n<body>\r\n"
            b"<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n"
            b"</body>\r\n</html>\r\n",
            "text/html",
            ["502 Bad Gateway", "nginx", "text/html"],
            ["<h1>", "<html>", "color:red"],
        ),
        (
            404,
            b"404 page not found",
            "text/plain; charset=utf-8",
            ["404 page not found", "text/plain"],
            [],
        ),
        (500, b"", None, ["empty body"], []),
        (500, b"   \n", "application/json", ["empty body"], []),
        (400, b'{"weird": true}', "application/json", ['{"weird": true}'], []),
        (400, b'{"error": 12}', "application/json", ['{"error": 12}'], []),
        (400, b"[1, 2]", "application/json", ["[1, 2]"], []),
        (500, "caf\u00e9 broke".encode("latin-1"), "text/plain", ["caf", "broke"], []),
    ],
)
def test_status_error_unexpected_bodies(
    status: int,
    body: bytes,
    content_type: str | None,
    must_contain: list[str],
    must_not_contain: list[str],
) -> None:
    headers = {"content-type": content_type} if content_type else {}
    exc = status_error(status, body, headers)
    assert exc.body is None
    assert exc.type is None and exc.param is None and exc.code is None
    text = str(exc)
    assert text.startswith(f"Error {status}")
    for part in must_contain:
        assert part in text
    for part in must_not_contain:
        assert part not in text


def test_status_error_long_body_is_cut() -> None:
    exc = status_error(500, "x" * 5000, {"content-type": "text/plain"})
    assert len(exc.message) < 300
    assert exc.message.endswith("...'")


def test_status_error_accepts_text_and_none() -> None:
    assert status_error(400, '{"error": {"message": "as text"}}').message == "as text"
    assert "empty body" in status_error(400, None).message


def test_status_error_redacts_everywhere() -> None:
    body = json.dumps(
        {
            "error": {
                "message": f"Incorrect API key provided: {KEY}",
                "type": KEY,
                "param": KEY,
                "code": KEY,
                "extra": KEY,
            }
        }
    )
    exc = status_error(401, body, None, secrets=[KEY])
    for text in (
        str(exc),
        repr(exc),
        exc.hint,
        exc.message,
        str(exc.type),
        str(exc.param),
        str(exc.code),
    ):
        assert KEY not in text and KEY[-8:] not in text
    assert exc.body is not None
    assert KEY not in exc.body.model_dump_json()


def test_status_error_redaction_keeps_json_numbers_parseable() -> None:
    # 1234567890 shares digits with KEY; the body must still parse as an error object.
    body = json.dumps({"error": {"message": f"no {KEY}", "code": 1234567890, "param": None}})
    exc = status_error(400, body, None, secrets=[KEY])
    assert exc.message == f"no {REDACTED}"
    assert exc.code == 1234567890


def test_status_error_redacts_before_cutting_the_snippet() -> None:
    # The key straddles the 200-character cut: not even its first half may survive.
    body = "y" * 190 + " " + KEY
    exc = status_error(500, body, {"content-type": "text/plain"}, secrets=[KEY])
    assert KEY[:12] not in str(exc) and KEY[-8:] not in str(exc)


@pytest.mark.parametrize(
    ("status", "body", "headers", "phrase"),
    [
        (401, b"", {}, "OPENAI_API_KEY"),
        (403, b"", {}, "region"),
        (404, b"", {}, "/v1"),
        (404, b"", {}, "model"),
        (409, b"", {}, "conflict"),
        (422, b"", {}, "fields"),
        (429, b"", {}, "wait"),
        (429, b"", {"retry-after": "7"}, "7 s"),
        (
            429,
            _openai(
                "You exceeded your current quota", "insufficient_quota", None, "insufficient_quota"
            ),
            {},
            "billing",
        ),
        (500, b"", {}, "try again"),
        (503, b"", {}, "overloaded"),
        (502, b"", {}, "proxy"),
        (504, b"", {}, "proxy"),
        (
            307,
            b"",
            {"location": "https://example.org/v1/chat/completions"},
            "https://example.org/v1",
        ),
        (405, b"", {}, "/v1"),
        (400, _openai("bad", param="top_p"), {}, "top_p"),
    ],
)
def test_status_error_hints(status: int, body: bytes, headers: dict[str, str], phrase: str) -> None:
    assert phrase.lower() in status_error(status, body, headers).hint.lower()


def test_status_error_hint_override() -> None:
    assert status_error(404, b"", None, hint="no tokenizer here").hint == "no tokenizer here"


def test_rate_limit_carries_retry_after() -> None:
    exc = status_error(429, _openai("slow down"), {"Retry-After": "2"})
    assert isinstance(exc, RateLimitError)
    assert exc.retry_after == 2.0
    assert status_error(429, b"", None).retry_after is None


# ---------------------------------------------------------------- Retry-After


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"retry-after": "2"}, 2.0),
        ({"Retry-After": "0.5"}, 0.5),
        ({"retry-after": "-3"}, 0.0),
        ({"retry-after-ms": "1500"}, 1.5),
        ({"retry-after-ms": "250", "retry-after": "9"}, 0.25),
        ({"retry-after-ms": "soon", "retry-after": "9"}, 9.0),
        ({"retry-after": "soon"}, None),
        ({}, None),
        (None, None),
    ],
)
def test_retry_after_seconds(headers: dict[str, str] | None, expected: float | None) -> None:
    assert retry_after_seconds(headers) == expected


def test_retry_after_http_date() -> None:
    now = 1_700_000_000.0
    date = email.utils.formatdate(now + 12, usegmt=True)
    assert retry_after_seconds({"retry-after": date}, now=now) == pytest.approx(12.0)
    past = email.utils.formatdate(now - 100, usegmt=True)
    assert retry_after_seconds({"retry-after": past}, now=now) == 0.0
    # With the real clock: about 10 s ahead (HTTP dates have whole seconds).
    ahead = email.utils.formatdate(time.time() + 10, usegmt=True)
    assert 8.0 <= (retry_after_seconds({"retry-after": ahead}) or 0) <= 10.0


# ---------------------------------------------------------------- connection_error


def _url() -> httpx.URL:
    return httpx.URL("http://localhost:8000/v1/chat/completions")


@pytest.mark.parametrize(
    ("exc", "kind", "phrase"),
    [
        (httpx.ConnectError("[Errno -2] Name or service not known"), "dns", "DNS"),
        (httpx.ConnectError("[Errno -3] Temporary failure in name resolution"), "dns", "DNS"),
        (
            httpx.ConnectError("[Errno 8] nodename nor servname provided, or not known"),
            "dns",
            "DNS",
        ),
        (httpx.ConnectError("[Errno 111] Connection refused"), "refused", "is the server running"),
        (httpx.ConnectError("[Errno 61] Connection refused"), "refused", "localhost:8000"),
        (
            httpx.ConnectError("[SSL: WRONG_VERSION_NUMBER] wrong version number (_ssl.c:1000)"),
            "tls",
            "http://",
        ),
        (httpx.ReadError("[Errno 104] Connection reset by peer"), "other", "network"),
        (
            httpx.UnsupportedProtocol("Request URL has an unsupported protocol 'ftp://'."),
            "other",
            "http://",
        ),
    ],
)
def test_connection_error_kinds(exc: httpx.TransportError, kind: str, phrase: str) -> None:
    error = connection_error(exc, url=_url())
    assert type(error) is APIConnectionError
    assert error.kind == kind
    assert phrase.lower() in error.hint.lower()
    assert error.status_code is None


def test_connection_error_classifies_by_cause() -> None:
    # httpx keeps the OSError as __cause__; its type is more reliable than its text.
    exc = httpx.ConnectError("could not connect")
    exc.__cause__ = socket.gaierror(-2, "unknown host")
    assert connection_error(exc, url=_url()).kind == "dns"
    exc2 = httpx.ConnectError("could not connect")
    exc2.__cause__ = ConnectionRefusedError(111, "nope")
    assert connection_error(exc2, url=_url()).kind == "refused"


@pytest.mark.parametrize(
    ("exc", "phase", "phrase"),
    [
        (httpx.ConnectTimeout("timed out"), "connect", "within 5 s"),
        (httpx.ReadTimeout("timed out"), "read", "within 60 s"),
        (httpx.WriteTimeout("timed out"), "write", "within 10 s"),
        (httpx.PoolTimeout("timed out"), "pool", "within 10 s"),
    ],
)
def test_connection_error_timeouts(exc: httpx.TimeoutException, phase: str, phrase: str) -> None:
    timeout = httpx.Timeout(10.0, connect=5.0, read=60.0)
    error = connection_error(exc, url=_url(), timeout=timeout)
    assert type(error) is APITimeoutError
    assert error.phase == phase and error.kind == "timeout"
    assert phrase in error.message
