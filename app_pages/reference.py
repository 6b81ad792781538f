"""Reference: every request parameter and response field, the cheatsheet corrected.

Generated from the catalog (`explorer.params`); needs no endpoint and no key.
"""

from __future__ import annotations

import json

import pandas as pd
import streamlit as st

from explorer import params as catalog
from explorer.extensions import extensions_matching

# Parameters whose explanation is best read next to the penalty formula.
_PENALTIES = ("frequency_penalty", "presence_penalty")


def _json(value: object) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False)


def _claim_and_truth(claim: str, truth: str) -> None:
    """The cheatsheet's claim and what is true, side by side."""
    left, right = st.columns(2)
    with left:
        st.markdown("**The cheatsheet says**")
        if catalog.is_accurate(truth):
            st.info(claim, icon=":material/format_quote:")
        else:
            st.error(claim, icon=":material/close:")
    with right:
        st.markdown("**What is true**")
        st.success(truth, icon=":material/check:")


def _param_details(p: catalog.Param) -> None:
    st.markdown(f"**{p.summary}**")
    st.markdown(p.explanation)
    if p.name in _PENALTIES:
        st.code(catalog.PENALTY_FORMULA, language="python")
    facts = [f"**Type** `{p.type}`", f"**Default** `{catalog.default_text(p)}`"]
    if p.range_text != "-":
        facts.insert(1, f"**Range** {p.range_text}")
    if p.requires:
        facts.append("**Requires** " + ", ".join(f"`{r}`" for r in p.requires))
    st.markdown(" · ".join(facts))
    if p.deprecated_by:
        st.warning(f"Deprecated: use `{p.deprecated_by}`.", icon=":material/history:")
    if p.cheatsheet_claim and p.correction:
        _claim_and_truth(p.cheatsheet_claim, p.correction)
    if p.demo:
        demo = p.demo
        st.markdown(f"**Try it: {demo.title}**")
        st.markdown(demo.what_to_look_for)
        st.caption("Base request (the app adds the model of the current endpoint)")
        st.code(_json(demo.base), language="json", wrap_lines=True)
        if demo.variants:
            st.caption("Variants, run side by side: only the fields that change")
            for i, (col, variant) in enumerate(
                zip(st.columns(len(demo.variants)), demo.variants, strict=True)
            ):
                with col:
                    st.caption(f"Variant {i + 1}")
                    st.code(_json(variant), language="json", wrap_lines=True)


def _field_details(f: catalog.ResponseField) -> None:
    st.markdown(f.meaning)
    st.markdown(f"**Type** `{f.type}` · **Python access**")
    st.code(f.access, language="python")
    if f.cheatsheet_claim and f.correction:
        _claim_and_truth(f.cheatsheet_claim, f.correction)


st.title("Reference")
st.write(
    "Every request parameter and response field of the Chat Completions API, "
    "with what the beginner cheatsheet gets wrong set right."
)
st.caption(
    "Values are written as the API's JSON spells them (null, true, false); "
    "in Python they are None, True and False."
)

query = st.text_input(
    "Search parameters and response fields",
    key="reference_search",
    placeholder="e.g. logit, json, finish_reason",
    help="Names match first; when no name matches, the descriptions are searched.",
)
found_params, found_fields = catalog.search(query or "")
found_extensions = extensions_matching(query or "")
if not found_params and not found_fields and not found_extensions:
    st.info("Nothing matches this search.", icon=":material/search_off:")

if found_params:
    st.header("Parameters")
    st.dataframe(pd.DataFrame(catalog.reference_rows(found_params)), hide_index=True)
    for p in found_params:
        label = p.name + (f" (deprecated: use {p.deprecated_by})" if p.deprecated_by else "")
        with st.expander(label, key=f"reference_param_{p.name}"):
            _param_details(p)

if found_fields:
    st.header("Response fields")
    st.dataframe(pd.DataFrame(catalog.response_rows(found_fields)), hide_index=True)
    for f in found_fields:
        with st.expander(f.path, key=f"reference_field_{f.path}"):
            _field_details(f)

if found_extensions:
    st.header("The embedded engine's extensions")
    st.caption(
        "What the embedded engine adds to the API to make a small model useful in a class. "
        "Other servers do not have these."
    )
    for e in found_extensions:
        with st.expander(e.title, key=f"reference_extension_{e.key}"):
            st.markdown(f"**{e.summary}**")
            st.markdown(e.explanation)
            st.caption(f"Field: {e.field}")

fixes = catalog.corrections(found_params, found_fields)
if fixes:
    st.header("Cheatsheet corrections")
    st.caption("Where the cheatsheet errs or leaves out what matters, and what is true.")
    st.markdown(
        "\n".join(
            f"- **`{name}`**  \n  *Cheatsheet:* “{claim}”  \n  *True:* {truth}"
            for name, claim, truth in fixes
        )
    )
