"""The cheatsheet's example response, its JSON fault pointed out and set right.

Drawn where the app discusses the cheatsheet (the Reference page calls
`response_example()`); the facts live in `explorer.cheatsheet_example`.
"""

from __future__ import annotations

import streamlit as st

from explorer.api.cheatsheet_example import AS_PRINTED, LEGACY_MODEL_NOTE, corrected, json_fault

__all__ = ["response_example"]


def response_example() -> None:
    fault = json_fault(AS_PRINTED)
    if fault is not None:
        st.markdown(
            f"**The cheatsheet's example response is not valid JSON**: line {fault.line}, "
            f'column {fault.column} has {fault.reason}, after `"content"`. JSON allows no comma '
            "before a closing `}`, so `json.loads` rejects the example. The API itself never "
            "sends one."
        )
        st.code(fault.text.strip(), language="json")
    st.markdown("The valid version, as the API sends it:")
    st.code(corrected(), language="json")
    st.caption(LEGACY_MODEL_NOTE)
