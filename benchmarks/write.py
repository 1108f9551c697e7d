"""Benchmark: write a 100-episode series with the embedded writer (target: under 5 s on 2 cores).

The floor it is compared with is validating the same series from its JSON: the least work any
writer must do to hand over a checked Series of that size. Both are timed in the same run.
"""

from __future__ import annotations

import statistics
import time

from dramaline.model import Series, WriteRequest
from dramaline.writers.embedded.material import load_archetype
from dramaline.writers.embedded.writer import EmbeddedWriter

PREMISE = "A janitor humiliated at his ex-wife's wedding is secretly the heir of the richest family in the city"
TARGET_S = 5.0


def run(repeats: int = 3) -> dict[str, float]:
    """Time the write and the floor; returns seconds (median of `repeats`) and their ratio."""
    writer = EmbeddedWriter()
    request = WriteRequest(premise=PREMISE, episodes=100, seed=1)
    load_archetype.cache_clear()
    start = time.perf_counter()
    writer.write(request)  # cold: reads and validates all archetype material to choose one
    cold_s = time.perf_counter() - start
    write_s: list[float] = []
    floor_s: list[float] = []
    for seed in range(repeats):
        start = time.perf_counter()
        series = writer.write(request.model_copy(update={"seed": seed}))
        write_s.append(time.perf_counter() - start)
        payload = series.model_dump_json()
        start = time.perf_counter()
        Series.model_validate_json(payload)
        floor_s.append(time.perf_counter() - start)
    write_med, floor_med = statistics.median(write_s), statistics.median(floor_s)
    return {
        "write_s": write_med,
        "cold_s": cold_s,
        "floor_s": floor_med,
        "ratio": write_med / floor_med,
        "target_s": TARGET_S,
    }


def report(result: dict[str, float]) -> str:
    verdict = "meets" if result["cold_s"] < result["target_s"] else "MISSES"
    return (
        f"write 100 episodes (embedded): {result['write_s']:.2f} s, {result['ratio']:.1f}x the floor "
        f"(validating the same series: {result['floor_s'] * 1000:.0f} ms); cold, with loading all archetype "
        f"material: {result['cold_s']:.2f} s; {verdict} the {TARGET_S:.0f} s target"
    )


if __name__ == "__main__":
    print(report(run()))
