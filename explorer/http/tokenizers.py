"""The endpoint's tokenizer: text -> (token id, piece), for the logit_bias editor and views.

The embedded engine and llama.cpp's server have a /tokenize route; for OpenAI
models tiktoken is used, but only when its encoding file is already on this
machine (tiktoken otherwise downloads it, which a classroom without internet
cannot). `visible` shows a token's text with its whitespace made visible.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Callable, MutableMapping
from dataclasses import dataclass
from typing import Any

from .client import ChatClient

__all__ = ["Tokenizer", "endpoint_tokenizer", "memoized", "tiktoken_offline", "visible"]

_SPACE = "␣"


def visible(piece: str) -> str:
    """A token's text with its whitespace shown: " Paris" -> "␣Paris", "\\n" -> "\\\\n"."""
    return piece.replace(" ", _SPACE).replace("\n", "\\n").replace("\t", "\\t").replace("\r", "\\r")


@dataclass(frozen=True)
class Tokenizer:
    """Text -> (token id, piece) pairs, and optionally id -> text, for one model."""

    name: str  # for the learner: "the endpoint's /tokenize", "tiktoken o200k_base"
    encode: Callable[[str], list[tuple[int, str]]]
    decode: Callable[[int], str] | None = None


def memoized(tokenizer: Tokenizer, cache: MutableMapping[Any, Any]) -> Tokenizer:
    """The same tokenizer, remembering answers in `cache` (e.g. a session's state)."""

    def encode(text: str) -> list[tuple[int, str]]:
        key = ("encode", tokenizer.name, text)
        if key not in cache:
            cache[key] = tokenizer.encode(text)
        result: list[tuple[int, str]] = cache[key]
        return result

    decode = None
    if tokenizer.decode is not None:
        inner = tokenizer.decode

        def decode(token_id: int) -> str:
            key = ("decode", tokenizer.name, token_id)
            if key not in cache:
                cache[key] = inner(token_id)
            result: str = cache[key]
            return result

    return Tokenizer(tokenizer.name, encode, decode)


# ---------------------------------------------------------------- tiktoken, offline only

# Where tiktoken keeps each encoding; it caches a download under sha1(url).
_TIKTOKEN_FILES = {
    "o200k_base": "https://openaipublic.blob.core.windows.net/encodings/o200k_base.tiktoken",
    "cl100k_base": "https://openaipublic.blob.core.windows.net/encodings/cl100k_base.tiktoken",
}


def _tiktoken_cache_file(url: str) -> str | None:
    # Mirrors tiktoken.load.read_file_cached, so we can tell "on disk" from "would download".
    if "TIKTOKEN_CACHE_DIR" in os.environ:
        folder = os.environ["TIKTOKEN_CACHE_DIR"]
    elif "DATA_GYM_CACHE_DIR" in os.environ:
        folder = os.environ["DATA_GYM_CACHE_DIR"]
    else:
        folder = os.path.join(tempfile.gettempdir(), "data-gym-cache")
    if not folder:
        return None  # caching switched off: tiktoken would always download
    return os.path.join(folder, hashlib.sha1(url.encode()).hexdigest())


def tiktoken_offline(model: str) -> tuple[Tokenizer | None, str]:
    """tiktoken's tokenizer for an OpenAI `model` if it loads without network, and a note.

    tiktoken downloads its encoding files on first use; this only uses one that
    is already cached, so the app never waits on a network it may not have.
    """
    try:
        import tiktoken
    except ImportError:
        return None, "tiktoken is not installed: enter token ids."
    try:
        encoding_name = tiktoken.encoding_name_for_model(model)
    except KeyError:
        encoding_name = "o200k_base"  # the encoding of every current OpenAI chat model
    url = _TIKTOKEN_FILES.get(encoding_name)
    path = _tiktoken_cache_file(url) if url else None
    if path is None or not os.path.exists(path):
        return None, (
            f"tiktoken's {encoding_name} file is not on this machine (it would have to be "
            "downloaded), so words cannot be looked up here: enter token ids, e.g. from "
            "OpenAI's online tokenizer page."
        )
    try:
        encoding = tiktoken.get_encoding(encoding_name)
    except Exception as exc:  # a corrupt cache file, a changed tiktoken: ids only
        return None, f"tiktoken could not load {encoding_name} ({exc}): enter token ids."

    def encode(text: str) -> list[tuple[int, str]]:
        ids = encoding.encode(text, disallowed_special=())
        return [
            (i, encoding.decode_single_token_bytes(i).decode("utf-8", "backslashreplace"))
            for i in ids
        ]

    def decode(token_id: int) -> str:
        return encoding.decode_single_token_bytes(token_id).decode("utf-8", "backslashreplace")

    return Tokenizer(f"tiktoken {encoding_name}", encode, decode), (
        f"Words are looked up with tiktoken's {encoding_name}, the tokenizer of {model}."
    )


def endpoint_tokenizer(
    client: ChatClient, *, openai_model: str | None = None
) -> tuple[Tokenizer | None, str]:
    """The tokenizer for the model behind `client`, and a note for the learner.

    OpenAI has no tokenizer endpoint: pass `openai_model` to use tiktoken (offline
    only). Other endpoints get their llama.cpp-style /tokenize, which the embedded
    engine and llama.cpp's server have; on servers without it (Ollama, LM Studio,
    vLLM) the first lookup fails and the plan falls back to token ids with a note.
    """
    if openai_model is not None:
        return tiktoken_offline(openai_model)
    return (
        Tokenizer(
            f"the endpoint's tokenizer ({client.root_url}/tokenize)",
            client.tokenize,
            lambda token_id: client.detokenize([token_id]),
        ),
        "",
    )
