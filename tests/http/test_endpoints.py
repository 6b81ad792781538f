"""Endpoint profiles, key pairing and the plain-words connection test (no network)."""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable

import httpx
import pytest

from explorer.http import endpoints
from explorer.http.client import ChatClient
from explorer.http.endpoints import (
    CUSTOM,
    DEPLOYMENT,
    EMBEDDED,
    OPENAI,
    OPENAI_BASE_URL,
    OPENAI_DEFAULT_MODEL,
    ConnectionSettingsError,
    Deployment,
    Endpoint,
    EngineInfo,
    ProfileChoice,
    available_profiles,
    default_model,
    deployment_from_secrets,
    normalize_base_url,
    resolve,
)

BASE = "http://testserver/v1"
KEY = "sk-test-SENTINEL-1234567890"
DEPLOYMENT_KEY = "sk-deploy-OPERATOR-0987654321"
SECRETS_KEY = "sk-secrets-APP-1122334455"
ENV_KEY = "sk-env-SHELL-5566778899"
ENGINE = EngineInfo("http://127.0.0.1:50000/v1", "gemma-3-270m-q4_k_m")


def engine() -> EngineInfo:
    return ENGINE


def no_engine() -> EngineInfo:
    raise AssertionError("the embedded engine must not be started for this profile")


# ---------------------------------------------------------------- base URLs


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("http://localhost:11434/v1", "http://localhost:11434/v1"),
        ("  http://localhost:8000/v1/  ", "http://localhost:8000/v1"),
        ("https://api.example.com/v1", "https://api.example.com/v1"),
        ("http://10.0.0.5:8080", "http://10.0.0.5:8080"),
    ],
)
def test_base_urls_are_normalized(text: str, expected: str) -> None:
    assert normalize_base_url(text) == expected


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("", "Enter a base URL"),
        ("localhost:11434/v1", "needs a scheme: http://localhost:11434/v1"),
        ("ftp://example.com/v1", "must start with http:// or https://"),
        ("http://user:secret@example.com/v1", "no user name or password"),
        ("http://example.com/v1?key=abc", "must not carry ?query"),
    ],
)
def test_bad_base_urls_say_what_to_change(text: str, says: str) -> None:
    with pytest.raises(ConnectionSettingsError, match=None) as info:
        normalize_base_url(text)
    assert says in str(info.value)


# ---------------------------------------------------------------- the secrets' [endpoint] table


def test_no_endpoint_table_means_no_deployment() -> None:
    assert deployment_from_secrets({}) is None
    assert deployment_from_secrets({"OPENAI_API_KEY": SECRETS_KEY}) is None


def test_endpoint_table_is_read() -> None:
    deployment = deployment_from_secrets(
        {
            "endpoint": {
                "base_url": "http://vllm.school:8000/v1/",
                "api_key": DEPLOYMENT_KEY,
                "model": "llama",
                "locked": True,
            }
        }
    )
    assert deployment == Deployment("http://vllm.school:8000/v1", DEPLOYMENT_KEY, "llama", True)
    assert DEPLOYMENT_KEY not in repr(deployment)


@pytest.mark.parametrize(
    ("table", "says"),
    [
        ("not a table", "must be a table"),
        ({"base_url": "http://x/v1", "apikey": "k"}, "unknown setting(s) apikey"),
        ({"base_url": "x/v1"}, "base_url: The base URL needs a scheme"),
        ({"base_url": "http://x/v1", "locked": "yes"}, "locked must be true or false"),
    ],
)
def test_bad_endpoint_tables_are_explained(table: object, says: str) -> None:
    with pytest.raises(ConnectionSettingsError) as info:
        deployment_from_secrets({"endpoint": table})
    assert says in str(info.value)


@pytest.mark.parametrize(
    ("deployment", "profiles"),
    [
        (None, [EMBEDDED, OPENAI, CUSTOM]),
        (Deployment("http://d/v1"), [DEPLOYMENT, EMBEDDED, OPENAI, CUSTOM]),
        (Deployment("http://d/v1", locked=True), [DEPLOYMENT]),
    ],
)
def test_available_profiles(deployment: Deployment | None, profiles: list[str]) -> None:
    assert available_profiles(deployment) == profiles


