"""Variants run side by side, streamed live: Compare's machinery, shared with Lessons.

`run_live` sends every request of a comparison at once through
`explorer.runs.compare.stream_variants` (the one way variants run) and draws each
variant's text in its own column as it arrives.
"""

from __future__ import annotations

import json
import time
from contextlib import closing
from typing import Any

import streamlit as st

from explorer.runs.compare import (
    VARIANT_NAMES,
    Comparison,
    VariantResult,
    differences,
    stream_variants,
)

from . import presenter
from .connection_state import ActiveConnection
from .run import draw_texts, retry_box

__all__ = ["run_live", "variant_badges", "variant_header"]

_REDRAW_S = 0.05  # at most ~20 redraws a second per variant while streaming


def variant_badges(changed: dict[str, tuple[Any, Any]]) -> None:
    """What a variant changes, as badges ("same as base" when nothing)."""
    with st.container(horizontal=True, gap="small"):
        if not changed:
            st.badge("same as base", color="gray")
        for name, (before, after) in changed.items():
            shown = json.dumps(after, ensure_ascii=False)
            shown = shown if len(shown) <= 28 else shown[:27] + "…"
            st.badge(
                f"{name}: {shown}",
                icon=":material/change_circle:",
                color="orange",
                help=f"Base: {json.dumps(before, ensure_ascii=False)[:80]}",
            )


def variant_header(index: int, changed: dict[str, tuple[Any, Any]]) -> None:
    st.markdown(f"##### {VARIANT_NAMES[index]}")
    variant_badges(changed)


def run_live(
    active: ActiveConnection, comparison: Comparison, area: Any, *, key: str = "compare"
) -> list[VariantResult]:
    """Stream every variant at once into its own column of `area`; return the results.

    Containers are keyed `<key>_live_<i>`; the view scrolls to `<key>_output`
    in presenter mode.
    """
    # As this server needs them (max_tokens where max_completion_tokens is ignored).
    requests = [active.prepare(r) for r in comparison.requests(active.model)]
    changed = differences(comparison)
    texts: list[dict[int, str]] = [{} for _ in requests]
    results: dict[int, VariantResult] = {}
    with area:
        columns = st.columns(len(requests), gap="medium")
        slots = []
        for i, column in enumerate(columns):
            with column, st.container(key=f"{key}_live_{i}"):
                variant_header(i, changed[i])
                slots.append(st.empty())
                with slots[i].container():
                    draw_texts({}, waiting=True)
        presenter.scroll_here(f"{key}_output")
    drawn = [0.0] * len(requests)
    client = active.client()
    embedded = active.endpoint is not None and active.endpoint.embedded
    # A server that cuts one stream when another starts gets them one at a time.
    workers = 1 if active.sequential else None
    with closing(
        stream_variants(client, requests, embedded=embedded, max_workers=workers)
    ) as events:
        for event in events:
            i = event.variant
            if event.kind == "retry":  # shown until the variant's text starts
                with slots[i].container():
                    retry_box(event.text)
                    draw_texts(texts[i], waiting=True)
                continue
            if event.kind == "delta":
                texts[i][event.choice] = texts[i].get(event.choice, "") + event.text
                now = time.monotonic()
                if now - drawn[i] < _REDRAW_S:
                    continue
                drawn[i] = now
            elif event.result is not None:
                results[i] = event.result
            with slots[i].container():
                draw_texts(texts[i], waiting=i not in results)
    return [results[i] for i in sorted(results)]
