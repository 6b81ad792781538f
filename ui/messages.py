"""The messages editor: add, remove and reorder messages of any role.

Each message has a stable id; its widgets are keyed by it (`msg_<id>_role`,
`msg_<id>_content`, ...), so moving a message moves its widgets' values with it.
Values persist for the whole session, across page switches.
"""

from __future__ import annotations

import json
from typing import Any, Final

import streamlit as st

from explorer.api.catalog import help_text

from .form import ROLES, STARTERS, MessageRow

__all__ = ["DEFAULT_STARTER", "load_conversation", "messages_editor"]

IDS_KEY = "messages_ids"
NEXT_ID_KEY = "messages_next_id"
STARTERS_KEY = "messages_starters"  # the starters popover (open or closed)
DEFAULT_STARTER = "Continue a story"
_PERSIST: Final = "session"  # a Literal for the widgets' persist_state

_ROLE_HELP = {
    "system": "Instructions for the model (older name; developer replaces it for newer models).",
    "developer": "Instructions for the model; replaces system for newer reasoning models.",
    "user": "What the person says.",
    "assistant": "An earlier answer of the model (or one you write to steer it).",
    "tool": "A tool's result, linked to the assistant's tool call by tool_call_id.",
}


def _key(message_id: int, part: str) -> str:
    return f"msg_{message_id}_{part}"


def _new_id() -> int:
    message_id = int(st.session_state.get(NEXT_ID_KEY, 0))
    st.session_state[NEXT_ID_KEY] = message_id + 1
    return message_id


def _add(message: dict[str, Any]) -> None:
    message_id = _new_id()
    content = message.get("content")
    st.session_state[_key(message_id, "role")] = message["role"]
    st.session_state[_key(message_id, "content")] = "" if content is None else str(content)
    st.session_state[_key(message_id, "name")] = message.get("name", "")
    st.session_state[_key(message_id, "tool_call_id")] = message.get("tool_call_id", "")
    calls = message.get("tool_calls")
    st.session_state[_key(message_id, "tool_calls")] = json.dumps(calls, indent=2) if calls else ""
    st.session_state[IDS_KEY] = [*st.session_state.get(IDS_KEY, []), message_id]


def load_conversation(messages: list[dict[str, Any]]) -> None:
    """Replace the conversation (used by the starter picker, and by tests)."""
    st.session_state[IDS_KEY] = []
    for message in messages:
        _add(message)


def _load_starter(name: str) -> None:
    load_conversation(STARTERS[name])
    st.session_state[STARTERS_KEY] = False  # close the popover: the choice is made


def _add_message() -> None:
    ids = st.session_state.get(IDS_KEY, [])
    last_role = st.session_state.get(_key(ids[-1], "role")) if ids else None
    # After a user turn the natural next one is the assistant's, and the other way round.
    role = "assistant" if last_role == "user" else "user"
    _add({"role": role, "content": ""})


def _move(message_id: int, step: int) -> None:
    ids = list(st.session_state[IDS_KEY])
    i = ids.index(message_id)
    j = i + step
    if 0 <= j < len(ids):
        ids[i], ids[j] = ids[j], ids[i]
        st.session_state[IDS_KEY] = ids


def _remove(message_id: int) -> None:
    st.session_state[IDS_KEY] = [i for i in st.session_state[IDS_KEY] if i != message_id]


def _message(message_id: int, number: int, count: int) -> MessageRow:
    with st.container(border=True, key=f"msg_{message_id}"):
        head = st.container(horizontal=True, vertical_alignment="center", gap="small")
        with head:
            role = st.selectbox(
                f"Message {number}: role",
                ROLES,
                key=_key(message_id, "role"),
                help=" ".join(f"**{r}**: {h}" for r, h in _ROLE_HELP.items()),
                label_visibility="collapsed",
                width=150,
                persist_state=_PERSIST,
            )
            st.space("stretch")
            st.button(
                "",
                icon=":material/arrow_upward:",
                key=_key(message_id, "up"),
                help="Move up",
                on_click=_move,
                args=(message_id, -1),
                disabled=number == 1,
                type="tertiary",
            )
            st.button(
                "",
                icon=":material/arrow_downward:",
                key=_key(message_id, "down"),
                help="Move down",
                on_click=_move,
                args=(message_id, 1),
                disabled=number == count,
                type="tertiary",
            )
            with st.popover(
                "",
                icon=":material/more_horiz:",
                help="Name and more",
                type="tertiary",
                key=_key(message_id, "more"),
            ):
                name = st.text_input(
                    "name (optional)",
                    key=_key(message_id, "name"),
                    help="A name for the author, e.g. to tell two users apart "
                    "(tool messages take none).",
                    disabled=role == "tool",
                    persist_state=_PERSIST,
                )
            st.button(
                "",
                icon=":material/delete:",
                key=_key(message_id, "remove"),
                help="Remove this message",
                on_click=_remove,
                args=(message_id,),
                type="tertiary",
            )
        content = st.text_area(
            f"Message {number}: content",
            key=_key(message_id, "content"),
            label_visibility="collapsed",
            height=68,
            placeholder="content",
            persist_state=_PERSIST,
        )
        tool_call_id = ""
        tool_calls = ""
        if role == "tool":
            tool_call_id = st.text_input(
                "tool_call_id",
                key=_key(message_id, "tool_call_id"),
                help="The id of the assistant's tool call this message answers (required).",
                placeholder="call_1",
                persist_state=_PERSIST,
            )
        elif role == "assistant":
            tool_calls = st.text_area(
                "tool_calls (optional JSON)",
                key=_key(message_id, "tool_calls"),
                help="Tool calls the assistant made earlier: a JSON list of "
                '{"id", "type": "function", "function": {"name", "arguments"}}.',
                height=68,
                persist_state=_PERSIST,
            )
    return MessageRow(
        role or "user", content or "", name or "", tool_call_id or "", tool_calls or ""
    )


def messages_editor() -> list[MessageRow]:
    """Draw the editor and return the messages as typed."""
    if IDS_KEY not in st.session_state:
        load_conversation(STARTERS[DEFAULT_STARTER])
    ids = list(st.session_state[IDS_KEY])
    rows = [_message(message_id, i + 1, len(ids)) for i, message_id in enumerate(ids)]
    with st.container(horizontal=True, gap="small"):
        st.button(
            "Add message",
            key="messages_add",
            on_click=_add_message,
            icon=":material/add:",
            help=help_text("messages"),
        )
        with st.popover(
            "Starting conversations",
            icon=":material/auto_stories:",
            help="Conversations a small base model continues sensibly.",
            key=STARTERS_KEY,
            on_change="rerun",  # tracked, so choosing a conversation can close it
        ):
            st.caption("Loading one replaces the messages.")
            for number, name in enumerate(STARTERS):
                st.button(
                    name,
                    key=f"messages_starter_{number}",
                    on_click=_load_starter,
                    args=(name,),
                    width="stretch",
                )
    return rows
