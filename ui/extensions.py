"""Widgets for the embedded engine's own request fields (see `explorer.extensions`)."""

from __future__ import annotations

from typing import Any

import streamlit as st

from explorer.extensions import extension

__all__ = ["PRIMER_KEY", "primer_switch"]

PRIMER_KEY = "playground_primer"


def primer_switch() -> dict[str, Any]:
    """The few-shot primer toggle; returns the request field to add (none while it is off)."""
    primer = extension("primer")
    if not st.toggle(primer.title, value=False, key=PRIMER_KEY, help=primer.summary):
        return {}
    with st.container(key="playground_primer_note"):
        st.caption(
            'Sends `"primer": true`: example exchanges go before your conversation. Compare '
            "the answer with the switch off, and look at What the model read under Response."
        )
    return {"primer": True}
