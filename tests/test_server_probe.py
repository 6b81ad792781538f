"""The probe against two real servers: the embedded engine and llama-cpp-python's own server.

What each server honours is a property of the server, not of what one seed
samples: the engine implements the API's parameters, the peer is known to
ignore max_completion_tokens and n, to send no usage chunk on streams, and to
cut a running stream when a second one starts.
"""

from __future__ import annotations

import httpx
import pytest

from explorer.api import ChatCompletionRequest
from explorer.client import ChatClient
from explorer.server_probe import ServerCapabilities, probe_server


def _probe(base_url: str) -> ServerCapabilities:
    model = httpx.get(f"{base_url}/models").json()["data"][0]["id"]
    with ChatClient(base_url, "", max_retries=0, timeout=60) as client:
        return probe_server(client, model)


@pytest.mark.peer
def test_the_peer_server_is_found_out(peer_server: str) -> None:
    found = _probe(peer_server)
    support = {row.name: row.support for row in found.rows()}
    assert support == {
        "max_completion_tokens": "no",
        "n": "no",
        "stream_options.include_usage": "no",
        "logprobs": "yes",
        "two streams at once": "no",
    }, found.rows()
    assert found.length_param == "max_tokens"
    assert found.sequential

    request = ChatCompletionRequest.model_validate(
        {"model": found.model, "messages": [{"role": "user", "content": "Hi"}],
         "max_completion_tokens": 7}
    )  # fmt: skip
    sent = found.adapt(request).payload()
    assert sent["max_tokens"] == 7 and "max_completion_tokens" not in sent


@pytest.mark.engine
def test_the_embedded_engine_honours_everything(engine_handle) -> None:
    found = _probe(engine_handle.base_url)
    support = {row.name: row.support for row in found.rows()}
    # The length probe may be inconclusive (the model ends by itself), never "no".
    assert support.pop("max_completion_tokens") in ("yes", "unknown"), found.rows()
    assert set(support.values()) == {"yes"}, found.rows()
    assert found.length_param == "max_completion_tokens"
    assert not found.sequential
