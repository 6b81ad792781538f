"""The session's connection: which endpoint, which key, which model, and whether it answers.

Everything a learner chooses lives in their own session state (never in the URL,
never in a cache shared between sessions). `explorer.connection.resolve` pairs
each key with the URL it belongs to; this module only feeds it the session's
choice, the app's secrets and the environment, starts the embedded engine with a
spinner when it is the endpoint in use, and remembers a health check for a few
seconds so every rerun stays cheap.
"""

from __future__ import annotations

import hashlib
import http.cookiejar
import os
import time
from dataclasses import dataclass, field, replace
from typing import Any

import httpx
import streamlit as st

from explorer.api import ChatCompletionRequest
from explorer.client import ChatClient
from explorer.connection import (
    EMBEDDED,
    ConnectionSettingsError,
    Deployment,
    Endpoint,
    EngineInfo,
    ProfileChoice,
    available_profiles,
    default_model,
    deployment_from_secrets,
    resolve,
    test_connection,
)
from explorer.engine.launcher import EngineStartError, ensure_engine, state_dir
from explorer.server_probe import ServerCapabilities

from .markdown import escape_markdown

__all__ = [
    "ActiveConnection",
    "Health",
    "active_connection",
    "app_secrets",
    "current_choice",
    "forget_health",
    "listed_models",
    "remember_capabilities",
    "set_model",
    "update_choice",
]

CHOICE_KEY = "connection_choice"  # the learner's ProfileChoice
MODEL_KEY = "connection_model"  # the model id requests use
MODEL_FOR_KEY = "connection_model_for"  # the endpoint that model was picked for
HEALTH_KEY = "connection_health"  # {endpoint fingerprint: (monotonic time, Health)}
CAPABILITIES_KEY = "connection_capabilities"  # {(profile, base URL, model): ServerCapabilities}
HEALTH_TTL = 5.0  # seconds a health answer is trusted
HEALTH_TIMEOUT = 3.0  # seconds a health check may take


@dataclass(frozen=True)
class Health:
    """Whether the endpoint answered its last check, in words."""

    ok: bool
    headline: str
    hint: str = ""
    models: tuple[str, ...] = ()


@dataclass(frozen=True)
class ActiveConnection:
    """The endpoint this session talks to right now, or why there is none."""

    endpoint: Endpoint | None
    model: str
    health: Health
    profiles: list[str] = field(default_factory=list)
    deployment: Deployment | None = None
    problem: str = ""  # why there is no usable endpoint (settings, engine start)
    # What Test connection found this endpoint and model to do (None: not probed).
    capabilities: ServerCapabilities | None = None

    @property
    def locked(self) -> bool:
        return self.deployment is not None and self.deployment.locked

    @property
    def sequential(self) -> bool:
        """True when this server breaks parallel streams: variants run one after another."""
        return self.capabilities is not None and self.capabilities.sequential

    def prepare(self, request: ChatCompletionRequest) -> ChatCompletionRequest:
        """`request` as this server needs it (max_tokens where max_completion_tokens is ignored)."""
        return self.capabilities.adapt(request) if self.capabilities else request

    def client(self, **kwargs: Any) -> ChatClient:
        """A client for the endpoint; all sessions share one connection pool."""
        if self.endpoint is None:
            raise RuntimeError("no endpoint: check .problem first")
        if self.capabilities is not None:
            kwargs.setdefault("length_param", self.capabilities.length_param)
        return self.endpoint.client(http_client=_shared_http(), **kwargs)


@st.cache_resource
def _shared_http() -> httpx.Client:
    # One pool for every session: keys travel per request in headers, never in
    # the pool. Cookies are refused, so no server's cookie passes between users.
    no_cookies = http.cookiejar.CookieJar(http.cookiejar.DefaultCookiePolicy(allowed_domains=[]))
    return httpx.Client(cookies=no_cookies)


def app_secrets() -> dict[str, Any]:
    """The app's secrets as a plain dict; empty when there is no secrets file."""
    try:
        return st.secrets.to_dict()
    except Exception:  # no secrets.toml at all: Streamlit raises its own error type
        return {}


def _deployment() -> tuple[Deployment | None, str]:
    try:
        return deployment_from_secrets(app_secrets()), ""
    except ConnectionSettingsError as exc:
        return None, str(exc)


def current_choice(profiles: list[str] | None = None) -> ProfileChoice:
    """The learner's choice, defaulting to the first profile on offer."""
    choice = st.session_state.get(CHOICE_KEY)
    if not isinstance(choice, ProfileChoice):
        first = profiles[0] if profiles else EMBEDDED
        choice = ProfileChoice(profile=first)
        st.session_state[CHOICE_KEY] = choice
    if profiles and choice.profile not in profiles:
        choice = replace(choice, profile=profiles[0])
        st.session_state[CHOICE_KEY] = choice
    return choice


