"""Connection: which endpoint the app talks to, with which key and model, and a test.

Choices are kept in this browser session only. A key typed here is used for
this session's requests and never shown again; a deployment locked in the
app's secrets fixes the base URL, and its key is only ever sent there.
"""

from __future__ import annotations

import streamlit as st

from explorer.http.endpoints import (
    CUSTOM,
    DEPLOYMENT,
    EMBEDDED,
    OPENAI,
    PROFILE_LABELS,
    ConnectionReport,
    test_connection,
)
from explorer.http.errors import APIError
from explorer.http.local_servers import LOCAL_SERVERS
from explorer.http.server_probe import ServerCapabilities, probe_server
from ui import sidebar
from ui.connection_state import (
    ActiveConnection,
    current_choice,
    forget_health,
    listed_models,
    remember_capabilities,
    set_model,
    update_choice,
)
from ui.markdown import escape_markdown

REPORT_KEY = "connection_report"
PROBE_ERROR_KEY = "connection_probe_error"

_CAPTIONS: dict[str, str] = {
    EMBEDDED: "Gemma 3 270M running on this machine: no key, no internet needed.",
    OPENAI: "api.openai.com: needs an API key (billed by OpenAI).",
    CUSTOM: "Any OpenAI-compatible server: Ollama, vLLM, LM Studio, a llama.cpp server...",
    DEPLOYMENT: "The endpoint set up by whoever runs this app.",
}


def _changed() -> None:
    forget_health()
    st.session_state.pop(REPORT_KEY, None)
    st.session_state.pop(PROBE_ERROR_KEY, None)


def _on_profile() -> None:
    update_choice(profile=st.session_state["connection_profile"])
    _changed()


def _on_url() -> None:
    update_choice(custom_base_url=st.session_state["connection_base_url"])
    _changed()


def _on_preset() -> None:
    preset = st.session_state.get("connection_preset")
    if preset:
        st.session_state["connection_base_url"] = LOCAL_SERVERS[preset]
        update_choice(custom_base_url=LOCAL_SERVERS[preset])
        _changed()


def _on_key() -> None:
    update_choice(typed_key=st.session_state["connection_api_key"].strip())
    # Never shown back: the field empties once the key is taken.
    st.session_state["connection_api_key"] = ""
    _changed()


def _forget_key() -> None:
    update_choice(typed_key="")
    _changed()


def _on_model_picked() -> None:
    set_model(st.session_state["connection_model_picker"])
    st.session_state["connection_model_typed"] = ""
    _changed()


def _on_model_typed() -> None:
    typed = st.session_state["connection_model_typed"].strip()
    if typed:
        set_model(typed)
        _changed()


def _report(report: ConnectionReport) -> None:
    if report.ok:
        st.success(escape_markdown(report.headline), icon=":material/check_circle:")
    else:
        st.error(
            f"**{escape_markdown(report.headline)}**\n\n{escape_markdown(report.hint)}",
            icon=":material/error:",
        )
    if report.models:
        st.caption(
            f"Models listed: {escape_markdown(', '.join(report.models[:20]))}"
            + (" ..." if len(report.models) > 20 else "")
        )
    if report.detail:
        with st.expander("Technical details", key="connection_report_details"):
            st.code(report.detail, language=None, wrap_lines=True)


def _probe(active: ActiveConnection) -> None:
    """Ask the server what it really does with the parameters the app relies on."""
    assert active.endpoint is not None
    with st.spinner("Trying max_completion_tokens, n, include_usage, logprobs, two streams..."):
        try:
            with active.endpoint.client(max_retries=0, timeout=30.0) as client:
                remember_capabilities(active.endpoint, probe_server(client, active.model))
        except APIError as exc:
            st.session_state[PROBE_ERROR_KEY] = exc.message


def _capabilities(capabilities: ServerCapabilities, endpoint: str) -> None:
    st.markdown(f"**What {escape_markdown(endpoint)} really does** (probed with tiny requests)")
    marks = {"yes": "honoured", "no": "NOT honoured", "unknown": "could not tell"}
    with st.container(key="connection_capabilities"):
        st.table(
            [
                {
                    "Parameter": row.name,
                    "Result": marks[row.support],
                    "What came back": row.seen,
                    "What the app does": row.app_does,
                }
                for row in capabilities.rows()
            ],
            hide_index=True,
        )


