"""Did running a shared comparison again give its recorded outputs? And if not, why not.

A share link can name a stored run. Run again, the same requests with the same
seed give the same bytes on the same machine and build. Elsewhere they may not:
llama.cpp's arithmetic depends on the CPU features its build uses (AVX2,
AVX512, ...), so a seed draws from slightly different numbers. The embedded
engine's `system_fingerprint` hashes exactly what changes those numbers (the
model file, the engine's settings, the llama.cpp build and the CPU features it
computes with), so comparing fingerprints explains a difference, as it does
with OpenAI, whose seed is best effort too.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from .compare import VariantResult

__all__ = ["Reproduction", "compare_with_recorded"]

Verdict = Literal["same", "fingerprint_differs", "same_fingerprint", "no_fingerprint", "no_seed"]

_MEANING = (
    "A share link reproduces its outputs exactly on the same machine and build; elsewhere "
    "it is best effort, as OpenAI's seed is."
)


@dataclass(frozen=True)
class Reproduction:
    verdict: Verdict
    differing: tuple[int, ...]  # variant indexes whose text changed
    recorded: tuple[str, ...]  # the recorded run's fingerprints
    fresh: tuple[str, ...]  # this run's

    @property
    def same(self) -> bool:
        return self.verdict == "same"

    def sentence(self, names: Sequence[str]) -> str:
        """What a learner reads under the outputs."""
        which = ", ".join(names[i] if i < len(names) else str(i) for i in self.differing)
        if self.same:
            return (
                "Run again: every variant gave its recorded text byte for byte "
                f"(system_fingerprint {', '.join(self.fresh) or 'null'})."
            )
        label = "variant" if len(self.differing) == 1 else "variants"
        head = f"Other text than the recorded run, in {label} {which}."
        if self.verdict == "no_seed":
            return f"{head} These requests send no seed, so every run samples anew."
        if self.verdict == "fingerprint_differs":
            return (
                f"{head} The system_fingerprint differs: recorded "
                f"{', '.join(self.recorded) or 'null'}, now {', '.join(self.fresh) or 'null'}. "
                "It names what the numbers are computed with (the model file, the engine's "
                "settings, the llama.cpp build and the CPU features it uses), so with another "
                f"fingerprint the same seed can sample other text. {_MEANING}"
            )
        if self.verdict == "no_fingerprint":
            return (
                f"{head} The endpoint reports no system_fingerprint, so there is no telling "
                f"whether its backend changed. {_MEANING}"
            )
        return (
            f"{head} The system_fingerprint is the same ({', '.join(self.fresh)}): this "
            f"endpoint's seed is best effort even on one backend. {_MEANING}"
        )


def _fingerprints(results: Sequence[VariantResult]) -> tuple[str, ...]:
    return tuple(sorted({r.system_fingerprint for r in results if r.ok and r.system_fingerprint}))


def compare_with_recorded(
    recorded: Sequence[VariantResult], fresh: Sequence[VariantResult]
) -> Reproduction | None:
    """How a fresh run of a stored comparison compares with its recording.

    None when they cannot be compared: a variant failed or was cut, or the
    variants do not pair up.
    """
    if len(recorded) != len(fresh) or not all(r.ok for r in [*recorded, *fresh]):
        return None
    differing = tuple(
        new.index
        for old, new in zip(recorded, fresh, strict=True)
        if [c.text for c in old.choices] != [c.text for c in new.choices]
    )
    before, now = _fingerprints(recorded), _fingerprints(fresh)
    verdict: Verdict
    if not differing:
        verdict = "same"
    elif any(r.request.get("seed") is None for r in fresh):
        verdict = "no_seed"
    elif not before or not now:
        verdict = "no_fingerprint"
    elif before != now:
        verdict = "fingerprint_differs"
    else:
        verdict = "same_fingerprint"
    return Reproduction(verdict, differing, before, now)
