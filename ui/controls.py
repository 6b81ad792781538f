"""Catalog-driven parameter controls: one per request parameter, documented inline.

Every control takes its help text, range, step and default from the catalog
(`explorer.api.catalog`). Each parameter has a "send" checkbox labelled with its
name: only ticked parameters go into the request, so a parameter the learner
never touched is absent and the server uses its own default. Changing a value
ticks the box; unticking leaves the parameter out again.

Widget keys: `send_<name>` for the checkbox, `param_<name>` for the value (plus
`param_<name>_<part>` for the parts of compound controls), `learn_<name>` for
the popover with the long explanation and the cheatsheet correction.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from contextlib import nullcontext
from dataclasses import dataclass, field
from typing import Any, Final

import streamlit as st

from explorer.api import catalog
from explorer.http.tokenizers import Tokenizer, visible
from explorer.lab.logit_bias import plan_logit_bias
from explorer.runs.bounds import JS_SAFE_INT
from explorer.schema_check import schema_problems

from .form import EXAMPLE_SCHEMA, EXAMPLE_TOOLS, STARTING_PARAMS, parse_json, stop_sequences
from .markdown import escape_markdown
from .param_doc import param_doc

__all__ = [
    "KINDS",
    "PARAM_GROUPS",
    "STARTED_KEY",
    "Collected",
    "Kind",
    "escape_stop",
    "panel_names",
    "panel_state",
    "parameter_panel",
    "send_key",
    "value_key",
]

# How the panel groups the parameters into tabs; every catalog parameter except
# model and messages (drawn elsewhere) appears exactly once (a test checks it).
PARAM_GROUPS: dict[str, tuple[str, ...]] = {
    "Sampling": (
        "temperature",
        "top_p",
        "seed",
        "frequency_penalty",
        "presence_penalty",
        "logit_bias",
    ),
    "Length": ("max_completion_tokens", "max_tokens", "stop", "n"),
    "Output": (
        "stream",
        "stream_options",
        "logprobs",
        "top_logprobs",
        "response_format",
        "prediction",
    ),
    "Tools": ("tools", "tool_choice", "parallel_tool_calls", "functions", "function_call"),
    # What some models add: reasoning, audio, search (the embedded one answers a 400).
    "Model features": (
        "reasoning_effort",
        "verbosity",
        "modalities",
        "audio",
        "web_search_options",
        "moderation",
    ),
    "Platform": (
        "safety_identifier",
        "prompt_cache_key",
        "prompt_cache_options",
        "prompt_cache_retention",
        "service_tier",
        "store",
        "metadata",
        "user",
    ),
}

STOP_FIELDS = 4  # the API takes up to 4 sequences (catalog: stop.maximum)
_PERSIST: Final = "session"  # a Literal for the widgets' persist_state
STARTED_KEY = "form_started"  # the form holds a request (the starting one, or a loaded one)


def send_key(name: str) -> str:
    return f"send_{name}"


def value_key(name: str, part: str = "") -> str:
    return f"param_{name}_{part}" if part else f"param_{name}"


@dataclass
class Collected:
    """What the panel read: the parameters to send and input that cannot be sent yet."""

    params: dict[str, Any] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def _init(key: str, value: Any) -> None:
    # Set once, before the widget exists, so no widget gets both a value and state.
    if key not in st.session_state:
        st.session_state[key] = value


def _touch(name: str) -> None:
    st.session_state[send_key(name)] = True


def _ticked(name: str) -> bool:
    return bool(st.session_state.get(send_key(name)))


def _untick(p: catalog.Param) -> None:
    """Leave `p` out, and let nothing of it look sent."""
    st.session_state[send_key(p.name)] = False
    _mirror_send_box(p)


def _mirror_send_box(p: catalog.Param) -> None:
    # stream_options is one option box under its send box: shown ticked while
    # not sent, it reads as "usage comes"; so it follows the send box (a ticked
    # stream_options asks for usage; the learner can still untick the option).
    kind = KINDS.get(p.control)
    if kind is not None and kind.follows_send_box:
        st.session_state[value_key(p.name)] = _ticked(p.name)


def _is_on(name: str) -> bool:
    """True when `name` is sent with a value that lets its dependants apply."""
    if not _ticked(name):
        return False
    p = catalog.param(name)
    kind = KINDS.get(p.control)
    return kind.is_on(p) if kind is not None else False


def _missing_requirement(p: catalog.Param) -> str:
    """Why `p` does not apply yet ("" when it does)."""
    for required in p.requires:
        if not _is_on(required):
            on_means = catalog.param(required).on_means
            return f"Needs {required}: tick {required} and {on_means}."
    return ""


def _header(p: catalog.Param, blocked: str) -> None:
    with st.container(horizontal=True, vertical_alignment="center", gap="small"):
        st.checkbox(
            p.name,
            key=send_key(p.name),
            help=catalog.help_text(p.name),
            disabled=bool(blocked),
            on_change=_mirror_send_box,
            args=(p,),
            persist_state=_PERSIST,
        )
        if p.deprecated:
            st.badge(catalog.deprecation_note(p), icon=":material/history:", color="orange")
        if _ticked(p.name) and not blocked:
            st.badge("sent", color="green")
        else:
            st.badge("not sent", color="gray")
        st.space("stretch")
        with st.popover(
            "Explain",
            icon=":material/menu_book:",
            help=f"What {p.name} does, and what the cheatsheet gets wrong",
            type="tertiary",
            key=f"learn_{p.name}",
        ):
            param_doc(p, compact=True)
    if blocked:
        st.caption(blocked)


# ---------------------------------------------------------------- the control kinds
#
# One entry per kind of control (`Param.control`): how it is drawn, and which
# widget state shows a given value (what a link or a loaded request sets). The
# two sit side by side, so a new kind is one entry with both.


@dataclass(frozen=True)
class _Context:
    """What some controls need besides their parameter."""

    tokenizer: Tokenizer | None = None
    tokenizer_note: str = ""


# (the value to send, the problems that keep it from being sent)
Drawn = tuple[Any, list[str]]


@dataclass(frozen=True)
class Kind:
    """One kind of control: draw it (-> value and problems), and the state that shows a value."""

    draw: Callable[[catalog.Param, bool, _Context], Drawn]
    state: Callable[[catalog.Param, Any], dict[str, Any]]
    # True while the value lets the parameters that require this one apply.
    is_on: Callable[[catalog.Param], bool] = lambda p: bool(st.session_state.get(value_key(p.name)))
    # The value box follows the send box (see _mirror_send_box).
    follows_send_box: bool = False


def _empty(p: catalog.Param, what: str) -> list[str]:
    return [f"{p.name} is ticked but {what}, or untick it."]


def _same_value(p: catalog.Param, value: Any) -> dict[str, Any]:
    return {value_key(p.name): value}


def _as_json_text(p: catalog.Param, value: Any) -> dict[str, Any]:
    return {value_key(p.name): json.dumps(value, indent=2, ensure_ascii=False)}


# -- slider: a bounded number


def _slider(p: catalog.Param, disabled: bool, ctx: _Context) -> Drawn:
    integer = p.type.startswith("integer")
    low = p.minimum if p.minimum is not None else 0
    high = p.maximum if p.maximum is not None else 1
    start = p.default if p.default is not None else low
    cast = int if integer else float
    _init(value_key(p.name), cast(start))
    value = st.slider(
        p.name,
        min_value=cast(low),
        max_value=cast(high),
        step=cast(p.step or 1),
        key=value_key(p.name),
        on_change=_touch,
        args=(p.name,),
        disabled=disabled,
        label_visibility="collapsed",
        persist_state=_PERSIST,
    )
    # Slider steps are added in floating point (0.1 + 0.2): send the value as shown.
    return (value if integer else round(float(value), 6)), []


def _slider_state(p: catalog.Param, value: Any) -> dict[str, Any]:
    return {value_key(p.name): value if p.type.startswith("integer") else float(value)}


# -- integer: a whole number, as large as a browser holds


def _integer(p: catalog.Param, disabled: bool, ctx: _Context) -> Drawn:
    _init(value_key(p.name), p.default)
    # The widget holds only the browser's limits: a value outside the API's
    # range (max_tokens -5, n 0) must reach the validation, which says what is
    # wrong in a sentence; a browser box that refuses it shows only a red frame.
    value = st.number_input(
        p.name,
        min_value=-JS_SAFE_INT,
        max_value=JS_SAFE_INT,
        step=int(p.step or 1),
        key=value_key(p.name),
        on_change=_touch,
        args=(p.name,),
        disabled=disabled,
        placeholder="a whole number",
        label_visibility="collapsed",
        persist_state=_PERSIST,
    )
    wider = (p.minimum is not None and p.minimum < -JS_SAFE_INT) or (
        p.maximum is not None and p.maximum > JS_SAFE_INT
    )
    if wider:
        st.caption(
            f"This box takes whole numbers from -{JS_SAFE_INT:,} to {JS_SAFE_INT:,} (what a "
            f"browser holds exactly); the API accepts {p.range_text}. Send larger ones "
            "from code (View code)."
        )
    return value, _empty(p, "empty: enter a whole number") if value is None else []


# -- toggle: true or false


def _toggle(p: catalog.Param, disabled: bool, ctx: _Context) -> Drawn:
    _init(value_key(p.name), bool(p.default))
    with st.container(horizontal=True, vertical_alignment="center"):
        value = st.toggle(
            p.name,
            key=value_key(p.name),
            on_change=_touch,
            args=(p.name,),
            disabled=disabled,
            label_visibility="collapsed",
            persist_state=_PERSIST,
        )
        st.markdown(f"`{json.dumps(bool(value))}`")
    return bool(value), []


# -- text: a free string


def _text(p: catalog.Param, disabled: bool, ctx: _Context) -> Drawn:
    _init(value_key(p.name), "")
    value = (
        st.text_input(
            p.name,
            key=value_key(p.name),
            on_change=_touch,
            args=(p.name,),
            disabled=disabled,
            label_visibility="collapsed",
            placeholder=f"{p.name} value",
            persist_state=_PERSIST,
        )
        or ""
    )
    return value, _empty(p, "empty: type a value") if value == "" else []


# -- stop: up to four sequences, escapes typed as \n


def _stop(p: catalog.Param, disabled: bool, ctx: _Context) -> Drawn:
    typed = []
    with st.container(horizontal=True, gap="small"):
        for i in range(int(p.maximum or STOP_FIELDS)):
            key = value_key(p.name, str(i))
            _init(key, "\\n" if i == 0 else "")
            typed.append(
                st.text_input(
                    f"stop sequence {i + 1}",
                    key=key,
                    on_change=_touch,
                    args=(p.name,),
                    disabled=disabled,
                    label_visibility="collapsed",
                    placeholder=f"sequence {i + 1}",
                    persist_state=_PERSIST,
                )
                or ""
            )
    st.caption("Type \\n for a newline, \\t for a tab.")
    value = stop_sequences(typed)
    return value, [] if value else _empty(p, "every field is empty: type a sequence")


def _stop_state(p: catalog.Param, value: Any) -> dict[str, Any]:
    sequences = [value] if isinstance(value, str) else list(value)
    return {
        value_key(p.name, str(i)): escape_stop(sequences[i]) if i < len(sequences) else ""
        for i in range(STOP_FIELDS)
    }


# -- response_format: text / json_object / json_schema


def _load_example_schema() -> None:
    st.session_state[value_key("response_format", "schema")] = json.dumps(EXAMPLE_SCHEMA, indent=2)
    st.session_state[value_key("response_format", "name")] = "person"
    st.session_state[value_key("response_format", "strict")] = True
    _touch("response_format")


def _response_format(p: catalog.Param, disabled: bool, ctx: _Context) -> Drawn:
    kinds = ["text", "json_object", "json_schema"]
    _init(value_key(p.name), "text")
    kind = st.radio(
        p.name,
        kinds,
        key=value_key(p.name),
        horizontal=True,
        on_change=_touch,
        args=(p.name,),
        disabled=disabled,
        label_visibility="collapsed",
        persist_state=_PERSIST,
    )
    if kind == "json_object":
        st.caption(
            'json_object needs the word "json" in a message (else the API answers 400); '
            "it guarantees valid JSON, not any particular keys."
        )
    if kind != "json_schema":
        return {"type": kind}, []
    _init(value_key(p.name, "name"), "person")
    _init(value_key(p.name, "strict"), True)
    _init(value_key(p.name, "schema"), json.dumps(EXAMPLE_SCHEMA, indent=2))
    with st.container(horizontal=True, vertical_alignment="bottom"):
        name = st.text_input(
            "json_schema.name",
            key=value_key(p.name, "name"),
            on_change=_touch,
            args=(p.name,),
            disabled=disabled,
            persist_state=_PERSIST,
        )
        strict = st.toggle(
            "strict",
            key=value_key(p.name, "strict"),
            on_change=_touch,
            args=(p.name,),
            disabled=disabled,
            persist_state=_PERSIST,
        )
    schema_text = st.text_area(
        "json_schema.schema (JSON Schema)",
        key=value_key(p.name, "schema"),
        on_change=_touch,
        args=(p.name,),
        disabled=disabled,
        height=160,
        persist_state=_PERSIST,
    )
    schema, problem = parse_json(schema_text or "", "The JSON schema")
    if not problem:
        problem = " ".join(schema_problems(schema, strict=bool(strict)))
    if problem:
        st.caption(f":red[:material/error:] {escape_markdown(problem)}")
    else:
        st.caption(
            ":green[:material/check:] A valid schema" + (" for strict mode." if strict else ".")
        )
    st.button(
        "Load the example schema",
        key=value_key(p.name, "example"),
        icon=":material/restart_alt:",
        on_click=_load_example_schema,
        disabled=disabled,
        type="tertiary",
    )
    value = {
        "type": "json_schema",
        "json_schema": {"name": name or "", "schema": schema, "strict": bool(strict)},
    }
    return value, [problem] if problem else []


def _response_format_state(p: catalog.Param, value: Any) -> dict[str, Any]:
    state: dict[str, Any] = {value_key(p.name): value["type"]}
    if value["type"] == "json_schema":
        spec = value["json_schema"]
        state[value_key(p.name, "name")] = spec.get("name", "")
        state[value_key(p.name, "strict")] = bool(spec.get("strict"))
        state[value_key(p.name, "schema")] = json.dumps(
            spec.get("schema") or {}, indent=2, ensure_ascii=False
        )
    return state


# -- tools: a JSON list of function tools


def _tools_value() -> Any:
    value, _ = parse_json(st.session_state.get(value_key("tools"), ""), "tools")
    return value


def _tools(p: catalog.Param, disabled: bool, ctx: _Context) -> Drawn:
    _init(value_key(p.name), json.dumps(EXAMPLE_TOOLS, indent=2))
    text = st.text_area(
        "tools (JSON)",
        key=value_key(p.name),
        on_change=_touch,
        args=(p.name,),
        disabled=disabled,
        height=220,
        label_visibility="collapsed",
        persist_state=_PERSIST,
    )
    st.caption("A JSON list of function tools; the example describes get_weather(city, unit).")
    value, problem = parse_json(text or "", "tools")
    return value, [problem] if problem else []


def _tools_on(p: catalog.Param) -> bool:
    tools = _tools_value()
    return isinstance(tools, list) and bool(tools)


# -- tool_choice: none / auto / required / a named function


def _tool_choice(p: catalog.Param, disabled: bool, ctx: _Context) -> Drawn:
    _init(value_key(p.name), "auto")
    mode = st.radio(
        p.name,
        ["none", "auto", "required", "a named function"],
        key=value_key(p.name),
        horizontal=True,
        on_change=_touch,
        args=(p.name,),
        disabled=disabled,
        label_visibility="collapsed",
        persist_state=_PERSIST,
    )
    if mode != "a named function":
        return mode, []
    tools = _tools_value()
    names = [
        t["function"]["name"]
        for t in tools or []
        if isinstance(t, dict) and isinstance(t.get("function"), dict) and "name" in t["function"]
    ]
    name = st.selectbox(
        "function to force",
        names,
        key=value_key(p.name, "function"),
        on_change=_touch,
        args=(p.name,),
        disabled=disabled or not names,
        persist_state=_PERSIST,
    )
    if not name:
        return None, ["tool_choice names a function, but tools describe none."]
    return {"type": "function", "function": {"name": name}}, []


def _tool_choice_state(p: catalog.Param, value: Any) -> dict[str, Any]:
    if isinstance(value, str):
        return {value_key(p.name): value}
    return {
        value_key(p.name): "a named function",
        value_key(p.name, "function"): value["function"]["name"],
    }


# -- stream_options: include_usage and include_obfuscation


def _stream_options(p: catalog.Param, disabled: bool, ctx: _Context) -> Drawn:
    _init(value_key(p.name), False)
    _init(value_key(p.name, "obfuscation"), True)
    include = st.checkbox(
        "include_usage: add a final chunk with token usage",
        key=value_key(p.name),
        on_change=_touch,
        args=(p.name,),
        disabled=disabled,
        persist_state=_PERSIST,
    )
    obfuscate = st.checkbox(
        "include_obfuscation: pad each chunk with random characters (the default)",
        key=value_key(p.name, "obfuscation"),
        on_change=_touch,
        args=(p.name,),
        disabled=disabled,
        persist_state=_PERSIST,
        help="OpenAI pads each chunk with an `obfuscation` field so the size of the "
        "encrypted stream does not give the text away; untick to save bandwidth on a "
        "trusted network. Sent only when unticked (true is the default).",
    )
    options = {"include_usage": bool(include)}
    if not obfuscate:
        options["include_obfuscation"] = False
    return options, []


def _stream_options_state(p: catalog.Param, value: Any) -> dict[str, Any]:
    return {
        value_key(p.name): bool(value.get("include_usage")),
        value_key(p.name, "obfuscation"): value.get("include_obfuscation", True) is not False,
    }


# -- choice: one of `p.choices`


def _choice(p: catalog.Param, disabled: bool, ctx: _Context) -> Drawn:
    """One of `p.choices`; options are their JSON spellings (a list, a string ...)."""
    options = [json.dumps(c) for c in p.choices]
    start = json.dumps(p.default) if p.default in p.choices else options[0]
    _init(value_key(p.name), start)
    picked = st.selectbox(
        p.name,
        options,
        key=value_key(p.name),
        on_change=_touch,
        args=(p.name,),
        disabled=disabled,
        label_visibility="collapsed",
        persist_state=_PERSIST,
    )
    return json.loads(picked or options[0]), []


def _choice_state(p: catalog.Param, value: Any) -> dict[str, Any]:
    return {value_key(p.name): json.dumps(value)}


# -- json: a JSON editor that starts from the catalog's example


def _json_value(p: catalog.Param, disabled: bool, ctx: _Context) -> Drawn:
    _init(value_key(p.name), json.dumps(p.example, indent=2, ensure_ascii=False))
    text = st.text_area(
        f"{p.name} (JSON)",
        key=value_key(p.name),
        on_change=_touch,
        args=(p.name,),
        disabled=disabled,
        height=110,
        label_visibility="collapsed",
        persist_state=_PERSIST,
    )
    value, problem = parse_json(text or "", p.name)
    return value, [problem] if problem else []


# -- prediction: the predicted text, sent as {"type": "content", "content": text}


def _prediction(p: catalog.Param, disabled: bool, ctx: _Context) -> Drawn:
    example = p.example["content"] if isinstance(p.example, dict) else ""
    _init(value_key(p.name), example)
    text = st.text_area(
        "prediction.content",
        key=value_key(p.name),
        on_change=_touch,
        args=(p.name,),
        disabled=disabled,
        height=80,
        label_visibility="collapsed",
        placeholder="The text you expect the answer to be (most of it)",
        persist_state=_PERSIST,
    )
    value = {"type": "content", "content": text or ""}
    return value, [] if text else _empty(p, "empty: type the text you expect")


def _prediction_state(p: catalog.Param, value: Any) -> dict[str, Any]:
    content = value.get("content", "") if isinstance(value, dict) else ""
    if isinstance(content, list):  # content parts: their text, joined
        content = "".join(str(part.get("text", "")) for part in content)
    return {value_key(p.name): content}


# -- logit_bias: words or token ids, looked up with the endpoint's tokenizer


def _logit_bias(p: catalog.Param, disabled: bool, ctx: _Context) -> Drawn:
    _init(value_key(p.name), "")
    text = st.text_area(
        "logit_bias entries",
        key=value_key(p.name),
        on_change=_touch,
        args=(p.name,),
        disabled=disabled,
        height=96,
        label_visibility="collapsed",
        placeholder='One a line: " Paris" = -100  (quotes keep the space)\n9079 = -100  (an id)',
        persist_state=_PERSIST,
    )
    note = ctx.tokenizer_note
    if not (text or "").strip():
        st.caption(
            escape_markdown(note)
            if note
            else "Type words or token ids; words are looked up with the tokenizer."
        )
        return {}, _empty(p, "has no entries: add one")
    plan = plan_logit_bias(text or "", ctx.tokenizer, no_tokenizer_note=note)
    if plan.tokens:
        st.dataframe(
            [
                {
                    "token id": t.token_id,
                    "token": visible(t.text) if t.text is not None else "?",
                    "bias": t.bias,
                    "from": t.source,
                }
                for t in plan.tokens
            ],
            hide_index=True,
            key="param_logit_bias_table",
        )
    if plan.note:
        st.caption(escape_markdown(plan.note) + " A ␣ marks a space.")
    # Learner terms and token pieces: shown literally, never read as Markdown.
    for warning in plan.warnings:
        st.warning(escape_markdown(warning), icon=":material/warning:")
    for error in plan.errors:
        st.error(escape_markdown(error), icon=":material/error:")
    if not plan.logit_bias and not plan.errors:
        return {}, _empty(p, "has no entries: add one")
    return plan.logit_bias, plan.errors


def _logit_bias_state(p: catalog.Param, value: Any) -> dict[str, Any]:
    return {value_key(p.name): "\n".join(f"{token} = {bias}" for token, bias in value.items())}


# Every kind the parameter panel draws (model and messages are drawn elsewhere).
KINDS: dict[str, Kind] = {
    "slider": Kind(_slider, _slider_state),
    "integer": Kind(_integer, _same_value),
    "toggle": Kind(_toggle, _same_value),
    "text": Kind(_text, _same_value),
    "stop": Kind(_stop, _stop_state),
    "response_format": Kind(_response_format, _response_format_state),
    "tools": Kind(_tools, _as_json_text, is_on=_tools_on),
    "tool_choice": Kind(_tool_choice, _tool_choice_state),
    "stream_options": Kind(_stream_options, _stream_options_state, follows_send_box=True),
    "choice": Kind(_choice, _choice_state),
    "json": Kind(_json_value, _as_json_text),
    "prediction": Kind(_prediction, _prediction_state),
    "logit_bias": Kind(_logit_bias, _logit_bias_state),
}


# ---------------------------------------------------------------- state


def panel_names() -> list[str]:
    """Every parameter the shared parameter panel draws."""
    return [name for names in PARAM_GROUPS.values() for name in names]


def escape_stop(text: str) -> str:
    """A stop sequence as typed into the stop fields (the inverse of `ui.form.unescape`)."""
    return text.replace("\\", "\\\\").replace("\n", "\\n").replace("\t", "\\t").replace("\r", "\\r")


def panel_state(base: Mapping[str, Any]) -> dict[str, Any]:
    """Session keys -> values that make the parameter panel show `base` (messages aside).

    Parameters the base does not set are unticked; their values stay as they were.
    """
    state: dict[str, Any] = {STARTED_KEY: True}
    for name in panel_names():
        state[send_key(name)] = name in base
        if name in base:
            p = catalog.param(name)
            state.update(KINDS[p.control].state(p, base[name]))
    return state


# ---------------------------------------------------------------- the panel


def _control(p: catalog.Param, out: Collected, ctx: _Context) -> None:
    kind = KINDS.get(p.control)
    if kind is None:  # a control kind this panel does not draw (model, messages)
        return
    blocked = _missing_requirement(p)
    if blocked and _ticked(p.name):  # what it needs was switched off: so is it
        _untick(p)
    _header(p, blocked)
    value, problems = kind.draw(p, bool(blocked), ctx)
    if blocked or not _ticked(p.name):
        return  # not sent: the server uses its default
    if problems:
        out.problems.extend(problems)
    else:
        out.params[p.name] = value


def parameter_panel(
    tokenizer: Tokenizer | None = None,
    tokenizer_note: str = "",
    main: tuple[str, ...] = (),
) -> Collected:
    """Draw every parameter, grouped in tabs, and collect the ones to send.

    With `main` (presenter mode), those parameters are drawn first and the tabs
    with the others fold into an "All parameters" expander; widget keys stay the same.
    """
    if STARTED_KEY not in st.session_state:  # a first visit: the starting request
        st.session_state.update(panel_state(STARTING_PARAMS))
    out = Collected()
    ctx = _Context(tokenizer, tokenizer_note)
    st.caption(
        "Only ticked parameters are sent; the server uses its default for the rest. "
        "Changing a value ticks its box; Explain tells what it does."
    )
    for name in main:
        with st.container(key=f"control_{name}"):
            _control(catalog.param(name), out, ctx)
    rest = st.expander("All parameters", key="playground_all_params") if main else nullcontext()
    with rest:
        tabs = st.tabs(list(PARAM_GROUPS), key="playground_param_tabs")
        for tab, names in zip(tabs, PARAM_GROUPS.values(), strict=True):
            with tab:
                for name in names:
                    if name in main:
                        continue
                    with st.container(key=f"control_{name}"):
                        _control(catalog.param(name), out, ctx)
    return out
