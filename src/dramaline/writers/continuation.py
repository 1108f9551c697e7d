"""Writing on from an existing series, shared by both writers: which episodes, and where the threads move.

`write_next(series, from_episode=N, add=K)` keeps episodes 1..N-1 exactly as they are and writes
N..E+K, where E is the series' current length: it rewrites the unreleased episodes N..E and adds
K more, the finale moving to the new end. With N = E+1 (everything released, the old finale
included), it writes K episodes of a new arc after it.

Threads planted or paid off in the rewritten range move with it: a payoff in the old finale
moves to the new finale, every other plant or payoff is spread over the longer range in the same
order (the map is never shorter, so two events never share an episode they did not share before).
"""

from __future__ import annotations

from typing import Protocol

from dramaline.errors import InvalidInputError
from dramaline.model import MAX_EPISODES, Episode, Series, Thread
from dramaline.model.guidance import AudienceGuidance, NextEpisodes
from dramaline.providers import ProgressFn


class NextWriter(Protocol):
    """A writer that writes a series on: both the embedded and the LLM writer."""

    def write_next(
        self,
        series: Series,
        *,
        from_episode: int,
        add: int = 0,
        guidance: AudienceGuidance | None = None,
        seed: int = 0,
        progress: ProgressFn | None = None,
    ) -> NextEpisodes:
        """Keep episodes before `from_episode`, write it and every later one, plus `add` more."""
        ...


def new_total(series: Series, from_episode: int, add: int) -> int:
    """The series' length after writing from `from_episode` and adding `add`; InvalidInputError if impossible."""
    existing = len(series.episodes)
    if add < 0:
        raise InvalidInputError(f"add is {add}; give the number of episodes to add (0 or more)")
    if not 1 <= from_episode <= existing + 1:
        raise InvalidInputError(
            f"from episode {from_episode}: the series has {existing} episodes; rewrite from 1–{existing}, "
            f"or continue after the last one from {existing + 1} with add ≥ 1"
        )
    if from_episode == existing + 1 and add == 0:
        raise InvalidInputError(
            f"from episode {from_episode} with nothing to add writes nothing; add episodes (add ≥ 1) "
            f"or rewrite from an existing episode (1–{existing})"
        )
    total = existing + add
    if total > MAX_EPISODES:
        raise InvalidInputError(
            f"{existing} episodes plus {add} makes {total}; a series has at most {MAX_EPISODES} episodes"
        )
    return total


def moved_episode(number: int, *, from_episode: int, old_total: int, total: int) -> int:
    """Where an event in episode `number` lands when episodes from_episode..old_total become from_episode..total."""
    if number < from_episode:
        return number
    if number == old_total:
        return total  # the finale's payoff stays in the finale
    span = max(old_total - from_episode, 1)
    return from_episode + round((number - from_episode) * (total - from_episode) / span)


def moved_threads(series: Series, *, from_episode: int, total: int) -> tuple[Thread, ...]:
    """The bible's threads with their plants and payoffs from `from_episode` on spread over the new length."""
    old_total = len(series.episodes)
    return tuple(
        t.model_copy(
            update={
                "planted_in": moved_episode(t.planted_in, from_episode=from_episode, old_total=old_total, total=total),
                "paid_off_in": moved_episode(
                    t.paid_off_in, from_episode=from_episode, old_total=old_total, total=total
                ),
            }
        )
        for t in series.bible.threads
    )


def next_version(series: Series, episode: Episode) -> Episode:
    """`episode` numbered as the next version of the episode it replaces (version 1 for a new episode).

    Viewers' events name the version they watched, so a rewritten episode must not reuse the
    number of a version someone may have seen.
    """
    if episode.number <= len(series.episodes):
        return episode.model_copy(update={"version": series.episode(episode.number).version + 1})
    return episode.model_copy(update={"version": 1})


def continued_series(series: Series, threads: tuple[Thread, ...], written: list[Episode]) -> Series:
    """`series` with its moved threads, its kept episodes and the `written` ones (as new versions)."""
    first = written[0].number
    kept = series.episodes[: first - 1]
    data = series.model_dump()
    data["bible"]["threads"] = [t.model_dump() for t in threads]
    data["episodes"] = [e.model_dump() for e in (*kept, *(next_version(series, e) for e in written))]
    return Series.model_validate(data)
