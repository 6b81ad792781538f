"""Endpoint profiles: which server the app talks to, and with which key.

Three profiles a learner can pick, plus one an operator can impose:

    embedded     the bundled engine on a loopback port; no key
    openai       https://api.openai.com/v1; key typed by the learner (kept in
                 their session only), else the app's secrets, else OPENAI_API_KEY
    custom       any OpenAI-compatible base URL (Ollama, vLLM, LM Studio, a
                 llama.cpp server: presets in `local_servers`); only a key the
                 learner typed
    deployment   the `[endpoint]` table of `.streamlit/secrets.toml`; with
                 `locked = true` it is the only profile and its URL is fixed

A key is never looked up on its own: `resolve` returns an `Endpoint` in which
the key comes from the same source as the URL it goes to. The deployment's key
lives in a `Deployment` together with its URL, the app's OpenAI key is only
ever paired with `OPENAI_BASE_URL`, and a learner-supplied URL only ever gets
the key that same learner typed. So no combination of choices sends an
operator's key to an address a learner chose.

`test_connection(client)` asks the endpoint for its models (and optionally
for one token) and explains a failure in plain words. Nothing here imports
streamlit: the page passes in its secrets and the learner's choices.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import httpx

from .client import ChatClient
from .errors import APIError, BadRequestError
from .faults import Problem, connection_test_words, where

__all__ = [
    "CUSTOM",
    "DEPLOYMENT",
    "EMBEDDED",
    "ENGINE_BUSY_RETRIES",
    "OPENAI",
    "OPENAI_BASE_URL",
    "OPENAI_DEFAULT_MODEL",
    "PROFILE_LABELS",
    "REMOTE_BUSY_RETRIES",
    "ConnectionReport",
    "ConnectionSettingsError",
    "Deployment",
    "Endpoint",
    "EngineInfo",
    "ProfileChoice",
    "available_profiles",
    "default_model",
    "deployment_from_secrets",
    "normalize_base_url",
    "resolve",
    "test_connection",
]

ProfileName = Literal["embedded", "openai", "custom", "deployment"]
EMBEDDED: ProfileName = "embedded"
OPENAI: ProfileName = "openai"
CUSTOM: ProfileName = "custom"
DEPLOYMENT: ProfileName = "deployment"

PROFILE_LABELS: dict[str, str] = {
    EMBEDDED: "Embedded engine",
    OPENAI: "OpenAI",
    CUSTOM: "Custom endpoint",
    DEPLOYMENT: "This deployment's endpoint",
}

OPENAI_BASE_URL = "https://api.openai.com/v1"
# Picked when the learner has not chosen: small, cheap, and answers every parameter.
OPENAI_DEFAULT_MODEL = "gpt-4o-mini"
# The environment variable (and secret) the OpenAI profile reads its key from.
OPENAI_KEY_NAME = "OPENAI_API_KEY"

KeySource = Literal["none", "typed", "secrets", "environment", "deployment"]


class ConnectionSettingsError(ValueError):
    """Raised when a base URL or the secrets' `[endpoint]` table cannot be used."""


def normalize_base_url(text: str) -> str:
    """A base URL as the client wants it: stripped, no trailing slash, http(s) only.

    Raises ConnectionSettingsError with a sentence that says what to change.
    """
    url = (text or "").strip().rstrip("/")
    if not url:
        raise ConnectionSettingsError(
            "Enter a base URL, e.g. http://localhost:11434/v1 for Ollama."
        )
    if "://" not in url:
        raise ConnectionSettingsError(
            f"The base URL needs a scheme: http://{url} (local servers) or https://{url}."
        )
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL as exc:
        raise ConnectionSettingsError(f"This is not a valid URL: {exc}.") from None
    if parsed.scheme not in ("http", "https"):
        raise ConnectionSettingsError(
            f"The base URL must start with http:// or https://, not {parsed.scheme}://."
        )
    if not parsed.host:
        raise ConnectionSettingsError(
            "The base URL has no host name, e.g. http://localhost:8000/v1."
        )
    if parsed.query or parsed.fragment:
        raise ConnectionSettingsError("The base URL must not carry ?query or #fragment parts.")
    if parsed.userinfo:
        # A password in a URL ends up in logs and share links: keys go in the key field.
        raise ConnectionSettingsError(
            "Put no user name or password in the base URL: use the key field instead."
        )
    return url


def _clean(value: Any) -> str | None:
    text = str(value).strip() if value is not None else ""
    return text or None


@dataclass(frozen=True)
class Deployment:
    """The operator's endpoint from the secrets' `[endpoint]` table: URL and key travel together."""

    base_url: str
    api_key: str | None = field(default=None, repr=False)
    model: str | None = None
    locked: bool = False


