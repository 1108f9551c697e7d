"""How varied a catalog is, and how varied one period's spending is across it.

Three numbers describe the active catalog:

- **archetype evenness**: the Shannon entropy of the archetypes' shares, divided by the largest
  entropy the catalog could have (Pielou's evenness): 0 when every series has one archetype, 1
  when the series spread as evenly as possible over as many archetypes as there are series (up
  to the whole vocabulary of 8);
- **beat evenness**: the same over the beat types of all scenes, each series' beats counted as
  shares so that a long series does not outweigh a short one (12 beat types: 1 when all occur
  equally);
- **beat similarity**: the mean pairwise cosine similarity of the series' beat histograms (1: every
  series has the same mix of beats).

The slate evenness applies the archetype evenness to one period's budget: each series weighs
its share of the period's episodes and promotion, and the reference is the same catalog.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
from numpy.typing import NDArray

from dramaline.model import Archetype, BeatType, CatalogDiversity, SeriesSnapshot

__all__ = [
    "beat_similarity",
    "catalog_diversity",
    "cosine_similarity",
    "keep_floor",
    "normalised_entropy",
    "slate_evenness",
]


def normalised_entropy(weights: Sequence[float], categories: int) -> float:
    """Shannon entropy of `weights` (any non-negative scale) over ln(categories): 0 for one, 1 for uniform.

    `categories` is how many categories the weights could spread over; fewer than two, or no
    weight at all, gives 0 (nothing can be spread).
    """
    if any(w < 0 or math.isnan(w) for w in weights):
        raise ValueError(f"weights must be non-negative numbers; got {list(weights)}")
    total = sum(weights)
    if categories < 2 or total <= 0:
        return 0.0
    if sum(1 for w in weights if w > 0) > categories:
        raise ValueError(f"{sum(1 for w in weights if w > 0)} weighted categories exceed the {categories} allowed")
    entropy = -sum(w / total * math.log(w / total) for w in weights if w > 0)
    return min(1.0, max(0.0, entropy / math.log(categories)))


def cosine_similarity(a: Mapping[BeatType, int], b: Mapping[BeatType, int]) -> float:
    """Cosine of the angle between two beat histograms: 1 for the same mix, 0 for no beat in common."""
    dot = sum(a.get(k, 0) * b.get(k, 0) for k in set(a) | set(b))
    norm = math.sqrt(sum(v * v for v in a.values())) * math.sqrt(sum(v * v for v in b.values()))
    return dot / norm if norm > 0 else 0.0


def beat_similarity(histograms: Sequence[Mapping[BeatType, int]]) -> float | None:
    """Mean pairwise cosine similarity of the histograms that have beats; None with fewer than two."""
    rows = np.array([[h.get(b, 0) for b in BeatType] for h in histograms if sum(h.values()) > 0], dtype=np.float64)
    n = len(rows)
    if n < 2:
        return None
    unit = rows / np.linalg.norm(rows, axis=1, keepdims=True)
    gram = unit @ unit.T
    return float((gram.sum() - np.trace(gram)) / (n * (n - 1)))


def _archetype_evenness(weights: Mapping[Archetype, float], series: int) -> float:
    # The most even catalog of n series has min(n, |vocabulary|) archetypes: that is the reference.
    return normalised_entropy(list(weights.values()), min(series, len(Archetype)))


def slate_evenness(catalog: Sequence[SeriesSnapshot], shares: Mapping[str, float]) -> float:
    """The archetype evenness of `shares` (series id → share of the budget) over `catalog`."""
    slate: dict[Archetype, float] = {}
    for s in catalog:
        weight = shares.get(s.series_id, 0.0)
        if weight > 0:
            slate[s.archetype] = slate.get(s.archetype, 0.0) + weight
    return _archetype_evenness(slate, len(catalog))


def catalog_diversity(
    catalog: Sequence[SeriesSnapshot], shares: Mapping[str, float] | None = None, *, floor: float = 0.0
) -> CatalogDiversity:
    """The diversity of `catalog` (the active series), and of `shares` (series id → share of the period's budget).

    Without `shares` the slate is the catalog itself, every series weighing the same.
    """
    counts: dict[Archetype, float] = {}
    for s in catalog:
        counts[s.archetype] = counts.get(s.archetype, 0.0) + 1.0
    beats: dict[BeatType, float] = {}
    for s in catalog:
        total = sum(s.beats.values())
        for beat, n in s.beats.items():
            if n > 0:
                beats[beat] = beats.get(beat, 0.0) + n / total
    slate: dict[Archetype, float] = {}
    for s in catalog:
        weight = 1.0 if shares is None else shares.get(s.series_id, 0.0)
        if weight > 0:
            slate[s.archetype] = slate.get(s.archetype, 0.0) + weight
    return CatalogDiversity(
        series=len(catalog),
        archetypes=len(counts),
        archetype_evenness=_archetype_evenness(counts, len(catalog)),
        beat_evenness=normalised_entropy(list(beats.values()), len(BeatType)),
        beat_similarity=beat_similarity([s.beats for s in catalog]),
        slate_archetype_evenness=_archetype_evenness(slate, len(catalog)),
        slate_archetypes=len(slate),
        floor=floor,
    )


def keep_floor(
    grants: Sequence[NDArray[np.int64]],
    capacities: Sequence[NDArray[np.int64]],
    slot_shares: Sequence[float],
    slot_values: Sequence[NDArray[np.float64]],
    archetypes: Sequence[Archetype],
    active: NDArray[np.bool_],
    floor: float,
) -> NDArray[np.int64]:
    """Move slots between series until the budget's archetype evenness reaches `floor`, as cheaply as possible.

    `grants[b][i]` is how many slots of budget b series i holds (changed in place), `capacities`
    the most it may hold, `slot_shares[b]` what one slot is worth as a share of the period's
    budget and `slot_values[b][i]` what one slot on series i is expected to bring. Each move takes
    a slot from the least valuable funded series of one archetype and gives it to the most
    valuable series with room of another: of all such moves, the one that buys the most evenness
    per unit of value given up. It stops at the floor, or when no move raises the evenness.
    Returns how many slots each series received.
    """
    n = len(archetypes)
    moved = np.zeros(n, dtype=np.int64)
    palette = sorted({archetypes[i] for i in range(n) if active[i]})
    reference = min(int(active.sum()), len(Archetype))
    members = {a: np.array([i for i in range(n) if archetypes[i] is a and active[i]]) for a in palette}

    def weights() -> dict[Archetype, float]:
        return {
            a: sum(float(g[members[a]].sum()) * w for g, w in zip(grants, slot_shares, strict=True)) for a in palette
        }

    for _ in range(int(sum(g.sum() for g in grants))):
        now = weights()
        evenness = normalised_entropy(list(now.values()), reference)
        if evenness >= floor or len(palette) < 2:
            break
        best: tuple[float, int, int, int] | None = None  # (score, budget, from, to)
        for b, (grant, cap, share, value) in enumerate(zip(grants, capacities, slot_shares, slot_values, strict=True)):
            for donor in palette:
                funded = [i for i in members[donor] if grant[i] > 0]
                if not funded or share <= 0:
                    continue
                source = min(funded, key=lambda i: value[i])
                for recipient in palette:
                    room = [i for i in members[recipient] if grant[i] < cap[i]] if recipient is not donor else []
                    if not room:
                        continue
                    target = max(room, key=lambda i: value[i])
                    after = dict(now)
                    after[donor] -= share
                    after[recipient] += share
                    gain = normalised_entropy([max(0.0, w) for w in after.values()], reference) - evenness
                    if gain <= 1e-12:
                        continue
                    loss = max(float(value[source] - value[target]), 0.0)
                    score = gain / (loss + 1e-9 * (1.0 + abs(float(value[source]))))
                    if best is None or score > best[0]:
                        best = (score, b, source, target)
        if best is None:
            break
        _, b, source, target = best
        grants[b][source] -= 1
        grants[b][target] += 1
        moved[target] += 1
    return moved
