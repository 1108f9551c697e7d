"""An edition inside its series folder, and `localize`: translate, voice, build and check it in one go.

DIR/editions/<id>/edition.yaml   language, market, backend, adaptation options
DIR/editions/<id>/glossary.yaml  the terms, seeded from the bible and the options, then edited by hand
DIR/editions/<id>/series.yaml    the translated series (a series folder: same scene ids and cast)
DIR/editions/<id>/episodes/
DIR/editions/<id>/qa.md          every line that failed a check
DIR/build/<preset>/<id>/         the edition's episodes, built with DIR's cache
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml
from pydantic import ValidationError

from dramaline.captions.script import base_language
from dramaline.errors import InvalidInputError
from dramaline.localize import checks
from dramaline.localize.adapt import seed_glossary
from dramaline.localize.glossary import GLOSSARY_FILE, load_glossary, merged, save_glossary
from dramaline.localize.production import build_edition, edition_build_dir, write_subtitles
from dramaline.localize.protocol import Translator
from dramaline.localize.report import write_report
from dramaline.localize.translate import TranslationStats, translate_series
from dramaline.localize.voices import with_edition_voices
from dramaline.model import Edition, Glossary, QAFinding, QAReport, Series, Timeline
from dramaline.produce.build import BuildSummary, Production, Progress
from dramaline.produce.cache import Cache
from dramaline.series_folder import load_series, save_series, write_text_atomic

EDITIONS_DIR = "editions"
EDITION_FILE = "edition.yaml"
_REGION = re.compile(r"-([A-Z]{2})$")


def edition_folder(folder: Path, edition: Edition) -> Path:
    return folder / EDITIONS_DIR / edition.id


def load_edition(path: Path) -> Edition:
    """The edition described in `path` (an edition.yaml)."""
    try:
        return Edition.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    except (OSError, yaml.YAMLError, ValidationError) as exc:
        raise InvalidInputError(
            f"{path}: not a valid edition file ({exc}); fix it or delete the edition folder"
        ) from exc


def list_editions(folder: Path) -> list[Edition]:
    """The editions made of the series in `folder`, by id."""
    root = folder / EDITIONS_DIR
    return [load_edition(p) for p in sorted(root.glob(f"*/{EDITION_FILE}"))] if root.is_dir() else []


def make_edition(source: Series, language: str, market: str | None, **options: object) -> Edition:
    """The Edition for `language` (a BCP 47 tag; a region in it is the market unless one is given)."""
    if base_language(language) == base_language(source.language):
        raise InvalidInputError(f"--to {language}: the series is already in {source.language}; give another language")
    region = _REGION.search(language)
    try:
        return Edition.model_validate(
            {
                "language": language,
                "market": market or (region.group(1) if region else None),
                "source_language": source.language,
                **options,
            }
        )
    except ValidationError as exc:
        err = exc.errors()[0]
        raise InvalidInputError(
            f"{'.'.join(map(str, err['loc']))}: {str(err['msg']).removeprefix('Value error, ')} "
            f"(got {err.get('input')!r}); a language is a BCP 47 tag like es, es-MX or zh-Hans, a market "
            "an ISO country code like MX"
        ) from exc


@dataclass
class Localized:
    """What `localize` made: the edition, its translated series, what translating and building took, its QA."""

    edition: Edition
    folder: Path
    series: Series
    translation: TranslationStats
    build: BuildSummary | None
    report: QAReport
    report_path: Path
    outputs: Path


def localize(
    folder: Path,
    edition: Edition,
    translator: Translator,
    *,
    production: Production,
    episodes: Sequence[int] | None = None,
    progress: Progress | None = None,
    measure: bool = True,
) -> Localized:
    """Translate the series in `folder` into `edition`, build it (or its subtitles), and check every episode."""
    source = load_series(folder)
    numbers = list(episodes) if episodes else [e.number for e in source.episodes]
    here = edition_folder(folder, edition)
    glossary = merged(
        seed_glossary(source, edition.language, edition.market, edition.adaptation), load_glossary(here / GLOSSARY_FILE)
    )
    save_glossary(glossary, here / GLOSSARY_FILE)
    write_text_atomic(
        here / EDITION_FILE,
        "# dramaline edition: how this localised edition is made (see docs/localization.md).\n"
        + yaml.safe_dump(edition.model_dump(mode="json"), sort_keys=False, allow_unicode=True),
    )
    cache = Cache(folder / ".dramaline" / "cache")
    cache.clear_scratch()
    localized, stats = translate_series(
        source,
        target_language=edition.language,
        glossary=glossary,
        adaptation=edition.adaptation,
        translator=translator,
        cache=cache,
        progress=(lambda done, total: progress("translating scenes", done, total)) if progress else None,
    )
    localized = with_edition_voices(localized, edition.language)
    save_series(localized, here)
    preset = production.preset.name
    out_dir = edition_build_dir(folder, preset, edition)
    summary: BuildSummary | None = None
    if edition.subtitles_only:
        timelines = write_subtitles(folder, localized, edition, preset, numbers)
    else:
        summary = build_edition(folder, source, localized, edition, production, episodes=numbers, progress=progress)
        timelines = [
            Timeline.model_validate_json((out_dir / f"ep{n:03d}.timeline.json").read_text(encoding="utf-8"))
            for n in numbers
        ]
    report = quality_report(source, localized, edition, glossary, stats, timelines, out_dir, measure=measure)
    return Localized(edition, here, localized, stats, summary, report, write_report(report, here), out_dir)


def quality_report(
    source: Series,
    localized: Series,
    edition: Edition,
    glossary: Glossary,
    stats: TranslationStats,
    timelines: Sequence[Timeline],
    out_dir: Path,
    *,
    measure: bool = True,
) -> QAReport:
    """Every check on every episode of the edition: lines, captions and, for a voiced edition, the media."""
    findings: list[QAFinding] = []
    lines = cues = 0
    for timeline in timelines:
        n = timeline.episode
        findings += checks.check_lines(source, localized, glossary, stats.unknown, n)
        lines += len(localized.episode(n).lines)
        found, checked = checks.check_timeline(timeline)
        findings += found
        cues += checked
        video = out_dir / f"ep{n:03d}.mp4"
        if measure and not edition.subtitles_only and video.is_file():
            findings += checks.check_media(video, timeline)
    return QAReport(
        edition=edition.id,
        episodes=tuple(t.episode for t in timelines),
        lines_checked=lines,
        cues_checked=cues,
        findings=tuple(findings),
    )
