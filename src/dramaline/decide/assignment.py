"""Which variant a viewer sees: a deterministic hash of the experiment id and the viewer id, split by weight.

The rule, exact on any platform (client or server) with 64-bit integers or IEEE doubles:

1. key = UTF-8 bytes of `"<experiment id>/<viewer id>"`
2. h = the first 4 bytes of SHA-256(key), read as a big-endian unsigned integer (0 ≤ h < 2^32)
3. bucket = floor(h × W / 2^32), where W is the sum of the variants' integer weights (W ≤ 10,000,
   so h × W < 2^46 stays exact even in a JavaScript number)
4. the variant is the first, in the experiment's order, whose running total of weights exceeds bucket

A viewer therefore always sees the same variant of an experiment, on every device and every run,
and different experiments split the same audience independently (the experiment id salts the hash).
docs/experiments.md gives the rule with test vectors.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable

from dramaline.errors import InvalidInputError
from dramaline.model import Experiment, Variant

__all__ = ["HASH_SPACE", "assign", "assignment_bucket", "assignment_counts", "assignment_hash", "version_chooser"]

HASH_SPACE = 2**32
"""The hash is read as an integer in [0, HASH_SPACE)."""


def assignment_hash(experiment_id: str, viewer_id: str) -> int:
    """Step 1–2 of the rule: the viewer's 32-bit hash within this experiment."""
    digest = hashlib.sha256(f"{experiment_id}/{viewer_id}".encode()).digest()
    return int.from_bytes(digest[:4], "big")


def assignment_bucket(experiment_id: str, viewer_id: str, total_weight: int) -> int:
    """Step 3 of the rule: the viewer's bucket in [0, total_weight)."""
    if total_weight < 1:
        raise InvalidInputError(f"total_weight must be at least 1; got {total_weight}")
    return assignment_hash(experiment_id, viewer_id) * total_weight // HASH_SPACE


def assign(experiment: Experiment, viewer_id: str) -> Variant:
    """The variant `viewer_id` sees in `experiment`: the same answer every time, everywhere."""
    bucket = assignment_bucket(experiment.id, viewer_id, experiment.total_weight)
    running = 0
    for variant in experiment.variants:
        running += variant.weight
        if bucket < running:
            return variant
    raise AssertionError("unreachable: bucket < total weight")  # pragma: no cover


def assignment_counts(experiment: Experiment, viewer_ids: Iterable[str]) -> dict[str, int]:
    """How many of `viewer_ids` each variant gets, by variant name (every variant present, maybe 0)."""
    counts = dict.fromkeys(experiment.names, 0)
    for viewer in viewer_ids:
        counts[assign(experiment, viewer).name] += 1
    return counts


def version_chooser(experiment: Experiment) -> Callable[[str, int], int]:
    """A `(viewer_id, episode) -> version` function for the simulator: the assigned variant's version.

    It answers only for the experiment's episode; the simulator asks only about episodes it was
    given variants for.
    """

    def choose(viewer_id: str, episode: int) -> int:
        if episode != experiment.episode:
            raise InvalidInputError(
                f"experiment {experiment.id} varies episode {experiment.episode}, not episode {episode}"
            )
        return assign(experiment, viewer_id).version

    return choose
