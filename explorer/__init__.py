"""Chat Completions Explorer: the library behind the app (never imports streamlit).

    api/       the API's models, the parameter catalog, validation errors as sentences
    http/      the client, its errors and the words for them, endpoints, tokenizers
    runs/      bounds, the one runner, comparisons, sweeps, share links, run history
    views/     the annotated response, code export, the logprobs view, charts
    lab/       the Sampling Lab's logic, the logit_bias editor
    sampling.py, schema_check.py   shared with the embedded engine
    engine/    the embedded OpenAI-compatible server

Each room imports only the rooms listed above it (import-linter contracts in
pyproject.toml).
"""

__version__ = "0.1.0"
