"""Editions end to end on a tiny build: the rebuild set, the translation cache, subtitles, CJK frames, voices."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest

from dramaline.captions.cues import CJK_MAX_CHARS
from dramaline.captions.render import CaptionPainter, safe_zone
from dramaline.localize.edition import Localized, localize, make_edition
from dramaline.localize.voices import identity_problems
from dramaline.model import PRESETS, Preset, QACheck, Series, Timeline
from dramaline.produce.build import BuildSummary
from dramaline.series_folder import episode_path, load_series, save_series
from tests.localize.conftest import SMALL, TableTranslator, production

SPANISH = {
    "Night 1: the wedding hall glitters.": "Noche 1: el salón de bodas brilla.",
    "Night 2: the wedding hall glitters.": "Noche 2: el salón de bodas brilla.",
    "Mop the floor, Ethan, for the 1th time.": "Friega el suelo, Ethan, por primera vez.",
    "Mop the floor, Ethan, for the 2th time.": "Friega el suelo, Ethan, por segunda vez.",
    "Bring the cars around.": "Trae los coches, todos ellos, ahora mismo, y que nadie se quede atrás.",
    "Who are you really?": "¿Quién eres en realidad?",
}
Spanish = tuple[Path, TableTranslator, Localized]
CHINESE = "你到底是谁？今晚的婚礼大厅灯火辉煌，每个人都在看着我们"


@pytest.fixture(scope="module")
def spanish(built: tuple[Path, Series, BuildSummary]) -> Spanish:
    folder, series, _ = built
    translator = TableTranslator(SPANISH, "Título en español")
    done = localize(folder, make_edition(series, "es", "MX"), translator, production=production())
    return folder, translator, done


def test_spanish_edition_rebuilds_only_language_layers(
    built: tuple[Path, Series, BuildSummary], spanish: Spanish
) -> None:
    folder, original, first = built
    done = spanish[2]
    b = done.build
    assert b is not None
    # New takes for every line, every scene re-encoded with its captions, new mixes and episodes;
    # the original's takes come from the cache, and every scene but the long line's keeps its timing.
    lines = sum(len(e.lines) for e in original.episodes)
    # (a line said the same way in both episodes is voiced once)
    assert b.built["line"] + b.reused["line"] >= lines and b.built["original line"] == 0
    assert b.built["scene"] == first.built["scene"] and b.built["episode"] == 1
    assert b.built["held scene"] + b.built["sped-up line"] >= 2  # "Bring the cars around." runs long
    assert b.reused["scene timing"] == 2
    out = folder / "build" / "small" / "es-MX"
    assert (out / "ep001.mp4").is_file() and (out / "ep001.srt").read_text().count("Friega el suelo")
    assert (folder / "build" / "small" / "ep001.mp4").is_file()  # the original is untouched
    localized = load_series(folder / "editions" / "es-MX")
    assert localized.language == "es" and localized.episode(1).scenes[0].id == original.episode(1).scenes[0].id
    assert identity_problems(original, localized) == []
    assert done.report_path.name == "qa.md" and done.report.count(QACheck.LOUDNESS) == 0
    assert done.report.count(QACheck.SYNC) == 0


def test_edition_keeps_the_original_timing_except_where_speech_runs_long(
    built: tuple[Path, Series, BuildSummary], spanish: Spanish
) -> None:
    folder = built[0]
    source = Timeline.model_validate_json((folder / "build/small/ep001.timeline.json").read_text())
    edition = Timeline.model_validate_json((folder / "build/small/es-MX/ep001.timeline.json").read_text())
    for a, b in zip(source.scenes, edition.scenes, strict=True):
        assert [s.kind for s in a.shots] == [s.kind for s in b.shots]
        if a.scene_id.endswith("s02"):
            assert b.duration_frames > a.duration_frames  # held
        else:
            assert b.duration_frames == a.duration_frames
            assert [x.start_frame - a.start_frame for x in a.lines] == [x.start_frame - b.start_frame for x in b.lines]


def test_relocalizing_after_an_edit_translates_only_the_edited_line(
    built: tuple[Path, Series, BuildSummary], spanish: Spanish
) -> None:
    folder, series, _ = built
    translator = spanish[1]
    again = localize(folder, make_edition(series, "es", "MX"), translator, production=production(), measure=False)
    assert again.build is not None and again.translation.translated == 0 and again.translation.requests == 0
    assert sum(again.build.built[s] for s in ("line", "scene", "mix", "episode")) == 0
    ep = series.episode(1)
    scene = ep.scenes[2]
    edited = scene.model_copy(update={"lines": (scene.lines[0].model_copy(update={"text": "Who are you, stranger?"}),)})
    changed = series.with_episodes((ep.model_copy(update={"scenes": (*ep.scenes[:2], edited)}),))
    save_series(changed, folder)
    asked = len(translator.asked)
    try:
        third = localize(folder, make_edition(changed, "es", "MX"), translator, production=production(),
                         episodes=[1], measure=False)  # fmt: skip
    finally:
        save_series(series, folder)
    assert translator.asked[asked:] == ["Who are you, stranger?"]
    assert third.build is not None and third.translation.translated == 1
    assert third.build.built["scene"] == 1 and third.build.built["episode"] == 1


def test_subtitle_edition_leaves_the_video_alone(built: tuple[Path, Series, BuildSummary]) -> None:
    folder, series, _ = built
    before = (folder / "build/small/ep001.mp4").read_bytes()
    translator = TableTranslator(SPANISH, "Título")
    edition = make_edition(series, "es", None, subtitles_only=True)
    done = localize(folder, edition, translator, production=production())
    assert done.build is None
    vtt = (folder / "build/small/es/ep001.vtt").read_text()
    assert vtt.startswith("WEBVTT") and "Friega el suelo" in vtt
    assert not (folder / "build/small/es/ep001.mp4").exists()
    assert (folder / "build/small/ep001.mp4").read_bytes() == before
    source = Timeline.model_validate_json((folder / "build/small/ep001.timeline.json").read_text())
    subs = Timeline.model_validate_json((folder / "build/small/es/ep001.timeline.json").read_text())
    for a, b in zip(source.scenes, subs.scenes, strict=True):
        for x, y in zip(a.lines, b.lines, strict=True):
            assert (y.cues[0].start_frame, y.cues[-1].end_frame) == (x.start_frame, x.end_frame)


def _frame(video: Path, second: float, preset: Preset = SMALL) -> np.ndarray:
    raw = subprocess.run(
        ["ffmpeg", "-v", "error", "-ss", f"{second:.2f}", "-i", str(video), "-frames:v", "1", "-f", "rawvideo",
         "-pix_fmt", "rgb24", "-"],
        capture_output=True, check=True,
    ).stdout  # fmt: skip
    return np.frombuffer(raw, np.uint8).reshape(preset.height_px, preset.width_px, 3)


def test_chinese_caption_edition_draws_cjk_captions_in_the_safe_zone(built: tuple[Path, Series, BuildSummary]) -> None:
    # At the draft preset a studio previews with: CJK glyphs at their real size, wrapped at its width.
    folder, series, _ = built
    draft = PRESETS["draft"]
    done = localize(
        folder, make_edition(series, "zh-Hans", "CN"), TableTranslator({}, CHINESE), production=production(draft),
        episodes=[1], measure=False,
    )  # fmt: skip
    timeline = Timeline.model_validate_json((done.outputs / "ep001.timeline.json").read_text())
    cues = [c for s in timeline.scenes for line in s.lines for c in line.cues]
    assert cues and all(len(row) <= CJK_MAX_CHARS for c in cues for row in c.text.split("\n"))
    assert all(row.strip() and row[0] not in "，。！？" for c in cues for row in c.text.split("\n"))  # kinsoku
    # A real frame from the middle of a cue, against the same frame's picture without captions
    # (the original English edition shows a different caption there, so compare where they differ).
    cue = cues[1]
    second = (cue.start_frame + cue.end_frame) / 2 / timeline.fps
    frame = _frame(done.outputs / "ep001.mp4", second, draft).astype(np.int16)
    painter = CaptionPainter(draft, "zh-Hans")
    overlay = painter.paint(cue.text)
    ink = overlay.ink_box()
    assert ink is not None and safe_zone(draft).contains(overlay.box)
    inside = frame[ink.top : ink.bottom, ink.left : ink.right]
    # The caption box is a dark translucent panel with white glyphs: bright strokes inside it.
    assert (inside.min(axis=2) > 200).mean() > 0.03
    # Where the painted glyph strokes are opaque, the frame is bright; the frame matches the CJK font's drawing.
    alpha = overlay.rgba[..., 3] > 250
    white = overlay.rgba[..., :3].min(axis=2) > 230
    strokes = alpha & white
    region = frame[overlay.y : overlay.y + overlay.height, overlay.x : overlay.x + overlay.width]
    assert region[strokes].mean() > 180 and region[~strokes & alpha].mean() < 120
    # Above the safe zone's bottom band there is no caption: the top 14 % is as the picture made it.
    assert ink.top >= safe_zone(draft).top


def test_unsupported_pair_lists_the_installed_ones(built: tuple[Path, Series, BuildSummary]) -> None:
    import shutil

    from dramaline.errors import InvalidInputError
    from dramaline.localize.apertium import ApertiumTranslator

    if shutil.which("apertium") is None:
        pytest.skip("apertium is not installed")
    with pytest.raises(InvalidInputError, match=r"no installed pair en→xh.*Installed pairs: .*en→es.*--backend llm"):
        ApertiumTranslator("en", "xh")
    with pytest.raises(InvalidInputError, match="already in en"):
        make_edition(built[1], "en-GB", None)
    assert episode_path(built[0], 1).is_file()
