"""Which lines to cut or shorten when a scene loses viewers: the tightening rules of the diagnosis.

A scene that loses viewers faster than its episode's baseline is made shorter in proportion:
at a rate ratio r, about 1 − 1/r of its words go (at least a fifth, at most half), so the
seconds it holds viewers at that rate shrink toward what the baseline would cost. Lines the
data singles out go first (their own loss significant), then long lines are said in fewer
words, then the longest remaining lines are cut. A scene's first and last lines carry its turn
and are never cut, and the episode never drops below the genre's 60 seconds.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass

from dramaline.audience.hotspots import SpanLoss
from dramaline.model import Scene, ShortenedLine, count_words

MIN_SHARE, MAX_SHARE = 0.2, 0.5
"""Bounds on the share of a scene's words a tightening removes."""
LONG_LINE_WORDS = 12
"""A line of at least this many words is worth saying shorter (about 5 s at 150 wpm)."""
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+")


@dataclass(frozen=True)
class Cuts:
    """The lines chosen: positions to cut, lines to shorten, and the words that saves."""

    cut: tuple[int, ...]
    shorten: tuple[ShortenedLine, ...]
    words: int


def target_share(rate_ratio: float) -> float:
    """The share of a scene's words to remove at this rate ratio: 1 − 1/r within [0.2, 0.5]."""
    if math.isnan(rate_ratio) or rate_ratio <= 1:
        return MIN_SHARE
    return min(MAX_SHARE, max(MIN_SHARE, 1 - 1 / rate_ratio))


def shortened(text: str) -> str | None:
    """The line in fewer words, keeping its punch: first and last sentence of three or more, else the last
    (or the first, when the last is too short to stand alone); None for a single sentence."""
    sentences = [s for s in _SENTENCE_END.split(text.strip()) if s]
    if len(sentences) < 2:
        return None
    if len(sentences) >= 3:
        return f"{sentences[0]} {sentences[-1]}"
    return sentences[1] if count_words(sentences[1]) >= 4 else sentences[0]


def choose_cuts(
    scene: Scene, rate_ratio: float, line_losses: Mapping[int, SpanLoss], budget: int, *, keep_last: bool = True
) -> Cuts:
    """Lines of `scene` to cut and shorten, removing at most `budget` words in all.

    `line_losses` maps 1-based line positions to their losses. `keep_last`: the last line stays
    whole (a cliffhanger's question); the first and last are never cut either way.
    """
    words = [line.word_count for line in scene.lines]
    goal = min(budget, math.ceil(target_share(rate_ratio) * sum(words)))
    n = len(words)
    inner = list(range(2, n))  # 1-based; first and last carry the scene's turn
    cut: list[int] = []
    shorter: dict[int, str] = {}
    saved = 0

    def room(cost: int) -> bool:
        return saved < goal and saved + cost <= budget

    flagged = sorted(
        (k for k in inner if k in line_losses and _significant(line_losses[k])),
        key=lambda k: -line_losses[k].excess_viewers,
    )
    for k in flagged:
        if room(words[k - 1]) and n - len(cut) > 2:
            cut.append(k)
            saved += words[k - 1]
    for k in sorted(range(1, n + 1), key=lambda k: -words[k - 1]):
        if k in cut or (keep_last and k == n) or words[k - 1] < LONG_LINE_WORDS:
            continue
        text = shortened(scene.lines[k - 1].text)
        if text is None or count_words(text) < 3:
            continue
        gain = words[k - 1] - count_words(text)
        if gain >= 3 and room(gain):
            shorter[k] = text
            saved += gain
    for k in sorted(inner, key=lambda k: -words[k - 1]):
        if k in cut or k in shorter:
            continue
        if room(words[k - 1]) and n - len(cut) > 2:
            cut.append(k)
            saved += words[k - 1]
    return Cuts(
        cut=tuple(sorted(cut)),
        shorten=tuple(ShortenedLine(line=k, text=t) for k, t in sorted(shorter.items())),
        words=saved,
    )


def _significant(span: SpanLoss) -> bool:
    return span.significant and not math.isnan(span.rate_ratio) and span.rate_ratio > 1
