"""A series on disk: human-editable YAML in a project folder, loaded with errors that point at the fix.

    DIR/series.yaml          schema_version, metadata and the bible
    DIR/episodes/ep001.yaml  one file per episode: scenes and lines (its current version)
    DIR/episodes/history/    earlier versions (ep001.v1.yaml …) and why each new one was made

Writes are atomic: a new series appears whole or not at all, and each file of an existing
series is replaced in one step, so an interrupted save never leaves a half-written file.
"""

from __future__ import annotations

import difflib
import os
import re
import shutil
import tempfile
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import ValidationError

from dramaline.errors import InvalidInputError, SeriesFileError
from dramaline.model import SCHEMA_VERSION, Bible, Episode, Series

M = TypeVar("M", Series, Episode)
# libyaml's loader is several times faster than the pure-Python one; both are "safe".
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

SERIES_FILE = "series.yaml"
EPISODES_DIR = "episodes"
HISTORY_DIR = "history"
_HEADER = "# dramaline {what} (schema {version}). Edit freely; `dramaline check {folder}` validates it.\n"


def episode_path(folder: Path, number: int) -> Path:
    """The file that holds episode `number` of the series in `folder`."""
    return folder / EPISODES_DIR / f"ep{number:03d}.yaml"


def history_path(folder: Path, number: int, version: int) -> Path:
    """The file that keeps version `version` of episode `number` once a newer version replaced it."""
    return folder / EPISODES_DIR / HISTORY_DIR / f"ep{number:03d}.v{version}.yaml"


def version_log_path(folder: Path, number: int) -> Path:
    """The file that says when and why each version of episode `number` after the first was made."""
    return folder / EPISODES_DIR / HISTORY_DIR / f"ep{number:03d}.log.yaml"


def is_series_folder(folder: Path) -> bool:
    return (folder / SERIES_FILE).is_file()


# ---------------------------------------------------------------------------------------- saving


def save_series(series: Series, folder: Path) -> None:
    """Write `series` into `folder`, replacing what is there; stale episode files are removed."""
    if folder.exists() and not folder.is_dir():
        raise SeriesFileError(str(folder), "exists and is not a folder; choose another --out")
    if folder.is_dir() and not any(folder.iterdir()):
        folder.rmdir()
    if not folder.exists():
        _create_atomically(series, folder)
        return
    files = _render_files(series, folder)
    for rel, text in files.items():
        write_text_atomic(folder / rel, text)
    keep = {folder / rel for rel in files}
    for stale in (folder / EPISODES_DIR).glob("ep*.yaml"):
        if stale not in keep:
            stale.unlink()


def _create_atomically(series: Series, folder: Path) -> None:
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=folder.parent))
    try:
        for rel, text in _render_files(series, folder).items():
            (tmp / rel).parent.mkdir(parents=True, exist_ok=True)
            (tmp / rel).write_text(text, encoding="utf-8")
        os.rename(tmp, folder)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _render_files(series: Series, folder: Path) -> dict[str, str]:
    header = series.model_dump(mode="json", exclude={"episodes"})
    files = {SERIES_FILE: _HEADER.format(what="series", version=SCHEMA_VERSION, folder=folder) + _dump(header)}
    for episode in series.episodes:
        files[str(episode_path(Path(), episode.number))] = _episode_text(episode, folder)
    return files


def _episode_text(episode: Episode, folder: Path) -> str:
    body = episode.model_dump(mode="json", exclude_defaults=True)
    return _HEADER.format(what="episode", version=SCHEMA_VERSION, folder=folder) + _dump(body)


# -------------------------------------------------------------------------------------- versions


