"""The catalog against the installed official SDK: nothing the SDK knows goes untaught.

The request parameters come from `completion_create_params`, the response
fields from the pydantic models `ChatCompletion`, `ChatCompletionChunk` and
`CompletionUsage`, all read from the SDK's own types (not copied here). After
an SDK upgrade these tests name every parameter or field the app has not
documented yet.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Iterator

import pytest
from openai.types.chat import ChatCompletion, ChatCompletionChunk, completion_create_params
from openai.types.completion_usage import CompletionUsage
from pydantic import BaseModel

from explorer.params import CHUNK_FIELDS, PARAMS, RESPONSE_FIELDS, ResponseField

# Fields the SDK's models carry that are not part of the wire format.
_NOT_ON_THE_WIRE = frozenset({"model_config", "model_fields"})


def _models_in(annotation: object) -> Iterator[tuple[type[BaseModel], bool]]:
    """The pydantic models an annotation holds, each with whether it sits in a list."""
    origin = typing.get_origin(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield annotation, False
    elif origin in (list, typing.List):  # noqa: UP006 - the SDK may spell it either way
        for inner in typing.get_args(annotation):
            for model, _ in _models_in(inner):
                yield model, True
    elif origin in (typing.Union, types.UnionType, typing.Annotated):
        for inner in typing.get_args(annotation):
            yield from _models_in(inner)


def _paths(
    model: type[BaseModel], prefix: str = "", seen: frozenset[type] = frozenset()
) -> set[str]:
    """Every wire path of `model`, as the catalog spells them ("choices[].message.role")."""
    out: set[str] = set()
    for name, info in model.model_fields.items():
        wire = info.alias or name
        if wire in _NOT_ON_THE_WIRE:
            continue
        path = f"{prefix}{wire}"
        out.add(path)
        for inner, listed in _models_in(info.annotation):
            if inner in seen:
                continue
            out |= _paths(inner, f"{path}{'[]' if listed else ''}.", seen | {model})
    return out


def _undocumented(sdk_paths: set[str], fields: tuple[ResponseField, ...]) -> list[str]:
    """SDK paths the catalog neither lists nor names in a parent's `subfields`.

    A catalog entry with no listed parts and no entries below it documents its
    object whole (`annotations` items ...); one that lists parts or has entries
    below it must account for every part.
    """
    by_path = {f.path.replace("[]", ""): f for f in fields}
    missing = []
    for path in sorted(sdk_paths):
        flat = path.replace("[]", "")
        if flat in by_path or any(p.startswith(flat + ".") for p in by_path):
            continue  # listed, or a container whose parts are listed
        parts = flat.split(".")
        for depth in range(len(parts) - 1, 0, -1):
            parent = ".".join(parts[:depth])
            if parent not in by_path:
                continue
            entry = by_path[parent]
            below = any(p.startswith(parent + ".") for p in by_path)
            if parts[depth] in entry.subfields or (not entry.subfields and not below):
                break
            missing.append(path)
            break
        else:
            missing.append(path)
    return missing


def _sdk_parameters() -> set[str]:
    """Every key of the SDK's request (the streaming variant adds `stream` to the base)."""
    typed = completion_create_params.CompletionCreateParamsStreaming
    return set(typed.__required_keys__) | set(typed.__optional_keys__)


def test_every_request_parameter_of_the_sdk_is_in_the_catalog() -> None:
    known = _sdk_parameters()
    assert {"messages", "model", "stream", "temperature"} <= known, "the SDK could not be read"
    assert sorted(known - set(PARAMS)) == []


def test_the_catalog_names_no_parameter_the_sdk_lacks() -> None:
    assert sorted(set(PARAMS) - _sdk_parameters()) == []


@pytest.mark.parametrize(
    ("model", "fields"),
    [
        (ChatCompletion, RESPONSE_FIELDS),
        (ChatCompletionChunk, RESPONSE_FIELDS + CHUNK_FIELDS),
    ],
    ids=["ChatCompletion", "ChatCompletionChunk"],
)
def test_every_response_field_of_the_sdk_is_documented(
    model: type[BaseModel], fields: tuple[ResponseField, ...]
) -> None:
    paths = _paths(model)
    assert "choices" in paths and "id" in paths, "the SDK's fields could not be read"
    assert _undocumented(paths, fields) == []


def test_every_usage_count_of_the_sdk_is_documented() -> None:
    paths = {f"usage.{p}" for p in _paths(CompletionUsage)}
    assert "usage.prompt_tokens_details.cached_tokens" in paths
    assert _undocumented(paths, RESPONSE_FIELDS) == []


def test_the_check_names_what_is_missing() -> None:
    """The coverage check itself: a field the catalog lacks is reported, by path."""

    class Extra(BaseModel):
        depth: int

    class Probe(BaseModel):
        id: str
        new_field: int
        usage: Extra

    fields = (
        ResponseField("id", "string", "", ""),
        ResponseField("usage", "object", "", "", subfields=("tokens",)),
    )
    assert _undocumented(_paths(Probe), fields) == ["new_field", "usage.depth"]
