"""View code: the exact request as a runnable Python (openai SDK), httpx or curl snippet.

Every snippet sends `request.payload()`, i.e. only the fields that were set, to
the active endpoint's base URL, and prints the answer's text (a streamed one
delta by delta as it arrives). A key is never written into a snippet: when the
endpoint needs one, the snippet reads it from the OPENAI_API_KEY environment
variable; when it needs none (the embedded engine, a local server without a
key), the SDK still wants some string, so it gets a placeholder.

Python values are written as Python spells them (True, False, None), not as JSON.
"""

from __future__ import annotations

import json
import shlex
from typing import Any

from ..api.catalog import PARAMS
from ..api.models import ChatCompletionRequest

__all__ = [
    "KEY_ENV",
    "KEY_PLACEHOLDER",
    "SDK_ARGUMENTS",
    "curl",
    "python_httpx",
    "python_literal",
    "python_sdk",
    "snippets",
]

KEY_ENV = "OPENAI_API_KEY"
KEY_PLACEHOLDER = "not-needed"

# Request fields `client.chat.completions.create()` takes as keyword arguments;
# anything else (engine extensions such as `explain`) goes through extra_body.
# The catalog lists exactly the API's request parameters, each an SDK keyword.
SDK_ARGUMENTS = frozenset(PARAMS)

_WIDTH = 88  # a container that fits on one line up to here stays on one line
_INDENT = "    "


def _python_str(text: str) -> str:
    # A JSON string is a valid Python string literal with the same value; keep
    # non-ASCII readable unless the text holds lone surrogates (not encodable).
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return json.dumps(text)
    return json.dumps(text, ensure_ascii=False)