def save_episode_version(folder: Path, episode: Episode, *, note: str = "") -> Series:
    """Make `episode` the next version of its episode in `folder`; the current one moves to history.

    `episode.version` is ignored: the new version is the current one's plus one. The episode is
    checked against the series (bible, numbering, threads) before anything is written; an
    episode with the same content as the current version is refused. Each step is atomic and
    the history copy is written first, so an interrupted save loses no version. Returns the
    series with the new version in place.
    """
    series = load_series(folder)
    try:
        current = series.episode(episode.number)
    except KeyError:
        raise InvalidInputError(
            f"{folder}: has no episode {episode.number} to revise (it has {len(series.episodes)}); "
            "add new episodes with `dramaline next`"
        ) from None
    new = episode.model_copy(update={"version": current.version + 1})
    if new.model_dump(exclude={"version"}) == current.model_dump(exclude={"version"}):
        raise InvalidInputError(
            f"episode {episode.number}: the new version is the same as version {current.version}; nothing to save"
        )
    try:
        updated = series.with_episodes(tuple(new if e.number == new.number else e for e in series.episodes))
    except ValidationError as exc:
        raise InvalidInputError(f"episode {episode.number}: the new version does not fit the series: {exc}") from exc
    write_text_atomic(history_path(folder, current.number, current.version), _episode_text(current, folder))
    write_text_atomic(episode_path(folder, new.number), _episode_text(new, folder))
    log = version_log(folder, new.number)
    log[new.version] = note
    entries = [{"version": v, "note": text} for v, text in sorted(log.items())]
    write_text_atomic(version_log_path(folder, new.number), _dump(entries))
    return updated


def episode_versions(folder: Path, number: int, *, series: Series | None = None) -> list[int]:
    """Every version of episode `number` kept in `folder`, oldest first; the current one is last.

    `series` is the folder's series when the caller has loaded it already (it is not read again).
    """
    current = _current(folder, number, series).version
    pattern = re.compile(rf"ep{number:03d}\.v(\d+)\.yaml")
    older = {
        int(m.group(1))
        for path in (folder / EPISODES_DIR / HISTORY_DIR).glob(f"ep{number:03d}.v*.yaml")
        if (m := pattern.fullmatch(path.name)) and int(m.group(1)) < current
    }
    return [*sorted(older), current]


def load_episode_version(folder: Path, number: int, version: int, *, series: Series | None = None) -> Episode:
    """Version `version` of episode `number`: the current file, or its copy in the history."""
    current = _current(folder, number, series)
    if version == current.version:
        return current
    path = history_path(folder, number, version)
    if not path.is_file():
        known = ", ".join(f"v{v}" for v in episode_versions(folder, number, series=series))
        raise InvalidInputError(f"episode {number} has no version {version}; it has {known}")
    data, text = _read(path)
    episode = _validate(Episode, data, path, text)
    if episode.number != number or episode.version != version:
        raise SeriesFileError(
            str(path), f"holds episode {episode.number} v{episode.version}, not episode {number} v{version}"
        )
    return episode


def _current(folder: Path, number: int, series: Series | None) -> Episode:
    series = series or load_series(folder)
    try:
        return series.episode(number)
    except KeyError:
        raise InvalidInputError(f"{folder}: has no episode {number} (it has {len(series.episodes)})") from None


def version_log(folder: Path, number: int) -> dict[int, str]:
    """Version → the note saved with it (why it was made), for every version after the first."""
    path = version_log_path(folder, number)
    if not path.is_file():
        return {}
    data, _ = _read(path)
    if not isinstance(data, list) or not all(isinstance(e, dict) and isinstance(e.get("version"), int) for e in data):
        raise SeriesFileError(str(path), "must be a list of entries with `version:` (a number) and `note:`")
    return {int(e["version"]): str(e.get("note") or "") for e in data}


def _dump(data: Any) -> str:
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)


