"""Share links: a whole comparison or sweep in the URL's query string, and back.

    ?v=1&c=<spec>              a comparison, on the Compare page
    ?v=1&s=<spec>              a sweep, on the Sweep page
    &run=<id>                  optional: a stored run whose outputs the page shows

`v` is the link format's version. `<spec>` is the comparison's (or sweep's)
JSON, deflated and written in URL-safe base64 without padding: compact, and
safe in any chat tool or LMS. The JSON is exactly `Comparison.canonical()` or
`Sweep.canonical()`, so a link is validated by the same models (and the same
catalog ranges and app bounds) as the form. The app needs no server-side state
to open one: any replica restores every control from the URL alone.

Keys never enter a link: the models have no field for one, and building a link
refuses a spec in which a known secret or anything shaped like an API key
appears (say, pasted into a message).

Opening never raises. `parse_link` returns a `ParsedLink` whose `spec` is
always usable: the link's own when it is valid, otherwise the safe default
together with an `error` sentence for the page to show. Sizes are checked
before any work (characters of the query value, bytes after inflating, JSON
depth), so a truncated, bit-flipped, oversized or hand-edited link costs
nothing and explains itself.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urlencode

from ..http.redaction import contains_secret
from .compare import Comparison, SpecError, parse_comparison
from .history import is_run_id
from .sweep import Sweep, parse_sweep

__all__ = [
    "LINK_VERSION",
    "MAX_JSON_BYTES",
    "MAX_SPEC_CHARS",
    "ParsedLink",
    "comparison_query",
    "decode_spec",
    "encode_spec",
    "link_url",
    "parse_link",
    "sweep_query",
]

LINK_VERSION = 1
# Longest `c`/`s` value accepted: links stay short enough for chat tools and LMSs.
MAX_SPEC_CHARS = 8_000
# Largest JSON a spec may inflate to (a deflate bomb stops here).
MAX_JSON_BYTES = 64_000
_MAX_DEPTH = 32
_B64 = re.compile(r"^[A-Za-z0-9_-]*$")

Kind = Literal["compare", "sweep"]
_PARAM: dict[str, str] = {"compare": "c", "sweep": "s"}
_WHAT: dict[str, str] = {"compare": "comparison", "sweep": "sweep"}


# ---------------------------------------------------------------- encoding


def encode_spec(data: Mapping[str, Any]) -> str:
    """JSON -> deflate -> URL-safe base64 without padding."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    packed = zlib.compress(text.encode("utf-8"), 9)
    return base64.urlsafe_b64encode(packed).decode("ascii").rstrip("=")


def _depth(value: Any, limit: int) -> int:
    """Nesting depth of JSON data, stopping early past `limit`."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    deepest = 0
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        if deepest > limit:
            return deepest
        if isinstance(node, dict):
            stack.extend((v, depth + 1) for v in node.values())
        elif isinstance(node, list):
            stack.extend((v, depth + 1) for v in node)
    return deepest


def decode_spec(token: str) -> dict[str, Any]:
    """The JSON object in a link's spec; raises SpecError saying what is wrong with it."""
    if len(token) > MAX_SPEC_CHARS:
        raise SpecError(
            [f"The link is too long ({len(token)} characters; at most {MAX_SPEC_CHARS})."]
        )
    if not token.strip():
        raise SpecError(["The link's data is empty: it was probably cut off when copied."])
    if not _B64.match(token):
        raise SpecError(["The link's data is damaged: it has characters a link never contains."])
    try:
        packed = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except (binascii.Error, ValueError):
        raise SpecError(["The link's data is damaged (it may have been cut off)."]) from None
    inflater = zlib.decompressobj()
    try:
        raw = inflater.decompress(packed, MAX_JSON_BYTES + 1)
    except zlib.error:
        raise SpecError(["The link's data is damaged (it may have been cut off)."]) from None
    if len(raw) > MAX_JSON_BYTES or inflater.unconsumed_tail:
        raise SpecError([f"The link's data is larger than {MAX_JSON_BYTES} bytes."])
    if not inflater.eof or inflater.unused_data:
        raise SpecError(["The link's data is incomplete: it was probably cut off when copied."])
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise SpecError(["The link's data is damaged: it is not valid JSON."]) from None
    if not isinstance(data, dict):
        raise SpecError(["The link's data is not a comparison or sweep."])
    if _depth(data, _MAX_DEPTH) > _MAX_DEPTH:
        raise SpecError(["The link's data is nested too deeply."])
    return data


