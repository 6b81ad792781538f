"""Reference: every request parameter and response field, the cheatsheet corrected.

Generated from the catalog (`explorer.api.catalog`); needs no endpoint and no key.
"""

from __future__ import annotations

import json

import pandas as pd
import streamlit as st

from explorer.api import catalog
from explorer.api.extensions import extensions_matching
from explorer.runs.compare import Comparison, SpecError
from explorer.runs.share import comparison_query
from ui.cheatsheet_example import response_example
from ui.param_doc import cheatsheet_check, param_doc

# The overview table's columns.
_OVERVIEW = ("name", "deprecated", "type", "range", "default", "embedded engine")


def _json(value: object) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False)


def _param_details(p: catalog.Param) -> None:
    param_doc(p, compact=False)
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
        _try_it(p.name, demo)


def _try_it(name: str, demo: catalog.Demo) -> None:
    """A link that opens the demo in Compare (or the Playground, for one request)."""
    if len(demo.variants) < 2:
        return  # Compare runs 2 to 4 variants; the request above is for the Playground
    try:
        comparison = Comparison(base=dict(demo.base), variants=[dict(v) for v in demo.variants])
        query = comparison_query(comparison)
    except (SpecError, ValueError):
        return  # a demo Compare cannot run (a test keeps every demo runnable)
    st.page_link(
        "app_pages/compare.py",
        label="Run it in Compare",
        icon=":material/compare_arrows:",
        query_params=query,
        help=f"Opens these variants of {name} in Compare, ready to run",
    )


def _field_details(f: catalog.ResponseField) -> None:
    st.markdown(f.meaning)
    st.markdown(f"**Type** `{f.type}` · **Python access**")
    st.code(f.access, language="python")
    if f.cheatsheet_claim and f.correction:
        cheatsheet_check(f.cheatsheet_claim, f.correction, side_by_side=True)


st.title("Reference")
st.write(
    "Every request parameter and response field of the Chat Completions API, "
    "with what the beginner cheatsheet gets wrong set right."
)
st.caption(
    "Values are written as the API's JSON spells them (null, true, false); "
    "in Python they are None, True and False."
)

# A link may open the page on one entry (?q=temperature, as Lessons link to it).
linked = str(st.query_params.get("q", ""))
if linked and st.session_state.get("reference_linked") != linked:
    st.session_state["reference_linked"] = linked
    st.session_state["reference_search"] = linked
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
    # A static table: its cells wrap, so nothing is cut on a 1280-pixel projector.
    # What a parameter requires and the models it applies to are in its expander.
    overview = pd.DataFrame(catalog.reference_rows(found_params))[list(_OVERVIEW)]
    st.table(overview.style.hide(axis="index"))
    for p in found_params:
        label = p.name + (f" ({catalog.deprecation_note(p)})" if p.deprecated else "")
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
    if not query:  # the example response is not one parameter: shown with the whole list
        with st.expander("The cheatsheet's example response", key="reference_cheatsheet_example"):
            response_example()