# ---------------------------------------------------------------- resolving: key goes with URL


def test_embedded_is_the_default_and_has_no_key() -> None:
    endpoint = resolve(ProfileChoice(), environ={"OPENAI_API_KEY": ENV_KEY}, embedded=engine)
    assert endpoint == Endpoint(EMBEDDED, ENGINE.base_url, None, "none", ENGINE.model)
    assert not endpoint.needs_key


@pytest.mark.parametrize(
    ("typed", "secrets", "environ", "key", "source"),
    [
        (KEY, {"OPENAI_API_KEY": SECRETS_KEY}, {"OPENAI_API_KEY": ENV_KEY}, KEY, "typed"),
        ("", {"OPENAI_API_KEY": SECRETS_KEY}, {"OPENAI_API_KEY": ENV_KEY}, SECRETS_KEY, "secrets"),
        ("  ", {}, {"OPENAI_API_KEY": ENV_KEY}, ENV_KEY, "environment"),
        ("", {}, {}, None, "none"),
    ],
)
def test_openai_key_order(
    typed: str, secrets: dict, environ: dict, key: str | None, source: str
) -> None:
    endpoint = resolve(
        ProfileChoice(OPENAI, typed_key=typed), secrets=secrets, environ=environ, embedded=no_engine
    )
    assert (endpoint.base_url, endpoint.api_key, endpoint.key_source) == (
        OPENAI_BASE_URL,
        key,
        source,
    )


def test_openai_ignores_a_typed_base_url() -> None:
    endpoint = resolve(
        ProfileChoice(OPENAI, custom_base_url="http://evil.example/v1"),
        environ={"OPENAI_API_KEY": ENV_KEY},
        embedded=no_engine,
    )
    assert endpoint.base_url == OPENAI_BASE_URL


def test_custom_only_ever_gets_the_learners_own_key() -> None:
    choice = ProfileChoice(CUSTOM, custom_base_url="http://localhost:11434/v1")
    endpoint = resolve(
        choice,
        secrets={"OPENAI_API_KEY": SECRETS_KEY},
        environ={"OPENAI_API_KEY": ENV_KEY},
        deployment=Deployment("http://d/v1", DEPLOYMENT_KEY),
        embedded=no_engine,
    )
    assert (endpoint.base_url, endpoint.api_key) == ("http://localhost:11434/v1", None)
    typed = resolve(ProfileChoice(CUSTOM, "http://localhost:11434/v1", KEY), embedded=no_engine)
    assert (typed.api_key, typed.key_source) == (KEY, "typed")


def test_custom_without_a_url_is_explained() -> None:
    with pytest.raises(ConnectionSettingsError, match="Enter a base URL"):
        resolve(ProfileChoice(CUSTOM), embedded=no_engine)


def test_a_locked_deployment_wins_over_every_choice() -> None:
    deployment = Deployment("http://vllm.school:8000/v1", DEPLOYMENT_KEY, "llama", locked=True)
    for profile in (EMBEDDED, OPENAI, CUSTOM, DEPLOYMENT):
        choice = ProfileChoice(profile, "http://evil.example/v1", KEY)
        endpoint = resolve(choice, deployment=deployment, embedded=no_engine)
        assert endpoint == Endpoint(
            DEPLOYMENT, deployment.base_url, DEPLOYMENT_KEY, "deployment", "llama", True
        )


def test_deployment_profile_without_a_table_is_explained() -> None:
    with pytest.raises(ConnectionSettingsError, match="no \\[endpoint\\]"):
        resolve(ProfileChoice(DEPLOYMENT), embedded=no_engine)


