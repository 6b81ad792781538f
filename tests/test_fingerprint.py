"""system_fingerprint's inputs: what changes llama.cpp's numbers changes the fingerprint."""

from __future__ import annotations

import platform

import llama_cpp
import pytest

from explorer.engine import model
from explorer.engine.model import ModelSettings, cpu_features, llama_build


def test_cpu_features_are_those_the_build_reports() -> None:
    info = llama_cpp.llama_print_system_info().decode()
    features = cpu_features()
    assert features and list(features) == sorted(features)
    for feature in features:
        assert f"{feature} = 1" in info
    if platform.machine() in ("x86_64", "AMD64"):
        assert "AVX2" in features  # the native build and the fixed one both use it
    assert f"llama-cpp-python={llama_cpp.__version__}" in llama_build()


def test_other_cpu_features_or_cache_give_other_numerics(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings = ModelSettings("model.gguf")
    here = settings.numerics()
    assert ModelSettings("model.gguf").numerics() == here  # stable
    # Measured: 1 to 4 threads give the same logits, so the thread count is left out.
    assert ModelSettings("model.gguf", n_threads=4).numerics() == here
    assert ModelSettings("model.gguf", cache_slots=8).numerics() != here  # KV copies
    monkeypatch.setattr(model, "cpu_features", lambda: ("AVX", "AVX2", "F16C", "FMA"))
    assert settings.numerics() != here
