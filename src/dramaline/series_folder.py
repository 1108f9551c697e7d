"""A series on disk: human-editable YAML in a project folder, loaded with errors that point at the fix.

    DIR/series.yaml          schema_version, metadata and the bible
    DIR/episodes/ep001.yaml  one file per episode: scenes and lines

Writes are atomic: a new series appears whole or not at all, and each file of an existing
series is replaced in one step, so an interrupted save never leaves a half-written file.
"""

from __future__ import annotations

import difflib
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import ValidationError

from dramaline.errors import SeriesFileError
from dramaline.model import SCHEMA_VERSION, Bible, Episode, Series

M = TypeVar("M", Series, Episode)
# libyaml's loader is several times faster than the pure-Python one; both are "safe".
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

SERIES_FILE = "series.yaml"
EPISODES_DIR = "episodes"
_HEADER = "# dramaline {what} (schema {version}). Edit freely; `dramaline check {folder}` validates it.\n"


def episode_path(folder: Path, number: int) -> Path:
    """The file that holds episode `number` of the series in `folder`."""
    return folder / EPISODES_DIR / f"ep{number:03d}.yaml"


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
        rel = str(episode_path(Path(), episode.number))
        body = episode.model_dump(mode="json", exclude_defaults=True)
        files[rel] = _HEADER.format(what="episode", version=SCHEMA_VERSION, folder=folder) + _dump(body)
    return files


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
