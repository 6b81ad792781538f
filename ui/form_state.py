"""The request form's values, carried from one page to the next.

The Playground, Compare and Sweep draw the same form (the same widget keys,
kept with ``persist_state="session"``); Compare and Sweep keep their own
controls the same way. On the page a learner switches to, the
browser mounts those widgets afresh: unless the server says otherwise, each
starts at its element default (an empty stop field, an empty tools editor, a
slider at its minimum) and the first click on that page reports those defaults
back, overwriting the learner's values and, through ``on_change``, ticking
parameters nobody touched. Assigning each value again on the first run of a
page makes Streamlit send it with the widget, so the new page shows exactly the
form the last one had.
"""

from __future__ import annotations

import re

import streamlit as st

__all__ = ["FORM_KEY", "PLAYGROUND_REQUEST_KEY", "carry_form"]

# The payload the Playground's Run would send (None while the form is invalid):
# Compare and Sweep start from it on a first visit.
PLAYGROUND_REQUEST_KEY = "playground_request"

# Widget keys of the shared form whose values a learner sets (buttons,
# popovers and tables are left alone: their state cannot be assigned).
FORM_KEY = re.compile(
    r"send_\w+"
    r"|param_(?!\w*_(?:example|table)$)\w+"
    r"|msg_\d+_(?:role|content|name|tool_call_id|tool_calls)"
    r"|compare_variant_\d+"
    r"|sweep_(?:param|range|steps|samples|mode|seed)"
)
_LAST_PAGE = "form_last_page"


def carry_form(page: str) -> None:
    """Call once per run, before any page draws: re-asserts the form on a page switch."""
    if st.session_state.get(_LAST_PAGE) == page:
        return
    st.session_state[_LAST_PAGE] = page
    for key in list(st.session_state.keys()):
        if isinstance(key, str) and FORM_KEY.fullmatch(key):
            st.session_state[key] = st.session_state[key]
