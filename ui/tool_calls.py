"""The tool-call round trip in the Playground: the proposed calls, their results, the follow-up.

When an answer carries `message.tool_calls`, the learner sees each call (name,
arguments, id), types what the function returned (a sample is filled in), and
"Send tool result" appends the assistant message and one tool message per call
to the messages editor and runs the request again. The messages array is shown
at each step, so the conversation visibly grows.

Widget keys: `tool_result_<n>` (the result of call n), `tool_send_result`.
"""

from __future__ import annotations

import json
from typing import Any

import streamlit as st

from explorer.api.tool_round_trip import (
    ProposedCall,
    follow_up_messages,
    follow_up_tool_choice,
    proposed_calls,
    sample_result,
)
from explorer.runs.runner import RequestRun

from .controls import send_key, value_key
from .markdown import code_span, escape_markdown
from .messages import load_conversation

__all__ = ["AUTO_RUN_KEY", "calls_only", "round_trip", "take_auto_run"]

AUTO_RUN_KEY = "tool_round_trip_run"  # set by Send tool result: the page runs once
STEPS_KEY = "tool_round_trip_steps"  # [(title, messages)] of the last round trip
NOTE_KEY = "tool_round_trip_note"  # why tool_choice changed for the follow-up
ERROR_KEY = "tool_round_trip_error"
FOR_KEY = "tool_round_trip_for"  # the completion whose calls the result boxes hold


def take_auto_run() -> bool:
    """True once after Send tool result: the page then runs the new request."""
    return bool(st.session_state.pop(AUTO_RUN_KEY, False))


def calls_only(record: Any) -> bool:
    """True when the last answer proposes tool calls and has no text to show."""
    if not isinstance(record, RequestRun) or record.completion is None:
        return False
    if not record.completion.choices:
        return False
    message = record.completion.choices[0].message
    return bool(message.tool_calls) and not any(record.texts().values())


def _result_key(number: int) -> str:
    return f"tool_result_{number}"


def _compact(messages: list[dict[str, Any]]) -> str:
    """The messages array, one message a line."""
    lines = [json.dumps(m, ensure_ascii=False) for m in messages]
    return "[\n" + ",\n".join(f"  {line}" for line in lines) + "\n]"


def _send(
    messages: list[dict[str, Any]], calls: list[ProposedCall], content: str | None, sent: Any
) -> None:
    results = {
        call.id: str(st.session_state.get(_result_key(n), "")) for n, call in enumerate(calls)
    }
    new_messages, problems = follow_up_messages(messages, calls, results, content)
    if problems:
        st.session_state[ERROR_KEY] = " ".join(problems)
        return
    st.session_state[ERROR_KEY] = ""
    choice, note = follow_up_tool_choice(sent)
    if note:
        st.session_state[value_key("tool_choice")] = choice
        st.session_state[send_key("tool_choice")] = True
    st.session_state[NOTE_KEY] = note
    load_conversation(new_messages)
    with_call = new_messages[: len(messages) + 1]
    st.session_state[STEPS_KEY] = [
        (f"1. The request sent {len(messages)} message(s)", messages),
        ("2. + the assistant message with the proposed tool_calls", with_call),
        (
            f"3. + {len(calls)} tool message(s) with your result(s): the follow-up request",
            new_messages,
        ),
    ]
    st.session_state[AUTO_RUN_KEY] = True


def _proposal(record: RequestRun, calls: list[ProposedCall], completion_id: str) -> None:
    if st.session_state.get(FOR_KEY) != completion_id:  # a new answer: fresh samples
        st.session_state[FOR_KEY] = completion_id
        st.session_state[ERROR_KEY] = ""
        for number, call in enumerate(calls):
            st.session_state[_result_key(number)] = sample_result(call)
    with st.container(border=True, key="tool_calls_panel"):
        st.markdown(f"**The model proposes {len(calls)} tool call(s)**")
        st.info(
            "The model never runs code: it only proposes a call, a function name and JSON "
            "arguments. Your code runs the function and sends its result back in a `tool` "
            "message with the same `tool_call_id`; the model then answers using it.",
            icon=":material/lightbulb:",
        )
        for number, call in enumerate(calls):
            with st.container(border=True, key=f"tool_call_{number}"):
                st.markdown(f"{code_span(call.name)}, id {code_span(call.id)}; arguments:")
                shown = (
                    call.arguments_text
                    if call.problem
                    else json.dumps(call.arguments, indent=2, ensure_ascii=False)
                )
                st.code(shown or " ", language="json", wrap_lines=True)
                if call.problem:
                    st.warning(escape_markdown(call.problem), icon=":material/warning:")
                st.text_area(
                    f"What {call.name} returned (your code's result; a sample is filled in)",
                    key=_result_key(number),
                    height=68,
                )
        sent = record.request.tool_choice
        sent_choice = (
            sent if sent is None or isinstance(sent, str) else sent.model_dump(mode="json")
        )
        _, note = follow_up_tool_choice(sent_choice)
        if note:
            st.caption(escape_markdown(note))
        message = record.completion.choices[0].message  # type: ignore[union-attr]
        st.button(
            "Send tool result",
            key="tool_send_result",
            type="primary",
            icon=":material/send:",
            on_click=_send,
            args=(
                list(record.request.payload()["messages"]),
                calls,
                message.content,
                sent_choice,
            ),
            help="Append the assistant message and one tool message per call to the "
            "conversation, then run the request again.",
        )
        if st.session_state.get(ERROR_KEY):
            st.error(escape_markdown(st.session_state[ERROR_KEY]), icon=":material/edit_note:")


def _growth(record: RequestRun) -> None:
    steps = st.session_state.get(STEPS_KEY) or []
    if not steps or record.request.payload()["messages"] != steps[-1][1]:
        return  # no round trip, or the learner has run something else since
    with st.container(border=True, key="tool_round_trip_steps"):
        st.markdown("**The messages array, step by step**")
        if st.session_state.get(NOTE_KEY):
            st.caption(escape_markdown(st.session_state[NOTE_KEY]))
        for title, messages in steps:
            st.caption(escape_markdown(title))
            st.code(_compact(messages), language="json", wrap_lines=True)
        completion = record.completion
        if completion is not None and completion.choices:
            answer = completion.choices[0].message
            if answer.content:
                st.caption(
                    "4. The final answer: the next assistant message, which you would append "
                    "to continue the conversation"
                )
                st.code(
                    _compact([{"role": "assistant", "content": answer.content}]),
                    language="json",
                    wrap_lines=True,
                )


def round_trip(record: Any) -> None:
    """The proposed calls of the last answer (if any) and the messages array's growth."""
    if not isinstance(record, RequestRun) or record.completion is None:
        return
    completion = record.completion
    if not completion.choices:
        return
    calls = proposed_calls(completion.choices[0].message.tool_calls)
    if calls:
        if len(completion.choices) > 1:
            st.caption("With n > 1 each choice may propose calls; this follows choice 0.")
        _proposal(record, calls, f"{completion.id}:{completion.created}")
    _growth(record)