def _flat(value: Any) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_python_str(str(k))}: {_flat(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_flat(v) for v in value) + "]"
    return _scalar(value)


def _scalar(value: Any) -> str:
    if value is None or isinstance(value, bool):
        return repr(value)  # None, True, False
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return _python_str(value)
    raise TypeError(f"cannot write {type(value).__name__} as a Python literal")


def python_literal(value: Any, indent: int = 0) -> str:
    """`value` (JSON-like data) as Python source, indented `indent` levels.

    Containers that fit on one line stay on one line; others get one item a line.
    """
    flat = _flat(value)
    if not isinstance(value, dict | list | tuple) or not value:
        return flat
    if len(_INDENT * indent) + len(flat) <= _WIDTH and "\n" not in flat:
        return flat
    inner = _INDENT * (indent + 1)
    if isinstance(value, dict):
        items = [
            f"{inner}{_python_str(str(k))}: {python_literal(v, indent + 1)},"
            for k, v in value.items()
        ]
        return "{\n" + "\n".join(items) + "\n" + _INDENT * indent + "}"
    items = [f"{inner}{python_literal(v, indent + 1)}," for v in value]
    return "[\n" + "\n".join(items) + "\n" + _INDENT * indent + "]"


def _choices(payload: dict[str, Any]) -> int:
    n = payload.get("n")
    return n if isinstance(n, int) else 1


def _url(base_url: str) -> str:
    return base_url.rstrip("/") + "/chat/completions"


# ---------------------------------------------------------------- openai SDK


def python_sdk(request: ChatCompletionRequest, base_url: str, *, needs_key: bool) -> str:
    """The request through the official `openai` SDK (`pip install openai`)."""
    payload = request.payload()
    streaming = payload.get("stream") is True
    arguments = {k: v for k, v in payload.items() if k in SDK_ARGUMENTS}
    extra = {k: v for k, v in payload.items() if k not in SDK_ARGUMENTS}

    lines = (
        ["import os", "", "from openai import OpenAI", ""]
        if needs_key
        else [
            "from openai import OpenAI",
            "",
        ]
    )
    lines.append("client = OpenAI(")
    lines.append(f"    base_url={_python_str(base_url)},")
    if needs_key:
        lines.append(f'    api_key=os.environ["{KEY_ENV}"],')
    else:
        lines.append(f"    api_key={_python_str(KEY_PLACEHOLDER)},  # this endpoint needs no key")
    lines += [")", ""]

    target = "stream" if streaming else "completion"
    lines.append(f"{target} = client.chat.completions.create(")
    for name, value in arguments.items():
        lines.append(f"    {name}={python_literal(value, 1)},")
    if extra:
        lines.append("    # Not part of the OpenAI API: sent as extra JSON fields.")
        lines.append(f"    extra_body={python_literal(extra, 1)},")
    lines += [")", ""]

    n = _choices(payload)
    if streaming and n == 1:
        lines += [
            "for chunk in stream:",
            "    # The last chunk of a stream with include_usage has no choices.",
            "    if chunk.choices and chunk.choices[0].delta.content:",
            '        print(chunk.choices[0].delta.content, end="", flush=True)',
            "print()",
        ]
    elif streaming:
        lines += [
            "# With n > 1 the choices' chunks arrive interleaved: collect them by index.",
            "texts = {}",
            "for chunk in stream:",
            "    for choice in chunk.choices:",
            '        text = choice.delta.content or ""',
            '        texts[choice.index] = texts.get(choice.index, "") + text',
            "for index, text in sorted(texts.items()):",
            '    print(f"--- choice {index}")',
            "    print(text)",
        ]
    elif n == 1:
        lines.append("print(completion.choices[0].message.content)")
        if "tools" in payload:
            lines.append(
                "print(completion.choices[0].message.tool_calls)  # calls for your code to run"
            )
    else:
        lines += [
            "for choice in completion.choices:",
            '    print(f"--- choice {choice.index}")',
            "    print(choice.message.content)",
        ]
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- httpx


def python_httpx(request: ChatCompletionRequest, base_url: str, *, needs_key: bool) -> str:
    """The same request as a plain HTTP POST with httpx (`pip install httpx`)."""
    payload = request.payload()
    streaming = payload.get("stream") is True
    n = _choices(payload)
    imports = []
    if streaming:
        imports.append("import json")
    if needs_key:
        imports.append("import os")
    lines = [*imports, "", "import httpx", ""] if imports else ["import httpx", ""]

    call_args = [f"    {_python_str(_url(base_url))},"]
    if needs_key:
        call_args.append(
            f'    headers={{"Authorization": f"Bearer {{os.environ[\'{KEY_ENV}\']}}"}},'
        )
    call_args.append(f"    json={python_literal(payload, 1)},")
    call_args.append("    timeout=120,")

    if not streaming:
        lines.append("response = httpx.post(")
        lines += call_args
        lines += [
            ")",
            "if response.is_error:",
            '    raise SystemExit(f"{response.status_code}: {response.text}")',
            "completion = response.json()",
        ]
        if n == 1:
            lines.append('print(completion["choices"][0]["message"]["content"])')
        else:
            lines += [
                'for choice in completion["choices"]:',
                "    print(f\"--- choice {choice['index']}\")",
                '    print(choice["message"]["content"])',
            ]
        return "\n".join(lines) + "\n"

    lines.append("with httpx.stream(")
    lines.append('    "POST",')
    lines += call_args
    lines += [
        ") as response:",
        "    if response.is_error:",
        '        raise SystemExit(f"{response.status_code}: {response.read().decode()}")',
    ]
    if n > 1:
        lines.append(
            "    texts = {}  # with n > 1 the choices arrive interleaved: collect by index"
        )
    lines += [
        "    for line in response.iter_lines():",
        '        # Server-sent events: "data: {json}" lines, the last one "data: [DONE]".',
        '        if not line.startswith("data:"):',
        "            continue",
        "        data = line[5:].strip()",
        '        if data == "[DONE]":',
        "            break",
        "        chunk = json.loads(data)",
        '        if "error" in chunk:',
        '            raise SystemExit(chunk["error"]["message"])',
        '        for choice in chunk["choices"]:',
    ]
    if n == 1:
        lines += [
            '            print(choice["delta"].get("content") or "", end="", flush=True)',
            "print()",
        ]
    else:
        lines += [
            '            index = choice["index"]',
            '            text = choice["delta"].get("content") or ""',
            '            texts[index] = texts.get(index, "") + text',
            "for index, text in sorted(texts.items()):",
            '    print(f"--- choice {index}")',
            "    print(text)",
        ]
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- curl


def curl(request: ChatCompletionRequest, base_url: str, *, needs_key: bool) -> str:
    """The same request with curl in a POSIX shell; it prints the raw JSON (or SSE) answer."""
    payload = request.payload()
    streaming = payload.get("stream") is True
    where = (
        ".choices[0].message.content" if not streaming else "each chunk's .choices[0].delta.content"
    )
    lines = [
        f"# Prints the raw {'events' if streaming else 'JSON'}; the text is at {where}.",
        f"curl {shlex.quote(_url(base_url))} \\",
        '  -H "Content-Type: application/json" \\',
    ]
    if needs_key:
        lines.append(f'  -H "Authorization: Bearer ${KEY_ENV}" \\')
    if streaming:
        lines.append("  --no-buffer \\")
    # The body comes from a quoted here-document: the shell expands nothing in it,
    # so quotes and dollars in the messages need no escaping.
    lines.append("  --data-binary @- <<'JSON'")
    lines.append(json.dumps(payload, indent=2, ensure_ascii=False))
    lines.append("JSON")
    return "\n".join(lines) + "\n"


def snippets(request: ChatCompletionRequest, base_url: str, *, needs_key: bool) -> dict[str, str]:
    """All three snippets, by tab title."""
    return {
        "Python (openai SDK)": python_sdk(request, base_url, needs_key=needs_key),
        "Python (httpx)": python_httpx(request, base_url, needs_key=needs_key),
        "curl": curl(request, base_url, needs_key=needs_key),
    }
