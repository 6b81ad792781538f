"""Turning a messages array into the text a model reads.

A base model (like the bundled Gemma 3 270M) has no chat template: it only
continues text. So the messages become a plain transcript, one turn per line,
ending with an open "Assistant:" turn; generation stops where the model starts
the next turn on its own. A few-shot primer (`primer.py`) may come first. A
GGUF with a chat template gets that template, and no primer.

A transcript is rendered in parts: the primer, the tools, one part per turn and
the open assistant turn. The engine tokenizes and evaluates each part on its
own, so a run of whole parts at the start of a prompt has the same tokens and
the same KV values whether it was just computed or came from the prompt cache.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..api import Message, TextContentPart, ToolMessage, UserContentPart
from .primer import primer_text

__all__ = ["RenderedPrompt", "render_transcript", "render_template", "TURN_LABELS"]

TURN_LABELS = {
    "system": "System",
    "developer": "Developer",
    "user": "User",
    "assistant": "Assistant",
    "tool": "Tool",
}


@dataclass(frozen=True)
class RenderedPrompt:
    text: str  # what the model reads (without BOS, which the tokenizer adds)
    stops: tuple[str, ...]  # where a turn ends: internal stop sequences, never returned
    # Only a template's own markup may become control tokens; in a plain
    # transcript, "<bos>" typed by a learner stays text.
    parse_special: bool = False
    # The text cut at turn boundaries ("".join(parts) == text); one part for a template.
    parts: tuple[str, ...] = ()
    primer: str = ""  # the few-shot primer the text starts with, if any

    def __post_init__(self) -> None:
        if not self.parts:
            object.__setattr__(self, "parts", (self.text,))
        assert "".join(self.parts) == self.text, "parts must spell the text"


def _text(content: str | Sequence[UserContentPart] | None) -> str:
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    parts = []
    for part in content:  # content parts: only text reaches a text model
        if isinstance(part, TextContentPart):
            parts.append(part.text)
        else:
            parts.append(f"[{part.type} omitted: this model reads text only]")
    return "\n".join(parts)


def _name(message: Message) -> str | None:
    """The participant's name, if the message gives one (a tool message has none)."""
    return None if isinstance(message, ToolMessage) else message.name


def _turn(message: Message) -> str:
    label = TURN_LABELS[message.role]
    name = _name(message)
    if name:
        label = f"{label} ({name})"
    body = _text(message.content)
    if message.role == "assistant" and message.tool_calls:
        calls = "; ".join(f"{c.function.name}({c.function.arguments})" for c in message.tool_calls)
        body = (body + "\n" if body else "") + f"[calls {calls}]"
    if message.role == "tool":
        label = f"{label} ({message.tool_call_id})"
    return f"{label}: {body}"


def render_transcript(
    messages: Sequence[Message], *, tools: str = "", primer: bool = True
) -> RenderedPrompt:
    """Messages as a plain transcript with an open assistant turn, after the primer and tools."""
    head = primer_text(TURN_LABELS["user"], TURN_LABELS["assistant"]) if primer else ""
    parts = [p for p in (head, f"{tools}\n" if tools else "") if p]
    parts += [f"{_turn(m)}\n" for m in messages]
    parts.append("Assistant:")
    stops = tuple(f"\n{label}:" for label in TURN_LABELS.values())
    return RenderedPrompt("".join(parts), stops, parts=tuple(parts), primer=head)


def render_template(
    template: str, messages: Sequence[Message], bos_token: str, eos_token: str
) -> RenderedPrompt:
    """Messages through the model's own Jinja chat template (as llama.cpp's server does)."""
    import jinja2.sandbox  # imported here: only models with a template need it

    env = jinja2.sandbox.ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True)

    def raise_exception(message: str) -> None:
        raise ValueError(f"the model's chat template refused the messages: {message}")

    env.globals["raise_exception"] = raise_exception
    plain = [
        {"role": m.role, "content": _text(m.content)}
        | ({"name": name} if (name := _name(m)) else {})
        for m in messages
    ]
    text = env.from_string(template).render(
        messages=plain, add_generation_prompt=True, bos_token=bos_token, eos_token=eos_token
    )
    if bos_token and text.startswith(bos_token):
        text = text[len(bos_token) :]  # the tokenizer adds BOS itself
    return RenderedPrompt(text, (), parse_special=True)
