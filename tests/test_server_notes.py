"""Missing choices, empty answers and missing usage: explained, and whose doing it is."""

from __future__ import annotations

import pytest

from explorer.api import ChatCompletionRequest
from explorer.errors import connection_error
from explorer.server_notes import Answer, answer_notes, usage_note
from explorer.server_probe import ServerCapabilities

SERVER = "the server at 127.0.0.1:8080"


def test_fewer_choices_than_n_is_the_servers_doing() -> None:
    notes = answer_notes({"n": 3}, Answer({0: "text"}), endpoint=SERVER)
    assert len(notes) == 1
    assert "n=3" in notes[0] and SERVER in notes[0] and "server's doing" in notes[0]
    assert answer_notes({"n": 3}, Answer({0: "a", 1: "b", 2: "c"}), endpoint=SERVER) == []
    assert answer_notes({}, Answer({0: "a"}), endpoint=SERVER) == []


@pytest.mark.parametrize("embedded", [True, False])
def test_an_empty_answer_says_why(embedded: bool) -> None:
    (note,) = answer_notes({}, Answer({0: ""}), endpoint=SERVER, embedded=embedded)
    assert "empty" in note
    assert (SERVER in note) is not embedded
    assert answer_notes({}, Answer({0: "", 1: "text"}), endpoint=SERVER) == []


@pytest.mark.parametrize(
    ("payload", "streamed", "expected", "not_expected"),
    [
        ({"stream": True}, True, "include_usage", SERVER),
        (
            {"stream": True, "stream_options": {"include_usage": True}},
            True,
            f"{SERVER} sent no usage chunk",
            "(tick stream_options",
        ),
        ({}, False, f"{SERVER} left the usage field out", "include_usage"),
    ],
)
def test_no_usage_explains_itself(
    payload: dict[str, object], streamed: bool, expected: str, not_expected: str
) -> None:
    note = usage_note(payload, streamed=streamed, endpoint=SERVER)
    assert expected in note and not_expected not in note


def _request(**fields: object) -> ChatCompletionRequest:
    return ChatCompletionRequest.model_validate(
        {"model": "m", "messages": [{"role": "user", "content": "Hi"}], **fields}
    )


@pytest.mark.parametrize(
    ("length_param", "fields", "sent"),
    [
        ("max_tokens", {"max_completion_tokens": 5}, {"max_tokens": 5}),
        ("max_tokens", {"max_tokens": 9}, {"max_tokens": 9}),
        ("max_completion_tokens", {"max_completion_tokens": 5}, {"max_completion_tokens": 5}),
        (None, {"max_completion_tokens": 5}, {"max_completion_tokens": 5}),
        ("max_tokens", {}, {}),
    ],
)
def test_adapt_sends_the_limit_the_server_honours(
    length_param: str | None, fields: dict[str, object], sent: dict[str, object]
) -> None:
    found = ServerCapabilities("http://x/v1", "m", length_param=length_param)
    payload = found.adapt(_request(**fields)).payload()
    limits = {k: v for k, v in payload.items() if k in ("max_tokens", "max_completion_tokens")}
    assert limits == sent


@pytest.mark.parametrize(
    ("length_param", "named", "absent"),
    [
        ("max_completion_tokens", "max_completion_tokens", "max_tokens,"),
        ("max_tokens", "a smaller max_tokens", "max_completion_tokens"),
        (None, "ignores both length limits", "max_completion_tokens"),
    ],
)
def test_timeout_advice_names_only_a_limit_the_server_honours(
    length_param: str | None, named: str, absent: str
) -> None:
    import httpx

    error = connection_error(
        httpx.ReadTimeout("timed out"),
        url="http://127.0.0.1:8080/v1/chat/completions",
        timeout=httpx.Timeout(60.0),
        length_param=length_param,
    )
    assert named in error.hint and absent not in error.hint
