"""Catalog diversity on hand-computed catalogs, and the floor keeper's moves."""

from __future__ import annotations

import math

import numpy as np
import pytest

from dramaline.decide.diversity import (
    beat_similarity,
    catalog_diversity,
    cosine_similarity,
    keep_floor,
    normalised_entropy,
    slate_evenness,
)
from dramaline.model import Archetype, BeatType, SeriesSnapshot

A = list(Archetype)


def series(sid: str, archetype: Archetype, beats: dict[BeatType, int] | None = None) -> SeriesSnapshot:
    return SeriesSnapshot(series_id=sid, title=sid, archetype=archetype, beats=beats or {BeatType.HOOK: 1})


def test_normalised_entropy_is_zero_for_one_category_and_one_for_uniform() -> None:
    assert normalised_entropy([5.0], 8) == 0.0
    assert normalised_entropy([5.0, 0.0, 0.0], 3) == 0.0
    assert normalised_entropy([2.0, 2.0, 2.0, 2.0], 4) == pytest.approx(1.0)
    # p = (1/4, 1/4, 1/2): H = 1.5 ln 2 = 1.0397 nats, over ln 3 = 1.0986.
    assert normalised_entropy([1.0, 1.0, 2.0], 3) == pytest.approx(1.5 * math.log(2) / math.log(3))
    # Two of four possible categories, evenly: ln 2 / ln 4 = 1/2.
    assert normalised_entropy([1.0, 1.0], 4) == pytest.approx(0.5)


def test_normalised_entropy_edge_cases() -> None:
    assert normalised_entropy([], 8) == 0.0
    assert normalised_entropy([0.0, 0.0], 2) == 0.0
    assert normalised_entropy([1.0, 1.0], 1) == 0.0
    with pytest.raises(ValueError, match="non-negative"):
        normalised_entropy([1.0, -1.0], 2)
    with pytest.raises(ValueError, match="exceed"):
        normalised_entropy([1.0, 1.0, 1.0], 2)


def test_cosine_and_pairwise_beat_similarity() -> None:
    a = {BeatType.HOOK: 1}
    b = {BeatType.HOOK: 1, BeatType.REVEAL: 1}
    c = {BeatType.ROMANCE: 3}
    assert cosine_similarity(a, a) == pytest.approx(1.0)
    assert cosine_similarity(a, c) == 0.0
    assert cosine_similarity(a, b) == pytest.approx(1 / math.sqrt(2))
    # Pairs (a, b), (a, c), (b, c): (1/√2 + 0 + 0) / 3.
    assert beat_similarity([a, b, c]) == pytest.approx(1 / math.sqrt(2) / 3)
    assert beat_similarity([a]) is None
    assert beat_similarity([a, {}]) is None  # a series without beats is left out


def test_a_catalog_of_one_archetype_has_zero_archetype_evenness() -> None:
    catalog = [series(f"s{i}", Archetype.HIDDEN_HEIR) for i in range(5)]
    d = catalog_diversity(catalog, floor=0.5)
    assert (d.series, d.archetypes, d.archetype_evenness) == (5, 1, 0.0)
    assert d.slate_archetype_evenness == 0.0
    assert d.beat_similarity == pytest.approx(1.0)  # all have the same beats
    assert "BELOW the 0.50 floor" in d.describe()


def test_a_catalog_spread_evenly_over_every_archetype_has_evenness_one() -> None:
    catalog = [series(f"s{i}", a) for i, a in enumerate(A)]
    assert catalog_diversity(catalog).archetype_evenness == pytest.approx(1.0)
    # Two series can at most cover two archetypes: two different ones are as even as two can be.
    assert catalog_diversity(catalog[:2]).archetype_evenness == pytest.approx(1.0)
    # 16 series over the 8 archetypes, two each: also 1.
    doubled = catalog + [series(f"t{i}", a) for i, a in enumerate(A)]
    assert catalog_diversity(doubled).archetype_evenness == pytest.approx(1.0)


