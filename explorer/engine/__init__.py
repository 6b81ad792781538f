"""The embedded OpenAI-compatible engine: llama.cpp behind the Chat Completions API.

`python -m explorer.engine` serves it; `explorer.engine.launcher` starts it for
the app. Only `explorer.engine.model` imports llama_cpp.
"""