active = sidebar.current()
st.title("Connection")
st.caption(
    "Where the app sends its requests. Everything you choose here stays in this browser "
    "session; a key you enter is never shown again and never written to a link, a file or a log."
)

choice = current_choice(active.profiles)
if active.locked:
    st.info(
        "This deployment is locked to one endpoint: its base URL cannot be changed here, and "
        "its key is only ever sent to that URL.",
        icon=":material/lock:",
    )
else:
    st.session_state["connection_profile"] = choice.profile
    st.radio(
        "Endpoint",
        active.profiles,
        key="connection_profile",
        format_func=lambda p: PROFILE_LABELS.get(p, p),
        captions=[_CAPTIONS.get(p, "") for p in active.profiles],
        on_change=_on_profile,
    )

profile = DEPLOYMENT if active.locked else choice.profile
if profile == CUSTOM:
    st.pills(
        "Presets (usual local ports)",
        list(LOCAL_SERVERS),
        key="connection_preset",
        on_change=_on_preset,
    )
    if "connection_base_url" not in st.session_state:
        st.session_state["connection_base_url"] = choice.custom_base_url
    st.text_input(
        "Base URL",
        key="connection_base_url",
        on_change=_on_url,
        placeholder=LOCAL_SERVERS["Ollama"],
        help="The address the API lives under, usually ending in /v1; requests go to "
        "<base URL>/chat/completions.",
    )
else:
    shown = active.endpoint.base_url if active.endpoint is not None else ""
    st.session_state["connection_base_url_fixed"] = shown
    st.text_input(
        "Base URL",
        key="connection_base_url_fixed",
        disabled=True,
        help="Fixed for this profile."
        if not active.locked
        else "Locked by this deployment's settings.",
    )

if active.endpoint is None and active.problem:
    st.error(escape_markdown(active.problem), icon=":material/lan:")

if profile in (OPENAI, CUSTOM):
    st.text_input(
        "API key",
        type="password",
        key="connection_api_key",
        on_change=_on_key,
        placeholder="paste a key and press Enter" if profile == OPENAI else "optional",
        help="Kept only in this session's memory on the server, used only for this "
        "profile's base URL, never shown again.",
    )
    endpoint = active.endpoint
    with st.container(horizontal=True, vertical_alignment="center"):
        st.caption(f"Key in use: {endpoint.key_description if endpoint else 'none'}.")
        if choice.typed_key:
            st.button("Forget my key", key="connection_forget_key", on_click=_forget_key)

if active.endpoint is not None:
    models = listed_models(active)
    left, right = st.columns(2)
    with left:
        if models:
            st.session_state["connection_model_picker"] = (
                active.model if active.model in models else models[0]
            )
            st.selectbox(
                "Model",
                models,
                key="connection_model_picker",
                on_change=_on_model_picked,
                help="The models the endpoint lists (GET /v1/models).",
            )
        else:
            st.caption("The endpoint lists no models (or did not answer).")
    with right:
        st.text_input(
            "...or type a model id",
            key="connection_model_typed",
            on_change=_on_model_typed,
            placeholder="e.g. llama3.2",
            help="For a model the list does not show; press Enter to use it.",
        )

    if st.button("Test connection", key="connection_test", icon=":material/network_check:"):
        with st.spinner("Asking the endpoint for its models and for one token..."):
            with active.endpoint.client(max_retries=0, timeout=15.0) as client:
                st.session_state[REPORT_KEY] = test_connection(
                    client, model=active.model, probe=True
                )
        if st.session_state[REPORT_KEY].ok and active.model:
            _probe(active)
        forget_health()
        st.rerun()  # every widget, the sidebar included, now sees what the probe found
    report = st.session_state.get(REPORT_KEY)
    if isinstance(report, ConnectionReport) and report.base_url == active.endpoint.base_url:
        _report(report)
        if active.capabilities is not None:
            _capabilities(active.capabilities, active.endpoint.display_name)
        elif st.session_state.get(PROBE_ERROR_KEY):
            st.warning(
                "Could not finish probing what the server does: "
                + escape_markdown(st.session_state[PROBE_ERROR_KEY]),
                icon=":material/help:",
            )