def test_uneven_catalog_by_hand() -> None:
    # 4 series: 3 hidden_heir, 1 fated_mate. p = (3/4, 1/4); reference min(4, 8) = 4 categories.
    catalog = [series(f"s{i}", Archetype.HIDDEN_HEIR) for i in range(3)] + [series("s3", Archetype.FATED_MATE)]
    expected = -(0.75 * math.log(0.75) + 0.25 * math.log(0.25)) / math.log(4)
    assert catalog_diversity(catalog).archetype_evenness == pytest.approx(expected)


def test_beat_evenness_counts_each_series_as_shares() -> None:
    every = {beat: 2 for beat in BeatType}
    assert catalog_diversity([series("s0", A[0], every)]).beat_evenness == pytest.approx(1.0)
    # One series all hooks (100 scenes), one all reveals (2 scenes): shares make them weigh the same,
    # so two beats of twelve are equally used: ln 2 / ln 12.
    d = catalog_diversity([series("s0", A[0], {BeatType.HOOK: 100}), series("s1", A[1], {BeatType.REVEAL: 2})])
    assert d.beat_evenness == pytest.approx(math.log(2) / math.log(12))
    assert d.beat_similarity == 0.0


def test_slate_evenness_weighs_budget_shares() -> None:
    catalog = [series("a", A[0]), series("b", A[1]), series("c", A[1])]
    assert slate_evenness(catalog, {"a": 0.5, "b": 0.5}) == pytest.approx(math.log(2) / math.log(3))
    assert slate_evenness(catalog, {"b": 0.5, "c": 0.5}) == 0.0  # one archetype gets everything
    d = catalog_diversity(catalog, {"a": 0.5, "b": 0.25, "c": 0.25}, floor=0.5)
    assert d.slate_archetypes == 2
    assert d.slate_archetype_evenness == pytest.approx(math.log(2) / math.log(3))


def test_keep_floor_moves_the_cheapest_slots_until_the_floor() -> None:
    kinds = [A[0], A[0], A[1]]
    grants = [np.array([4, 0, 0], dtype=np.int64)]
    caps = [np.array([4, 4, 4], dtype=np.int64)]
    values = [np.array([10.0, 9.0, 1.0])]
    active = np.ones(3, dtype=bool)
    # After one move the shares are (3/4, 1/4): evenness 0.5623 / ln 3 = 0.512, above 0.5.
    moved = keep_floor(grants, caps, [0.25], values, kinds, active, 0.5)
    assert grants[0].tolist() == [3, 0, 1]
    assert moved.tolist() == [0, 0, 1]


def test_keep_floor_stops_when_no_move_helps() -> None:
    kinds = [A[0], A[0], A[1]]
    grants = [np.array([4, 0, 0], dtype=np.int64)]
    moved = keep_floor(
        grants, [np.array([4, 4, 4], dtype=np.int64)], [0.25], [np.array([10.0, 9.0, 1.0])], kinds,
        np.ones(3, dtype=bool), 0.9,
    )  # fmt: skip
    # Two archetypes among three series cannot pass ln 2 / ln 3 = 0.63: it stops at an even split.
    assert grants[0].tolist() == [2, 0, 2]
    assert moved.tolist() == [0, 0, 2]


def test_keep_floor_prefers_the_move_that_gives_up_least() -> None:
    # Archetype 0 holds everything; archetypes 1 and 2 are equally far from their share, but archetype 2's
    # series is worth more: the move goes there.
    kinds = [A[0], A[1], A[2]]
    grants = [np.array([2, 0, 0], dtype=np.int64)]
    keep_floor(
        grants, [np.array([2, 2, 2], dtype=np.int64)], [0.5], [np.array([10.0, 2.0, 8.0])], kinds,
        np.ones(3, dtype=bool), 0.5,
    )  # fmt: skip
    assert grants[0].tolist() == [1, 0, 1]
