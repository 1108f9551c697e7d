"""The guidance log: each episode in exactly one run, saved atomically, read back with clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from dramaline.decide.guidance_log import guidance_log_path, load_guidance_log, record_run, save_next_episodes
from dramaline.errors import SeriesFileError
from dramaline.model import BeatType, WriteRequest, WriterKind
from dramaline.model.guidance import AudienceGuidance, GuidanceLog, GuidedChoice, GuidedRun, Preference
from dramaline.series_folder import episode_path, episode_versions, load_series, save_series, version_log
from dramaline.writers.embedded.writer import EmbeddedWriter

GUIDANCE = AudienceGuidance(source="hand-made", beats={BeatType.REVEAL: Preference(weight=2.0, evidence="held")})


def run(first: int, last: int, *, guided: bool = True) -> GuidedRun:
    choices = tuple(
        GuidedChoice(episode=n, kind="beat", chosen="reveal", mode="guided", weight=2.0) for n in range(first, last + 1)
    )
    return GuidedRun(
        from_episode=first,
        episodes=tuple(range(first, last + 1)),
        writer=WriterKind.EMBEDDED,
        seed=0,
        guidance=GUIDANCE if guided else None,
        choices=choices if guided else (),
    )


def test_a_later_run_replaces_what_earlier_runs_wrote_from_its_first_episode() -> None:
    log = GuidanceLog().record(run(3, 8)).record(run(6, 10, guided=False))
    assert [r.episodes for r in log.runs] == [(3, 4, 5), (6, 7, 8, 9, 10)]
    assert [c.episode for c in log.runs[0].choices] == [3, 4, 5]
    assert log.run_for(4) is log.runs[0] and log.run_for(7) is log.runs[1] and log.run_for(2) is None
    # A run from before every logged episode replaces them all.
    assert [r.episodes for r in log.record(run(1, 2)).runs] == [(1, 2)]


def test_a_run_cannot_log_choices_for_episodes_it_did_not_write() -> None:
    with pytest.raises(ValidationError, match=r"choices name episodes \[9\]"):
        GuidedRun(
            from_episode=3,
            episodes=(3, 4),
            writer=WriterKind.EMBEDDED,
            seed=0,
            choices=(GuidedChoice(episode=9, kind="beat", chosen="reveal", mode="guided", weight=1.0),),
        )


def test_the_log_round_trips_through_its_file(tmp_path: Path) -> None:
    assert load_guidance_log(tmp_path) == GuidanceLog()
    saved = record_run(tmp_path, run(2, 4))
    assert guidance_log_path(tmp_path) == tmp_path / "episodes" / "guidance.yaml"
    assert load_guidance_log(tmp_path) == saved
    assert record_run(tmp_path, run(3, 5)).runs[0].episodes == (2,)


def test_a_broken_log_names_the_file_and_the_fix(tmp_path: Path) -> None:
    path = guidance_log_path(tmp_path)
    path.parent.mkdir(parents=True)
    path.write_text("runs:\n  - from_episode: zero\n", encoding="utf-8")
    with pytest.raises(SeriesFileError, match=r"guidance\.yaml: runs\.0\.from_episode: .*delete the file"):
        load_guidance_log(tmp_path)


def test_saving_keeps_replaced_versions_in_the_history(tmp_path: Path) -> None:
    folder = tmp_path / "heir"
    before = EmbeddedWriter().write(WriteRequest(premise="A janitor is secretly the heir", episodes=4, seed=1))
    save_series(before, folder)
    result = EmbeddedWriter().write_next(before, from_episode=3, add=1, guidance=GUIDANCE, seed=2)
    log = save_next_episodes(folder, before, result)
    after = load_series(folder)
    assert after == result.series
    assert episode_versions(folder, 3) == [1, 2] and episode_versions(folder, 5) == [1]
    assert "rewritten by `dramaline next` from episode 3, guided by its audience (seed 2)" in version_log(folder, 3)[2]
    assert log.runs == (result.run,)
    assert episode_path(folder, 5).is_file()