def deployment_from_secrets(secrets: Mapping[str, Any]) -> Deployment | None:
    """The `[endpoint]` table of the app's secrets, or None when there is none."""
    table = secrets.get("endpoint")
    if table is None:
        return None
    if not isinstance(table, Mapping):
        raise ConnectionSettingsError(
            "secrets.toml: `endpoint` must be a table ([endpoint] with base_url, api_key, "
            "model, locked)."
        )
    unknown = set(table) - {"base_url", "api_key", "model", "locked"}
    if unknown:
        raise ConnectionSettingsError(
            f"secrets.toml [endpoint]: unknown setting(s) {', '.join(sorted(unknown))}; "
            "allowed are base_url, api_key, model, locked."
        )
    try:
        base_url = normalize_base_url(str(table.get("base_url", "")))
    except ConnectionSettingsError as exc:
        raise ConnectionSettingsError(f"secrets.toml [endpoint] base_url: {exc}") from None
    locked = table.get("locked", False)
    if not isinstance(locked, bool):
        raise ConnectionSettingsError("secrets.toml [endpoint] locked must be true or false.")
    key = table.get("api_key")
    model = table.get("model")
    return Deployment(
        base_url=base_url,
        api_key=_clean(key),
        model=_clean(model),
        locked=locked,
    )


@dataclass(frozen=True)
class ProfileChoice:
    """What the learner picked on the Connection page (kept in their session)."""

    profile: str = EMBEDDED
    custom_base_url: str = ""
    typed_key: str = field(default="", repr=False)


# Busy answers a run waits through (see Endpoint.busy_retries); failures keep
# ChatClient's default of 2 retries.
ENGINE_BUSY_RETRIES = 60
REMOTE_BUSY_RETRIES = 4


@dataclass(frozen=True)
class EngineInfo:
    """What the app needs to know about the running embedded engine."""

    base_url: str
    model: str


@dataclass(frozen=True)
class Endpoint:
    """A base URL with the key that belongs to it. Build it with `resolve`, not by hand."""

    profile: str
    base_url: str
    api_key: str | None = field(default=None, repr=False)
    key_source: KeySource = "none"
    model: str | None = None  # the profile's preferred model, if it has one
    locked: bool = False

    @property
    def label(self) -> str:
        return PROFILE_LABELS.get(self.profile, self.profile)

    @property
    def display_name(self) -> str:
        """The endpoint as a sentence names it: "the embedded engine", "the server at host:port"."""
        if self.profile == EMBEDDED:
            return "the embedded engine"
        if self.profile == OPENAI:
            return "OpenAI"
        return f"the server at {where(self.base_url)}"

    @property
    def needs_key(self) -> bool:
        """True when requests carry a key (so generated code must read one too)."""
        return self.api_key is not None

    @property
    def key_description(self) -> str:
        """Where the key comes from, in words; never the key itself."""
        return {
            "none": "no key",
            "typed": "the key you entered (kept in this browser session only)",
            "secrets": "the app's secrets (OPENAI_API_KEY)",
            "environment": "the OPENAI_API_KEY environment variable",
            "deployment": "this deployment's key",
        }[self.key_source]

    @property
    def busy_retries(self) -> int:
        """How many busy answers (429, 503) a run waits through before it gives up.

        The embedded engine answers 429 with `Retry-After: 1` while its queue is
        full, and a class can fill it for a while: a minute of patience. A remote
        endpoint's busy answers usually mean a rate limit: a few retries.
        """
        return ENGINE_BUSY_RETRIES if self.profile == EMBEDDED else REMOTE_BUSY_RETRIES

    @property
    def embedded(self) -> bool:
        return self.profile == EMBEDDED

    def client(self, **kwargs: Any) -> ChatClient:
        """A ChatClient for this endpoint; extra arguments go to ChatClient.

        Without `max_retries` the client has this endpoint's busy budget; a
        caller that sets `max_retries` (a quick health check: 0) sets both.
        """
        if "max_retries" not in kwargs:
            kwargs.setdefault("busy_retries", self.busy_retries)
        # "" and not None: ChatClient reads OPENAI_API_KEY from the environment for
        # None, which would send the app's OpenAI key to a learner's server.
        return ChatClient(self.base_url, self.api_key or "", **kwargs)


def available_profiles(deployment: Deployment | None) -> list[str]:
    """The profiles a learner may pick, in the order the picker shows them."""
    if deployment is not None and deployment.locked:
        return [DEPLOYMENT]
    profiles: list[str] = [EMBEDDED, OPENAI, CUSTOM]
    if deployment is not None:
        profiles.insert(0, DEPLOYMENT)
    return profiles


