"""Saving what `write_next` wrote, and the series' guidance log: which run wrote each episode, and how.

    DIR/episodes/guidance.yaml   a GuidanceLog: one entry per `write_next` run still in the series

A producer reads the log to see what the data asked for and what the writer chose (guided or
explored); a run that rewrites from episode N replaces what earlier runs said about N onwards.
`save_next_episodes` saves a run's series so that every replaced episode keeps its old version
in the series' history (viewers' events name the version they watched). Written atomically,
like every series file.
"""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import ValidationError

from dramaline.errors import SeriesFileError
from dramaline.model import Series
from dramaline.model.guidance import GuidanceLog, GuidedRun, NextEpisodes
from dramaline.series_folder import (
    EPISODES_DIR,
    episode_path,
    save_episode_version,
    save_series,
    write_text_atomic,
)

GUIDANCE_FILE = "guidance.yaml"
_HEADER = "# dramaline guidance log: what the audience data asked for and what the writer chose per episode.\n"


def guidance_log_path(folder: Path) -> Path:
    """Where the series in `folder` keeps its guidance log."""
    return folder / EPISODES_DIR / GUIDANCE_FILE


def load_guidance_log(folder: Path) -> GuidanceLog:
    """The guidance log of the series in `folder`; an empty one when none was written yet."""
    path = guidance_log_path(folder)
    if not path.is_file():
        return GuidanceLog()
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise SeriesFileError(str(path), f"cannot be read ({exc}); delete it to start a new log") from exc
    try:
        return GuidanceLog.model_validate(data or {})
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise SeriesFileError(
            str(path), f"{where}: {first['msg']}; fix the entry or delete the file to start a new log"
        ) from exc


def record_run(folder: Path, run: GuidedRun) -> GuidanceLog:
    """Add `run` to the log of the series in `folder` (replacing what it rewrote) and save the log atomically."""
    log = load_guidance_log(folder).record(run)
    text = yaml.safe_dump(log.model_dump(mode="json"), sort_keys=False, allow_unicode=True, width=100)
    write_text_atomic(guidance_log_path(folder), _HEADER + text)
    return log


def save_next_episodes(folder: Path, before: Series, result: NextEpisodes) -> GuidanceLog:
    """Save `result` (written on from `before`, the series in `folder`) and log its run.

    Each episode it replaces is first saved as a new version, so the old one moves to the
    history; then the whole series (moved threads, added episodes) is saved, and the log updated.
    """
    guided = "guided by its audience" if result.run.guidance is not None else "without audience guidance"
    note = f"rewritten by `dramaline next` from episode {result.run.from_episode}, {guided} (seed {result.run.seed})"
    episodes = list(result.series.episodes)
    for i in range(result.run.from_episode - 1, len(before.episodes)):
        if episodes[i].model_dump(exclude={"version"}) == before.episodes[i].model_dump(exclude={"version"}):
            episodes[i] = before.episodes[i]  # written the same again: still the version viewers saw
        else:
            save_episode_version(folder, episodes[i], note=note)
    series = result.series if episodes == list(result.series.episodes) else result.series.with_episodes(tuple(episodes))
    # The kept episodes' files stay byte for byte as they were: a save names the folder as given in
    # each file's header comment, which would otherwise change them when the path is spelt differently.
    kept = {
        path: path.read_bytes()
        for n in range(1, result.run.from_episode)
        if (path := episode_path(folder, n)).is_file()
    }
    save_series(series, folder)
    for path, data in kept.items():
        if path.read_bytes() != data:
            write_text_atomic(path, data.decode("utf-8"))
    return record_run(folder, result.run)