def test_no_choice_ever_sends_an_operator_key_elsewhere() -> None:
    """Every combination of profile, typed URL, typed key and key sources."""
    urls = ["", "http://evil.example/v1", "http://vllm.school:8000/v1"]
    typed_keys = ["", KEY]
    deployments = [
        None,
        Deployment("http://vllm.school:8000/v1", DEPLOYMENT_KEY),
        Deployment("http://vllm.school:8000/v1", DEPLOYMENT_KEY, locked=True),
    ]
    profiles = [EMBEDDED, OPENAI, CUSTOM, DEPLOYMENT]
    checked = 0
    for profile, url, typed, deployment in itertools.product(
        profiles, urls, typed_keys, deployments
    ):
        try:
            endpoint = resolve(
                ProfileChoice(profile, url, typed),
                deployment=deployment,
                secrets={"OPENAI_API_KEY": SECRETS_KEY},
                environ={"OPENAI_API_KEY": ENV_KEY},
                embedded=engine,
            )
        except ConnectionSettingsError:
            continue
        checked += 1
        if endpoint.api_key == DEPLOYMENT_KEY:
            assert deployment is not None and endpoint.base_url == deployment.base_url
        if endpoint.api_key in (SECRETS_KEY, ENV_KEY):
            assert endpoint.base_url == OPENAI_BASE_URL
        if endpoint.base_url == "http://evil.example/v1":
            assert endpoint.api_key in (None, KEY)
    assert checked > 30


def test_keys_never_show_in_reprs() -> None:
    endpoint = resolve(ProfileChoice(CUSTOM, "http://x/v1", KEY), embedded=no_engine)
    assert KEY not in repr(endpoint)
    assert KEY not in repr(ProfileChoice(CUSTOM, "http://x/v1", KEY))
    assert KEY not in endpoint.key_description


# ---------------------------------------------------------------- the client an endpoint makes


