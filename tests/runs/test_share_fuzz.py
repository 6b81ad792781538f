"""500 seeded random mutations of valid links: opening any of them never raises.

Mutations: truncation, bit flips (in the text of the link and in its deflated
bytes), wrong types and huge values swapped into the JSON, and query-level
damage (versions, repeated keys, run ids). Every outcome must be a usable spec:
the link's own when it is still valid (and then it round-trips), else the
default with a short error sentence.
"""

from __future__ import annotations

import base64
import copy
import json
import random
import zlib
from typing import Any

import pytest

from explorer.runs.compare import Comparison, presets
from explorer.runs.share import comparison_query, parse_link, sweep_query
from explorer.runs.sweep import Sweep, default_sweep

SEED = 20240611
MUTATIONS = 500


def _links() -> list[tuple[str, dict[str, str]]]:
    links: list[tuple[str, dict[str, str]]] = [
        ("compare", comparison_query(p.comparison, run_id="AAAAbbbbCCCC")) for p in presets()
    ]
    sweep = default_sweep()
    links.append(("sweep", sweep_query(sweep)))
    links.append(
        ("sweep", sweep_query(Sweep.model_validate({**sweep.canonical(), "mode": "n", "steps": 3})))
    )
    return links


def _token(data: Any) -> str:
    raw = json.dumps(data, allow_nan=True).encode()
    return base64.urlsafe_b64encode(zlib.compress(raw)).decode().rstrip("=")


def _decoded(token: str) -> Any:
    return json.loads(zlib.decompress(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))))


_HUGE: list[Any] = [
    10**30,
    -(10**30),
    1e308,
    -1e308,
    float("nan"),
    float("inf"),
    "x" * 70_000,
    ["y"] * 5000,
    {str(i): i for i in range(2000)},
    2**63,
]
_WRONG: list[Any] = [None, True, False, 0, -1, 1.5, "", "7", "true", [], {}, [1, "a"], {"a": None}]


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(node, dict):
        for k, v in node.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out += _paths(v, (*prefix, i))
    return out


def _replace(data: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    data = copy.deepcopy(data)
    node = data
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value
    return data


def mutate(rng: random.Random, kind: str, query: dict[str, str]) -> dict[str, Any]:
    name = "c" if "c" in query else "s"
    token = query[name]
    q: dict[str, Any] = dict(query)
    choice = rng.randrange(9)
    if choice == 0:  # truncation, as when a link is cut in a chat message
        q[name] = token[: rng.randrange(len(token))]
    elif choice == 1:  # flipped bits in the characters of the link
        chars = bytearray(token.encode())
        for _ in range(rng.randint(1, 4)):
            chars[rng.randrange(len(chars))] ^= 1 << rng.randrange(7)
        q[name] = chars.decode("latin-1")
    elif choice == 2:  # flipped bits in the deflated bytes, re-encoded cleanly
        packed = bytearray(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        for _ in range(rng.randint(1, 3)):
            packed[rng.randrange(len(packed))] ^= 1 << rng.randrange(8)
        q[name] = base64.urlsafe_b64encode(bytes(packed)).decode().rstrip("=")
    elif choice in (3, 4):  # a wrong type anywhere in the JSON
        data = _decoded(token)
        path = rng.choice(_paths(data))
        q[name] = _token(_replace(data, path, rng.choice(_WRONG)))
    elif choice == 5:  # a huge value anywhere in the JSON
        data = _decoded(token)
        path = rng.choice(_paths(data))
        q[name] = _token(_replace(data, path, rng.choice(_HUGE)))
    elif choice == 6:  # an unknown key somewhere
        data = _decoded(token)
        dicts = [p for p in _paths(data) if isinstance(_get(data, p), dict)]
        path = rng.choice(dicts)
        target = copy.deepcopy(_get(data, path))
        target[rng.choice(["api_key", "explain", "model", "stream", "zz", ""])] = rng.choice(
            _WRONG + [5]
        )
        q[name] = _token(_replace(data, path, target))
    elif choice == 7:  # query-level damage
        damage = rng.randrange(5)
        if damage == 0:
            q["v"] = rng.choice(["", "0", "2", "1.0", " 1", "v1", "9" * 50])
        elif damage == 1:
            q.pop("v")
        elif damage == 2:
            q[name] = [token, token[:10]]
        elif damage == 3:
            q["run"] = rng.choice(["", "a", "x" * 100, "../../etc", "ok-but-<b>", "AAAAbbbbCCCC"])
        else:
            q["v"] = ["1", "1"]
    else:  # random bytes that are valid base64
        blob = bytes(rng.randrange(256) for _ in range(rng.randint(0, 300)))
        q[name] = base64.urlsafe_b64encode(blob).decode().rstrip("=")
    return q


def _get(data: Any, path: tuple[Any, ...]) -> Any:
    for part in path:
        data = data[part]
    return data


def test_random_mutations_never_raise() -> None:
    rng = random.Random(SEED)
    links = _links()
    outcomes = {"ok": 0, "error": 0}
    for _ in range(MUTATIONS):
        kind, query = rng.choice(links)
        mutated = mutate(rng, kind, query)
        parsed = parse_link(mutated, kind)  # type: ignore[arg-type]
        model = Comparison if kind == "compare" else Sweep
        assert isinstance(parsed.spec, model)
        # Whatever came back is valid by the same model the form uses.
        assert model.model_validate(parsed.spec.canonical()) == parsed.spec
        if parsed.error is None:
            outcomes["ok"] += 1
            again = (comparison_query if kind == "compare" else sweep_query)(parsed.spec)  # type: ignore[arg-type]
            assert parse_link(again, kind).spec == parsed.spec  # type: ignore[arg-type]
        else:
            outcomes["error"] += 1
            assert len(parsed.error) < 700
            assert "Traceback" not in parsed.error
    # The mutations exercised both paths, mostly the error one.
    assert outcomes["error"] > MUTATIONS // 2
    assert outcomes["ok"] > 10


@pytest.mark.parametrize("kind", ["compare", "sweep"])
def test_garbage_queries_never_raise(kind: str) -> None:
    rng = random.Random(SEED + 1)
    for _ in range(50):
        query = {
            rng.choice(["v", "c", "s", "run", "x"]): rng.choice(
                ["", "1", "\x00", "é" * 10, "A" * 9000, ["1", "2"], [], 5, None]
            )
            for _ in range(rng.randint(0, 4))
        }
        parsed = parse_link(query, kind)  # type: ignore[arg-type]
        assert isinstance(parsed.spec, Comparison if kind == "compare" else Sweep)
