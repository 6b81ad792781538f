"""A parameter's documentation, drawn alike on the Reference page and in a control's details."""

from __future__ import annotations

import streamlit as st

from explorer.api import catalog

__all__ = ["cheatsheet_check", "param_doc"]


def cheatsheet_check(claim: str, truth: str, *, side_by_side: bool) -> None:
    """The cheatsheet's claim and what is true: side by side, or one above the other."""
    left, right = st.columns(2) if side_by_side else (st.container(), st.container())
    with left:
        st.markdown("**The cheatsheet says:**")
        if catalog.is_accurate(truth):
            st.info(claim, icon=":material/format_quote:")
        else:
            st.error(claim, icon=":material/close:")
    with right:
        st.markdown("**What is true:**")
        st.success(truth, icon=":material/check:")


def param_doc(p: catalog.Param, *, compact: bool) -> None:
    """Summary, explanation, formula, facts, where it applies, the engine, the cheatsheet.

    `compact` is for a popover: the facts in small type, the cheatsheet's claim
    above what is true.
    """
    st.markdown(f"**{p.name}**: {p.summary}" if compact else f"**{p.summary}**")
    st.markdown(p.explanation)
    if p.formula:
        st.code(p.formula, language="python")
    line = " · ".join(f"**{label}** {value}" for label, value in catalog.facts(p))
    where = f"**Applies to** {p.applies_to}"
    engine = f"**The embedded engine** {catalog.engine_text(p)}"
    if compact:
        st.caption(line)
        st.caption(f"{where}. {engine}")
    else:
        st.markdown(line)
        st.markdown(where)
        st.markdown(engine)
        if p.deprecated:  # a control shows it as a badge beside its name
            st.warning(catalog.deprecation_note(p).capitalize() + ".", icon=":material/history:")
    if p.cheatsheet_claim and p.correction:
        cheatsheet_check(p.cheatsheet_claim, p.correction, side_by_side=not compact)