def write_text_atomic(path: Path, text: str) -> None:
    """Write `text` to `path` so that readers see the old file or the new one, never a part."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)  # mkstemp makes files private; outputs are ordinary files
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# --------------------------------------------------------------------------------------- loading


def load_series(folder: Path) -> Series:
    """Read and validate the series in `folder`; any mistake raises SeriesFileError naming file and field."""
    series_file = folder / SERIES_FILE
    if not series_file.is_file():
        raise SeriesFileError(
            str(folder),
            f'is not a series folder (no {SERIES_FILE}); write one with `dramaline new "PREMISE" --out {folder}`',
        )
    header, text = _read(series_file)
    if not isinstance(header, dict):
        raise SeriesFileError(str(series_file), "must be a mapping of fields (title:, logline:, bible: ...)")
    _check_schema_version(series_file, header)
    header = {k: v for k, v in header.items() if k != "episodes"}
    base = _validate(Series, header, series_file, text)
    episodes: list[Episode] = []
    files = sorted((folder / EPISODES_DIR).glob("ep*.yaml"))
    for number, path in enumerate(files, start=1):
        if path != episode_path(folder, number):
            raise SeriesFileError(
                str(path),
                f"episode files must be numbered without gaps; expected {episode_path(folder, number).name}"
                f" here. Rename the files so they run ep001.yaml, ep002.yaml, ...",
            )
        data, text = _read(path)
        episode = _validate(Episode, data, path, text)
        if episode.number != number:
            raise SeriesFileError(
                str(path),
                f"number: is {episode.number} but the file is episode {number}; set number: {number}",
            )
        _check_references(base.bible, episode, path)
        episodes.append(episode)
    try:
        return base.with_episodes(tuple(episodes))
    except ValidationError as exc:
        raise SeriesFileError(str(series_file), _describe(exc, None)) from exc


def _read(path: Path) -> tuple[Any, str]:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise SeriesFileError(str(path), f"is not UTF-8 text ({exc.reason}); save it as UTF-8") from exc
    except OSError as exc:
        raise SeriesFileError(str(path), f"cannot be read: {exc.strerror}") from exc
    try:
        data = yaml.load(text, Loader=_LOADER)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        raise SeriesFileError(
            str(path), f"{where}invalid YAML ({exc.problem}); check indentation and quote text containing ': '"
        ) from exc
    except yaml.YAMLError as exc:
        raise SeriesFileError(str(path), f"invalid YAML: {exc}") from exc
    return data, text


def _check_schema_version(path: Path, header: dict[str, Any]) -> None:
    version = header.get("schema_version")
    if version is None:
        raise SeriesFileError(str(path), f"schema_version: missing; add `schema_version: {SCHEMA_VERSION}`")
    if version != SCHEMA_VERSION:
        raise SeriesFileError(
            str(path),
            f"schema_version: is {version!r}, but this dramaline reads schema {SCHEMA_VERSION}; "
            "upgrade dramaline, or write the series again with this version",
        )


def _validate(model: type[M], data: Any, path: Path, text: str) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        # Line numbers need the node tree; it is composed only when there is an error to locate.
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        raise SeriesFileError(str(path), _describe(exc, node)) from exc


def _check_references(bible: Bible, episode: Episode, path: Path) -> None:
    try:
        bible.check_episode(episode)
    except ValueError as exc:
        raise SeriesFileError(str(path), f"{exc} (characters and locations live in {SERIES_FILE})") from exc


def _describe(exc: ValidationError, node: yaml.Node | None) -> str:
    """One error message: line, field path, problem, and a hint for the most common mistakes."""
    errors = exc.errors()
    # A misspelt field shows up as "extra" plus "missing"; the extra one is the one to fix.
    err = next((e for e in errors if e["type"] == "extra_forbidden"), errors[0])
    loc = err["loc"]
    field = _field_path(loc) or "(top level)"
    line = _line_of(node, loc)
    msg = str(err["msg"]).removeprefix("Value error, ")
    hint = ""
    if err["type"] == "missing":
        hint = f"; add `{loc[-1]}:`"
    elif err["type"] == "extra_forbidden":
        missing = [str(e["loc"][-1]) for e in errors if e["type"] == "missing" and e["loc"][:-1] == loc[:-1]]
        close = difflib.get_close_matches(str(loc[-1]), missing, n=1)
        hint = f"; did you mean `{close[0]}:`?" if close else "; remove it or check its spelling"
    elif err["type"] in ("enum", "literal_error"):
        hint = f" (found {err.get('input')!r})"
    more = exc.error_count() - 1
    tail = f" (and {more} more problem{'s' if more > 1 else ''})" if more else ""
    where = f"line {line}: " if line else ""
    return f"{where}{field}: {msg}{hint}{tail}"


def _field_path(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _line_of(node: yaml.Node | None, loc: tuple[int | str, ...]) -> int | None:
    """The 1-based line of the YAML node at `loc`, or of its nearest existing parent."""
    if node is None:
        return None
    line = node.start_mark.line + 1
    for part in loc:
        child: yaml.Node | None = None
        if isinstance(node, yaml.MappingNode):
            child = next((v for k, v in node.value if getattr(k, "value", None) == part), None)
            if child is None:
                child = next((k for k, _ in node.value if getattr(k, "value", None) == part), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            child = node.value[part]
        if child is None:
            break
        node = child
        line = node.start_mark.line + 1
    return line
