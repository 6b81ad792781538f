"""Retries and failures in words: explorer.http.faults (pure logic, errors built by hand)."""

from __future__ import annotations

import pytest

from explorer.http.errors import (
    APIConnectionError,
    APITimeoutError,
    BadRequestError,
    ExplorerError,
    InternalServerError,
    RateLimitError,
    ResponseValidationError,
    StreamError,
    StreamInterruptedError,
)
from explorer.http.faults import explain_failure, retry_notice

ENGINE_BUSY = RateLimitError(
    "The engine is busy: too many requests are waiting. Retry in a moment.",
    status_code=429,
    code="engine_busy",
    retry_after=1.0,
)


def test_busy_engine_notice_says_busy_when_and_how_many() -> None:
    notice = retry_notice(3, 60, 1.0, ENGINE_BUSY, embedded=True)
    assert notice == (
        "The embedded engine is busy: every slot and its waiting queue are full. "
        "Retrying in 1.0 s (busy retry 3 of 60)."
    )


def test_remote_rate_limit_notice_names_the_status() -> None:
    error = RateLimitError("Rate limit reached", status_code=429)
    notice = retry_notice(1, 4, 2.5, error)
    assert (
        notice
        == "The endpoint is busy (429 Too Many Requests). Retrying in 2.5 s (busy retry 1 of 4)."
    )


def test_server_error_notice_is_a_plain_retry() -> None:
    error = InternalServerError("boom", status_code=500)
    assert retry_notice(2, 2, 1.0, error) == (
        "The endpoint failed (500 Internal Server Error). Retrying in 1.0 s (retry 2 of 2)."
    )


def test_connection_notice_says_what_kind() -> None:
    error = APIConnectionError("Connection refused by 127.0.0.1:9", kind="refused")
    assert "did not answer (connection refused)" in retry_notice(1, 2, 0.5, error)


def test_notice_never_quotes_the_server_message() -> None:
    # The status says enough; a server's message may echo what it was sent.
    error = RateLimitError("key sk-abc... over its limit", status_code=429)
    assert "sk-" not in retry_notice(1, 4, 1.0, error)


def test_cut_stream_on_the_engine_says_it_restarts_and_keeps_the_text() -> None:
    error = StreamInterruptedError("The stream ended after 37 chunks", chunks_received=37)
    failure = explain_failure(error, embedded=True)
    assert failure.partial
    assert "cut after 37 chunks" in failure.headline and "kept" in failure.headline
    assert "embedded engine stopped" in failure.hint and "Run again" in failure.hint
    assert failure.detail == "The stream ended after 37 chunks"


def test_cut_stream_elsewhere_keeps_the_error_hint() -> None:
    error = StreamInterruptedError("ended", chunks_received=0)
    failure = explain_failure(error, embedded=False)
    assert not failure.partial and "kept" not in failure.headline
    assert failure.hint == error.hint and "engine" not in failure.hint


def test_error_event_in_a_stream() -> None:
    error = StreamError("Error in the middle of the stream", chunks_received=5)
    failure = explain_failure(error, embedded=False)
    assert failure.partial and "after 5 chunks" in failure.headline


def test_still_busy_after_retries() -> None:
    failure = explain_failure(ENGINE_BUSY, embedded=True, retries=60)
    assert failure.headline == (
        "The embedded engine is busy: every slot and its waiting queue are full; "
        "after 60 retries the app stopped waiting."
    )
    assert "Wait a few seconds" in failure.hint


def test_busy_with_a_wait_too_long_to_sleep_through() -> None:
    error = RateLimitError("slow down", status_code=429, retry_after=120.0)
    failure = explain_failure(error, embedded=False)
    assert failure.headline == "The endpoint is busy (429 Too Many Requests); no retry."
    assert failure.hint == error.hint


def test_engine_not_running() -> None:
    error = APIConnectionError("Connection refused by 127.0.0.1:41234", kind="refused")
    failure = explain_failure(error, embedded=True, retries=2)
    assert (
        failure.headline
        == "The embedded engine did not answer (connection refused) after 2 retries."
    )
    assert "starts the engine again" in failure.hint


def test_remote_server_error_after_one_retry() -> None:
    error = InternalServerError("boom", status_code=500)
    failure = explain_failure(error, embedded=False, retries=1)
    assert failure.headline == "The endpoint failed (500 Internal Server Error) after 1 retry."
    assert failure.hint == error.hint


def test_timeout() -> None:
    error = APITimeoutError("Timed out waiting for host:443 within 60 s.", phase="read")
    failure = explain_failure(error, embedded=False)
    assert failure.headline == "The endpoint did not answer in time."
    assert failure.detail.startswith("Timed out waiting")


@pytest.mark.parametrize(
    ("error", "headline"),
    [
        (
            BadRequestError("bad temperature", status_code=400, param="temperature"),
            "The endpoint refused the request (400 Bad Request).",
        ),
        (
            ResponseValidationError("not JSON"),
            "The endpoint's answer is not in the Chat Completions format.",
        ),
        (ExplorerError("odd"), "The run failed."),
    ],
)
def test_other_failures(error: ExplorerError, headline: str) -> None:
    assert explain_failure(error, embedded=True).headline == headline