def update_choice(**changes: Any) -> None:
    """Change part of the learner's choice (profile, custom_base_url, typed_key)."""
    st.session_state[CHOICE_KEY] = replace(current_choice(), **changes)


def set_model(model: str) -> None:
    st.session_state[MODEL_KEY] = model.strip()


def _start_engine() -> EngineInfo:
    with st.spinner(
        "Starting the embedded engine: loading Gemma 3 270M (the first start takes a few "
        "seconds)...",
        show_time=True,
    ):
        handle = ensure_engine()
    return EngineInfo(handle.base_url, handle.model)


def _fingerprint(endpoint: Endpoint) -> tuple[str, str, str]:
    # A digest, not the key: enough to notice that the key changed.
    key = hashlib.sha256(endpoint.api_key.encode()).hexdigest()[:16] if endpoint.api_key else ""
    return endpoint.profile, endpoint.base_url, key


def _health(endpoint: Endpoint) -> Health:
    cache: dict[tuple[str, str, str], tuple[float, Health]] = st.session_state.setdefault(
        HEALTH_KEY, {}
    )
    fingerprint = _fingerprint(endpoint)
    cached = cache.get(fingerprint)
    if cached is not None and time.monotonic() - cached[0] < HEALTH_TTL:
        return cached[1]
    with endpoint.client(
        max_retries=0, timeout=HEALTH_TIMEOUT, http_client=_shared_http()
    ) as client:
        report = test_connection(client)
    health = Health(
        report.ok,
        "answering" if report.ok else report.headline,
        report.hint,
        report.models,
    )
    cache[fingerprint] = (time.monotonic(), health)
    return health


def _capabilities_key(endpoint: Endpoint, model: str) -> tuple[str, str, str]:
    return endpoint.profile, endpoint.base_url, model


def remember_capabilities(endpoint: Endpoint, capabilities: ServerCapabilities) -> None:
    """Keep what a probe found, for every page of this session to adapt to."""
    store = st.session_state.setdefault(CAPABILITIES_KEY, {})
    store[_capabilities_key(endpoint, capabilities.model)] = capabilities


def forget_health() -> None:
    """Make the next rerun ask the endpoint again (after the learner changed something)."""
    st.session_state.pop(HEALTH_KEY, None)


def active_connection() -> ActiveConnection:
    """Resolve the session's endpoint (starting the embedded engine if needed) and model."""
    deployment, settings_problem = _deployment()
    profiles = available_profiles(deployment)
    choice = current_choice(profiles)
    started: list[EngineInfo] = []

    def embedded() -> EngineInfo:
        info = _start_engine()
        started.append(info)
        return info

    try:
        endpoint = resolve(
            choice,
            deployment=deployment,
            secrets=app_secrets(),
            environ=os.environ,
            embedded=embedded,
        )
    except ConnectionSettingsError as exc:
        return ActiveConnection(
            None, "", Health(False, "not connected"), profiles, deployment, str(exc)
        )
    except EngineStartError as exc:
        first_line = str(exc).splitlines()[0] if str(exc) else "it did not start"
        return ActiveConnection(
            None,
            "",
            Health(False, "not running"),
            profiles,
            deployment,
            f"The embedded engine did not start ({first_line}). Its log is "
            f"{state_dir() / 'engine.log'}. Reload the page to try again, or connect to "
            "another endpoint on the Connection page.",
        )
    if started:
        # ensure_engine has just checked the engine's health: no second request.
        health = Health(True, "answering", models=(started[0].model,))
    else:
        health = _health(endpoint)

    target = f"{endpoint.profile} {endpoint.base_url}"
    model = st.session_state.get(MODEL_KEY, "")
    if st.session_state.get(MODEL_FOR_KEY) != target or not model:
        model = default_model(endpoint, list(health.models))
        st.session_state[MODEL_KEY] = model
        st.session_state[MODEL_FOR_KEY] = target
    if settings_problem:
        # A broken [endpoint] table is the operator's to fix; the app still works.
        st.warning(escape_markdown(settings_problem), icon=":material/settings:")
    capabilities = st.session_state.get(CAPABILITIES_KEY, {}).get(
        _capabilities_key(endpoint, model)
    )
    return ActiveConnection(
        endpoint, model, health, profiles, deployment, capabilities=capabilities
    )


def listed_models(active: ActiveConnection) -> list[str]:
    """The endpoint's models with the current one first added if it is not listed."""
    models = list(active.health.models)
    if active.model and active.model not in models:
        models.insert(0, active.model)
    return models