def resolve(
    choice: ProfileChoice,
    *,
    deployment: Deployment | None = None,
    secrets: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
    embedded: Callable[[], EngineInfo] | None = None,
) -> Endpoint:
    """The endpoint to use, with the key that belongs to its URL.

    A locked deployment wins over any choice. `embedded` is called (and may
    start the engine) only when the embedded profile is the one in use.
    Raises ConnectionSettingsError when the choice cannot be used.
    """
    profile = choice.profile
    if deployment is not None and deployment.locked:
        profile = DEPLOYMENT
    if profile == DEPLOYMENT:
        if deployment is None:
            raise ConnectionSettingsError(
                "This app has no [endpoint] in its secrets: pick another profile."
            )
        return Endpoint(
            DEPLOYMENT,
            deployment.base_url,
            deployment.api_key,
            "deployment" if deployment.api_key else "none",
            deployment.model,
            deployment.locked,
        )
    if profile == EMBEDDED:
        if embedded is None:
            raise ConnectionSettingsError("The embedded engine is not available here.")
        info = embedded()
        return Endpoint(EMBEDDED, info.base_url, None, "none", info.model)
    if profile == OPENAI:
        typed = _clean(choice.typed_key)
        from_secrets = _clean((secrets or {}).get(OPENAI_KEY_NAME))
        from_env = _clean((environ or {}).get(OPENAI_KEY_NAME))
        # The URL is the constant below, whichever key is used: these keys never
        # meet a URL the learner typed.
        if typed:
            return Endpoint(OPENAI, OPENAI_BASE_URL, typed, "typed")
        if from_secrets:
            return Endpoint(OPENAI, OPENAI_BASE_URL, from_secrets, "secrets")
        if from_env:
            return Endpoint(OPENAI, OPENAI_BASE_URL, from_env, "environment")
        return Endpoint(OPENAI, OPENAI_BASE_URL, None, "none")
    if profile == CUSTOM:
        url = normalize_base_url(choice.custom_base_url)
        typed = _clean(choice.typed_key)
        return Endpoint(CUSTOM, url, typed, "typed" if typed else "none")
    raise ConnectionSettingsError(f"Unknown profile {profile!r}: pick one from the list.")


def default_model(endpoint: Endpoint, models: list[str]) -> str:
    """The model to preselect: the profile's own, else a sensible one from the list."""
    if endpoint.model:
        return endpoint.model
    if endpoint.profile == OPENAI and (not models or OPENAI_DEFAULT_MODEL in models):
        return OPENAI_DEFAULT_MODEL
    return models[0] if models else ""


# ---------------------------------------------------------------- testing a connection


@dataclass(frozen=True)
class ConnectionReport:
    """The outcome of `test_connection`, in words a learner can act on."""

    ok: bool
    base_url: str
    headline: str  # one sentence: what works or what is wrong
    hint: str = ""  # what to change
    problem: Problem | None = None
    models: tuple[str, ...] = ()
    model: str | None = None
    detail: str = ""  # the technical message, redacted, for the curious


def _explain(error: APIError, base_url: str, *, stage: str, model: str | None) -> ConnectionReport:
    """A failed request as a report: what went wrong, in plain words, and what to change."""
    problem, headline, hint = connection_test_words(error, base_url, stage=stage, model=model)
    return ConnectionReport(
        False, base_url, headline, hint, problem, model=model, detail=str(error)
    )


def test_connection(
    client: ChatClient, *, model: str | None = None, probe: bool = False
) -> ConnectionReport:
    """Ask the endpoint for its models (and, with `probe`, for one token from `model`).

    Never raises for endpoint failures: every one becomes a report. Use a client
    with `max_retries=0` so a dead endpoint is reported at once.
    """
    base_url = client.base_url
    try:
        listed = client.models()
    except APIError as error:
        return _explain(error, base_url, stage="models", model=model)
    models = tuple(m.id for m in listed)
    if model and models and model not in models:
        shown = ", ".join(models[:5]) + (", ..." if len(models) > 5 else "")
        return ConnectionReport(
            False,
            base_url,
            f"The endpoint answers, but does not list the model {model!r}.",
            f"Pick one of its {len(models)} models ({shown}).",
            "unknown_model",
            models,
            model,
        )
    if probe and model:
        try:
            client.create(
                {"model": model, "messages": [{"role": "user", "content": "Hi"}], "max_tokens": 1}
            )
        except BadRequestError as error:
            # The model answered; it only disliked the tiny test request (reasoning
            # models reject max_tokens, for example). The connection itself works.
            return ConnectionReport(
                True,
                base_url,
                f"Connected: {model!r} answers (it rejected the one-token test request: "
                f"{error.message}).",
                models=models,
                model=model,
                detail=str(error),
            )
        except APIError as error:
            return _explain(error, base_url, stage="chat", model=model)
    count = f"{len(models)} model{'s' if len(models) != 1 else ''}"
    if model and probe:
        headline = f"Connected: {count} listed, and {model!r} answered a one-token test request."
    else:
        headline = f"Connected: the endpoint lists {count}."
    return ConnectionReport(True, base_url, headline, models=models, model=model)


# The name starts with "test_": keep pytest from collecting it where it is imported.
test_connection.__test__ = False  # type: ignore[attr-defined]
