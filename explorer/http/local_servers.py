"""Popular OpenAI-compatible servers and where they listen by default: the one list.

The Connection page offers them as presets for a custom endpoint, and a refused
connection names their ports (`explorer.http.faults`).
"""

from __future__ import annotations

import httpx

__all__ = ["LOCAL_SERVERS", "USUAL_PORTS"]

# Each server's base URL with its default port.
LOCAL_SERVERS: dict[str, str] = {
    "Ollama": "http://localhost:11434/v1",
    "vLLM": "http://localhost:8000/v1",
    "LM Studio": "http://localhost:1234/v1",
    "llama.cpp server": "http://localhost:8080/v1",
}

# "Ollama 11434, vLLM 8000, ...": the ports as a refused connection's hint names them.
USUAL_PORTS = ", ".join(f"{name} {httpx.URL(url).port}" for name, url in LOCAL_SERVERS.items())
