"""Widgets for the embedded engine's own request fields (see `explorer.extensions`)."""

from __future__ import annotations

from typing import Any

import streamlit as st

from explorer.extensions import extension

__all__ = ["PRIMER_KEY", "primer_switch"]

PRIMER_KEY = "playground_primer"


def primer_switch() -> dict[str, Any]:
    """The few-shot primer toggle; returns the request field to add (none while it is on)."""
    primer = extension("primer")
    on = st.toggle(primer.title, value=True, key=PRIMER_KEY, help=primer.summary)
    if on:
        return {}
    st.caption(
        'Sends `"primer": false`: the model reads your conversation alone. Compare its answer '
        "with the primer on, and look at `rendered_prompt` under Response."
    )
    return {"primer": False}