def _recording(requests: list[httpx.Request]) -> httpx.MockTransport:
    def handler(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        return httpx.Response(200, json={"object": "list", "data": [{"id": "m"}]})

    return httpx.MockTransport(handler)


def test_a_keyless_endpoint_never_sends_the_environments_key(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # ChatClient(api_key=None) would read OPENAI_API_KEY: Endpoint.client must not let it.
    monkeypatch.setenv("OPENAI_API_KEY", ENV_KEY)
    requests: list[httpx.Request] = []
    endpoint = resolve(ProfileChoice(CUSTOM, BASE), embedded=no_engine)
    with endpoint.client(transport=_recording(requests)) as client:
        client.models()
    assert "authorization" not in requests[0].headers


def test_a_keyed_endpoint_sends_its_key_as_bearer() -> None:
    requests: list[httpx.Request] = []
    endpoint = resolve(ProfileChoice(CUSTOM, BASE, KEY), embedded=no_engine)
    with endpoint.client(transport=_recording(requests)) as client:
        client.models()
    assert requests[0].headers["authorization"] == f"Bearer {KEY}"
    assert str(requests[0].url) == f"{BASE}/models"
    assert KEY not in str(requests[0].url)


@pytest.mark.parametrize(
    ("profile", "model", "models", "expected"),
    [
        (EMBEDDED, "gemma", [], "gemma"),
        (OPENAI, None, [], OPENAI_DEFAULT_MODEL),
        (OPENAI, None, ["gpt-x", OPENAI_DEFAULT_MODEL], OPENAI_DEFAULT_MODEL),
        (OPENAI, None, ["gpt-x"], "gpt-x"),
        (CUSTOM, None, ["llama3.2", "qwen"], "llama3.2"),
        (CUSTOM, None, [], ""),
    ],
)
def test_default_model(profile: str, model: str | None, models: list[str], expected: str) -> None:
    assert default_model(Endpoint(profile, BASE, model=model), models) == expected


# ---------------------------------------------------------------- test_connection in plain words

Handler = Callable[[httpx.Request], httpx.Response]


def client_for(handler: Handler, key: str | None = KEY) -> ChatClient:
    return ChatClient(BASE, key or "", transport=httpx.MockTransport(handler), max_retries=0)


def models_then(chat: httpx.Response | None = None) -> Handler:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/models"):
            return httpx.Response(
                200, json={"object": "list", "data": [{"id": "m1"}, {"id": "m2"}]}
            )
        assert chat is not None, "no completion expected"
        return chat

    return handler


def raises(exc: Exception) -> Handler:
    def handler(request: httpx.Request) -> httpx.Response:
        raise exc

    return handler


def error(status: int, message: str, code: str | None = None) -> httpx.Response:
    return httpx.Response(
        status, json={"error": {"message": message, "type": "x", "param": None, "code": code}}
    )


COMPLETION = {
    "id": "c",
    "object": "chat.completion",
    "created": 1,
    "model": "m1",
    "choices": [
        {"index": 0, "message": {"role": "assistant", "content": "Hi"}, "finish_reason": "length"}
    ],
}


def test_a_working_endpoint_lists_its_models() -> None:
    report = endpoints.test_connection(client_for(models_then()))
    assert report.ok and report.problem is None
    assert report.models == ("m1", "m2")
    assert report.headline == "Connected: the endpoint lists 2 models."


def test_probe_asks_for_one_token() -> None:
    seen: list[dict] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/chat/completions"):
            seen.append(json.loads(request.content))
            return httpx.Response(200, json=COMPLETION)
        return models_then()(request)

    report = endpoints.test_connection(client_for(handler), model="m1", probe=True)
    assert report.ok
    assert "'m1' answered a one-token test request" in report.headline
    assert seen[0]["model"] == "m1" and seen[0]["max_tokens"] == 1


@pytest.mark.parametrize(
    ("handler", "problem", "headline", "hint"),
    [
        (
            raises(httpx.ConnectError("[Errno -2] Name or service not known")),
            "dns",
            "Name not found: no computer is called 'testserver'.",
            "Check the spelling of the host",
        ),
        (
            raises(httpx.ConnectError("[Errno 111] Connection refused")),
            "refused",
            "Connection refused: nothing is listening at testserver:80.",
            "Ollama 11434, vLLM 8000, LM Studio 1234, llama.cpp server 8080",
        ),
        (
            raises(httpx.ConnectTimeout("timed out")),
            "timeout",
            "Timeout: testserver:80 did not answer in time.",
            "still loading its model",
        ),
        (
            lambda r: error(401, f"Incorrect API key provided: {KEY}", "invalid_api_key"),
            "auth",
            "401 Unauthorized: the key was rejected or is missing.",
            "Check the key",
        ),
        (
            lambda r: httpx.Response(404, text="Not Found"),
            "wrong_path",
            f"404 Not Found: nothing answers at {BASE}/models.",
            "under /v1",
        ),
        (
            lambda r: httpx.Response(200, text="<html>hello</html>"),
            "not_openai",
            "testserver:80 answers, but not like an OpenAI-compatible API.",
            "usually ends in /v1",
        ),
    ],
    ids=["dns", "refused", "timeout", "401", "404-path", "not-openai"],
)
def test_failures_are_explained(handler: Handler, problem: str, headline: str, hint: str) -> None:
    report = endpoints.test_connection(client_for(handler))
    assert not report.ok
    assert report.problem == problem
    assert report.headline == headline
    assert hint in report.hint
    for text in (report.headline, report.hint, report.detail):
        assert KEY not in text


def test_unknown_model_from_the_list() -> None:
    report = endpoints.test_connection(client_for(models_then()), model="nope")
    assert (report.ok, report.problem) == (False, "unknown_model")
    assert report.headline == "The endpoint answers, but does not list the model 'nope'."
    assert "m1, m2" in report.hint


def test_unknown_model_from_a_404_on_the_probe() -> None:
    handler = models_then(error(404, "The model 'm1' does not exist", "model_not_found"))
    report = endpoints.test_connection(client_for(handler), model="m1", probe=True)
    assert (report.ok, report.problem) == (False, "unknown_model")
    assert "does not know the model 'm1'" in report.headline


def test_a_rejected_probe_still_means_connected() -> None:
    handler = models_then(error(400, "Unsupported parameter: 'max_tokens'"))
    report = endpoints.test_connection(client_for(handler), model="m1", probe=True)
    assert report.ok
    assert "rejected the one-token test request" in report.headline


def test_pytest_does_not_collect_the_library_function() -> None:
    assert endpoints.test_connection.__test__ is False  # type: ignore[attr-defined]