def _query(
    kind: Kind,
    canonical: dict[str, Any],
    run_id: str | None,
    secrets: Sequence[str | None],
) -> dict[str, str]:
    text = json.dumps(canonical, ensure_ascii=False)
    if contains_secret(text, secrets):
        raise SpecError(
            [
                "This contains what looks like an API key (in a message, perhaps): "
                "remove it, since a share link must never carry a key."
            ]
        )
    token = encode_spec(canonical)
    if len(token) > MAX_SPEC_CHARS:
        raise SpecError(
            [f"Too large to share as a link ({len(token)} characters; at most {MAX_SPEC_CHARS})."]
        )
    query = {"v": str(LINK_VERSION), _PARAM[kind]: token}
    if run_id:
        if not is_run_id(run_id):
            raise ValueError(f"not a run id: {run_id!r}")
        query["run"] = run_id
    return query


def comparison_query(
    comparison: Comparison, *, run_id: str | None = None, secrets: Sequence[str | None] = ()
) -> dict[str, str]:
    """The query parameters of a link to `comparison` (and optionally a stored run).

    Raises SpecError when it cannot be shared (a key in it, too large).
    """
    return _query("compare", comparison.canonical(), run_id, secrets)


def sweep_query(
    sweep: Sweep, *, run_id: str | None = None, secrets: Sequence[str | None] = ()
) -> dict[str, str]:
    """The query parameters of a link to `sweep` (and optionally a stored run)."""
    return _query("sweep", sweep.canonical(), run_id, secrets)


def link_url(page_url: str, query: Mapping[str, str]) -> str:
    """The full link: the page's URL (no query) with the query string."""
    return page_url.split("?", 1)[0].split("#", 1)[0] + "?" + urlencode(query)


# ---------------------------------------------------------------- parsing


@dataclass(frozen=True)
class ParsedLink:
    """What a URL asked for; `spec` is always valid (the default when `error` is set)."""

    kind: Kind
    spec: Comparison | Sweep
    present: bool = False  # the URL held a link for this page at all
    run_id: str | None = None
    error: str | None = None  # a sentence for the page; None when the link is fine

    @property
    def ok(self) -> bool:
        return self.present and self.error is None


def _one(query: Mapping[str, Any], name: str) -> str | None:
    """A single query value; SpecError when the key is repeated or not text."""
    if name not in query:
        return None
    value = query[name]
    if isinstance(value, (list, tuple)):
        if len(value) != 1:
            raise SpecError([f"The link names {name!r} {len(value)} times; it should once."])
        value = value[0]
    if not isinstance(value, str):
        raise SpecError([f"The link's {name!r} is not text."])
    return value


def parse_link(
    query: Mapping[str, Any],
    kind: Kind = "compare",
    *,
    default: Comparison | Sweep | None = None,
) -> ParsedLink:
    """Read a page's query parameters; never raises.

    Without a link for this page, returns the default (present=False, no
    error). A link that cannot be used returns the default with `error`: a
    sentence that says what is wrong and that defaults are shown instead.
    A malformed run id is dropped with an error; whether the run exists is the
    history's business.
    """
    fallback = default if default is not None else _default(kind)
    try:
        token = _one(query, _PARAM[kind])
        run = _one(query, "run")
        version = _one(query, "v")
    except SpecError as exc:
        return ParsedLink(kind, fallback, True, None, _sorry(exc))
    if token is None:
        other = next(k for k in _PARAM if k != kind)
        if _PARAM[other] in query:  # a link for the other page, opened here
            return ParsedLink(
                kind,
                fallback,
                True,
                None,
                f"This link holds a {_WHAT[other]} ({_PARAM[other]}=...): open it on the "
                f"{other.capitalize()} page. This page shows its default settings instead.",
            )
        return ParsedLink(kind, fallback, False)
    try:
        if version is None:
            raise SpecError(["The link has no version (v=1)."])
        if version.strip() != str(LINK_VERSION):
            raise SpecError(
                [
                    f"The link uses format v={version[:10]!r}; this app reads v={LINK_VERSION}. "
                    "It may come from a newer version of the app."
                ]
            )
        data = decode_spec(token)
        spec: Comparison | Sweep = (
            parse_comparison(data) if kind == "compare" else parse_sweep(data)
        )
    except SpecError as exc:
        return ParsedLink(kind, fallback, True, None, _sorry(exc))
    except Exception as exc:  # never a traceback on a page, whatever the link holds
        return ParsedLink(
            kind, fallback, True, None, _sorry(SpecError([f"Unreadable ({type(exc).__name__})."]))
        )
    if run is not None and not is_run_id(run):
        return ParsedLink(
            kind,
            spec,
            True,
            None,
            "The link's run id is damaged, so no recorded outputs can be shown; the "
            "settings were restored.",
        )
    return ParsedLink(kind, spec, True, run)


def _sorry(exc: SpecError) -> str:
    detail = " ".join(exc.problems[:3])
    if len(detail) > 400:
        detail = detail[:399] + "…"
    return f"This link could not be opened: {detail} The page shows its default settings instead."


def _default(kind: Kind) -> Comparison | Sweep:
    if kind == "compare":
        from .compare import presets

        return presets()[0].comparison
    from .sweep import default_sweep

    return default_sweep()
