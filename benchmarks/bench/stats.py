"""Summaries of timing samples: medians and spreads, because one number from a shared machine lies."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass

import numpy as np


@dataclass(frozen=True)
class Summary:
    """Percentiles of a sample of durations, in milliseconds (or of any other unit, said by the caller)."""

    n: int
    p50: float
    p95: float
    p05: float
    iqr: float  # p75 - p25: the spread of the middle half
    mean: float
    max: float

    @classmethod
    def of(cls, samples: Sequence[float]) -> Summary:
        values = np.asarray(samples, dtype=np.float64)
        if values.size == 0:
            return cls(0, *([float("nan")] * 6))
        p05, p25, p50, p75, p95 = np.percentile(values, [5, 25, 50, 75, 95])
        return cls(int(values.size), float(p50), float(p95), float(p05), float(p75 - p25),
                   float(values.mean()), float(values.max()))

    def to_dict(self, digits: int = 3) -> dict:
        return {k: (round(v, digits) if isinstance(v, float) else v) for k, v in asdict(self).items()}

    def __str__(self) -> str:
        return f"p50 {self.p50:.1f} · p95 {self.p95:.1f} (IQR {self.iqr:.1f}, n={self.n})"


def timed_ms(call: Callable[[], object]) -> float:
    """Wall time of one call, in milliseconds."""
    started = time.perf_counter()
    call()
    return (time.perf_counter() - started) * 1000.0


def ratio(numerator: float, denominator: float) -> float:
    return round(numerator / denominator, 3) if denominator else float("nan")
