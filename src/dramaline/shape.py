"""The genre's shape rules for an episode and a series: what every writer's output must satisfy.

Used by the writers (the LLM writer feeds problems back to the model), by `dramaline check`
and by the tests, so "a proper episode" is defined once.
"""

from __future__ import annotations

from collections import Counter

from dramaline.model import BeatType, Episode, Series

MIN_SECONDS = 60
MAX_SECONDS = 120


def word_range(wpm: int = 150) -> tuple[int, int]:
    """The spoken word counts that make a 60–120 s episode at `wpm` words per minute."""
    return MIN_SECONDS * wpm // 60, MAX_SECONDS * wpm // 60


def episode_problems(episode: Episode, *, wpm: int = 150) -> list[str]:
    """Every way `episode` breaks the genre's shape; empty when it is well formed."""
    problems: list[str] = []
    where = f"episode {episode.number}"
    beats = episode.beats
    if beats[0] is not BeatType.HOOK:
        problems.append(f"{where}: the first scene's beat is {beats[0].value!r}; it must be 'hook'")
    if beats[-1] is not BeatType.CLIFFHANGER:
        problems.append(f"{where}: the last scene's beat is {beats[-1].value!r}; it must be 'cliffhanger'")
    if not any(b.is_reversal for b in beats):
        problems.append(f"{where}: no reversal; add a scene with beat face_slap, reveal, betrayal or rescue")
    low, high = word_range(wpm)
    words = episode.word_count
    if not low <= words <= high:
        problems.append(
            f"{where}: {words} spoken words ({words * 60 / wpm:.0f} s at {wpm} wpm); "
            f"it needs {low}–{high} words ({MIN_SECONDS}–{MAX_SECONDS} s)"
        )
    repeated = [t for t, n in Counter(line.text for line in episode.lines).items() if n > 1]
    if repeated:
        problems.append(f"{where}: line repeated within the episode: {repeated[0]!r}")
    return problems


def series_problems(series: Series, *, wpm: int = 150) -> list[str]:
    """Every shape problem of every episode, plus threads that are never planted or paid off."""
    problems = [p for e in series.episodes for p in episode_problems(e, wpm=wpm)]
    if series.episodes:
        last = series.episodes[-1].beats
        if BeatType.FACE_SLAP not in last and BeatType.CONFRONTATION not in last:
            problems.append("the last episode has no climax (a face_slap or confrontation scene)")
    return problems
