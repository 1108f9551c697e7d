"""`make` end to end on tiny drafts: real renders, real ffmpeg, real loudness, the exact rebuild set.

The series is written by the embedded writer and cut to short episodes; voices are the fake
sine-tone speech model so the tests do not depend on espeak's timing.
"""

from __future__ import annotations

import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from dramaline.errors import ConfigError, SeriesFileError
from dramaline.labels.c2pa import make_test_ca, read_c2pa, sign_c2pa
from dramaline.labels.metadata import read_aigc
from dramaline.model import Preset, Series, Timeline, WriteRequest
from dramaline.produce.build import BuildSummary, Production, make
from dramaline.produce.encode import probe
from dramaline.produce.executors import LocalExecutor
from dramaline.series_folder import episode_path, load_series, save_series
from dramaline.sound.speech import FakeSpeechModel
from dramaline.writers.embedded.writer import EmbeddedWriter

TINY = Preset(name="tiny", width_px=180, height_px=320, fps=10, crf=30, x264_preset="veryfast")


def short_series() -> Series:
    """Two episodes of three short scenes each (hook, one middle scene, cliffhanger), four lines a scene."""
    series = EmbeddedWriter().write(WriteRequest(premise="A janitor is secretly an heir", episodes=2, seed=3))
    episodes = []
    for ep in series.episodes:
        scenes = [ep.scenes[0], ep.scenes[1], ep.scenes[-1]]
        scenes = [s.model_copy(update={"lines": s.lines[:3]}) for s in scenes]
        episodes.append(ep.model_copy(update={"scenes": tuple(scenes)}))
    return series.with_episodes(tuple(episodes))


def production(signer: bool = False) -> Production:
    sign = None
    if signer:
        chain, key = make_test_ca(Path("ca"))

        def sign(source: Path, out: Path, title: str) -> None:
            sign_c2pa(source, out, cert_chain_pem=chain, private_key_pem=key, title=title)

    return Production(preset=TINY, speech=FakeSpeechModel(), executor=LocalExecutor(workers=2), signer=sign)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, BuildSummary]:
    folder = tmp_path_factory.mktemp("build") / "series"
    save_series(short_series(), folder)
    return folder, make(folder, production())


def test_outputs_are_platform_ready(built: tuple[Path, BuildSummary]) -> None:
    folder, summary = built
    out = folder / "build" / "tiny"
    assert [p.name for p in summary.episodes] == ["ep001.mp4", "ep002.mp4"]
    info = probe(out / "ep001.mp4")
    video = next(s for s in info["streams"] if s["codec_type"] == "video")
    audio = next(s for s in info["streams"] if s["codec_type"] == "audio")
    assert (video["codec_name"], video["profile"], video["pix_fmt"]) == ("h264", "High", "yuv420p")
    assert (video["width"], video["height"], video["r_frame_rate"]) == (180, 320, "10/1")
    assert (audio["codec_name"], audio["sample_rate"]) == ("aac", "48000")
    data = (out / "ep001.mp4").read_bytes()
    assert data.index(b"moov") < data.index(b"mdat"), "faststart: moov must come before mdat"
    for suffix in (".srt", ".vtt", ".cover.jpg", ".preview.mp4", ".timeline.json"):
        assert (out / f"ep001{suffix}").stat().st_size > 0
    assert (out / "series.otio").is_file()
    # Every version's timeline is kept for the analytics, beside the current one.
    assert (out / "versions" / "ep001.v1.timeline.json").read_bytes() == (out / "ep001.timeline.json").read_bytes()


def test_duration_matches_the_timeline(built: tuple[Path, BuildSummary]) -> None:
    folder, _ = built
    out = folder / "build" / "tiny"
    timeline = Timeline.model_validate_json((out / "ep001.timeline.json").read_text())
    info = probe(out / "ep001.mp4")
    video = next(s for s in info["streams"] if s["codec_type"] == "video")
    assert int(video["nb_frames"]) == timeline.duration_frames
    # Scenes tile the episode exactly, so per-scene durations sum to it.
    assert sum(s.duration_frames for s in timeline.scenes) == timeline.duration_frames
    assert (
        abs(float(info["format"]["duration"]) - timeline.duration_frames / TINY.fps) <= len(timeline.scenes) / TINY.fps
    )


def test_the_preview_is_the_episode_s_first_three_seconds_with_sound(built: tuple[Path, BuildSummary]) -> None:
    folder, _ = built
    info = probe(folder / "build" / "tiny" / "ep001.preview.mp4")
    video = next(s for s in info["streams"] if s["codec_type"] == "video")
    audio = next(s for s in info["streams"] if s["codec_type"] == "audio")
    assert int(video["nb_frames"]) == 3 * TINY.fps and video["pix_fmt"] == "yuv420p"
    assert audio["codec_name"] == "aac" and abs(float(audio["duration"]) - 3.0) <= 0.05


def test_loudness_and_true_peak(built: tuple[Path, BuildSummary]) -> None:
    """Measured on the delivered stereo AAC by ffmpeg's own EBU R128 meter, not by our code."""
    folder, _ = built
    episode = folder / "build" / "tiny" / "ep001.mp4"
    cmd = ["ffmpeg", "-nostats", "-i", str(episode), "-af", "ebur128=peak=true", "-f", "null", "-"]
    report = subprocess.run(cmd, capture_output=True, text=True, check=True).stderr
    summary = report[report.rindex("Summary:") :]
    integrated = float(re.search(r"I:\s+(-?[\d.]+) LUFS", summary)[1])  # type: ignore[index]
    peak = float(re.search(r"Peak:\s+(-?[\d.]+) dBFS", summary)[1])  # type: ignore[index]
    assert -15.0 <= integrated <= -13.0
    assert peak <= -0.5  # AAC encoding may add a few tenths over the -1 dBTP master


def test_captions_follow_the_speech(built: tuple[Path, BuildSummary]) -> None:
    folder, _ = built
    timeline = Timeline.model_validate_json((folder / "build" / "tiny" / "ep001.timeline.json").read_text())
    for scene in timeline.scenes:
        for line in scene.lines:
            assert line.cues, line.text
            assert abs(line.cues[0].start_frame - line.start_frame) / TINY.fps <= 0.1
            assert abs(line.cues[-1].end_frame - line.end_frame) / TINY.fps <= 0.1
    srt = (folder / "build" / "tiny" / "ep001.srt").read_text()
    cues = [c for s in timeline.scenes for line in s.lines for c in line.cues]
    assert srt.count(" --> ") == len(cues)


def test_labels_are_in_the_file(built: tuple[Path, BuildSummary]) -> None:
    folder, _ = built
    aigc = read_aigc(folder / "build" / "tiny" / "ep001.mp4")
    assert aigc["Label"] == "1" and aigc["ContentProducer"] == "dramaline"


def test_second_make_is_all_cache_hits(built: tuple[Path, BuildSummary]) -> None:
    folder, first = built
    assert first.built["scene"] == 6 and first.built["episode"] == 2
    # Where the first build's time went: every stage that ran is timed, within the build's own time.
    assert {"voices", "scenes", "mix", "join", "outputs"} <= first.stage_seconds.keys()
    assert first.stage_seconds["scenes"] > 0 and sum(first.stage_seconds.values()) <= first.seconds
    again = make(folder, production())
    assert sum(again.built.values()) == 0
    assert "scenes" in again.stage_seconds and "join" not in again.stage_seconds  # nothing was joined again
    assert again.reused["scene"] == 6 and again.reused["line"] == first.built["line"]


def test_one_line_edit_rebuilds_exactly_its_line_scene_and_episode(built: tuple[Path, BuildSummary]) -> None:
    folder, _ = built
    series = load_series(folder)
    ep = series.episode(2)
    scene = ep.scenes[1]
    edited = scene.lines[0].model_copy(update={"text": "Nobody in this room will ever laugh at me again."})
    scene = scene.model_copy(update={"lines": (edited, *scene.lines[1:])})
    ep = ep.model_copy(update={"scenes": (ep.scenes[0], scene, ep.scenes[2])})
    save_series(series.with_episodes((series.episodes[0], ep)), folder)
    before = (folder / "build" / "tiny" / "ep001.mp4").read_bytes()
    previews = _indexed(folder, "preview")
    summary = make(folder, production())
    assert {k: v for k, v in summary.built.items() if k not in ("shot", "segment")} == {
        "line": 1,
        "scene": 1,
        "mix": 1,
        "episode": 1,
    }
    # The opening did not change: the preview's pictures are reused, only its sound is new.
    assert _indexed(folder, "preview") == previews + 1
    # Of the edited scene, only the shots the line plays in are drawn again; every other shot is reused.
    assert 1 <= summary.built["shot"] <= 2 and summary.reused["shot"] >= 2 * 3 + 1
    assert summary.built["segment"] >= summary.built["shot"]  # a long shot is drawn in pieces
    assert (folder / "build" / "tiny" / "ep001.mp4").read_bytes() == before


def test_c2pa_is_signed_last(tmp_path: Path) -> None:
    folder = tmp_path / "s"
    save_series(short_series(), folder)
    summary = make(folder, production(signer=True), episodes=[1])
    manifest = read_c2pa(summary.episodes[0])
    assert manifest["validation_state"] in ("Valid", "Trusted")
    assert read_aigc(summary.episodes[0])["Label"] == "1"


def test_a_killed_build_leaves_no_partial_output_and_resumes(tmp_path: Path) -> None:
    folder = tmp_path / "s"
    save_series(short_series(), folder)
    script = (
        "import sys; from pathlib import Path; from tests.produce.test_build import production;"
        "from dramaline.produce.build import make; make(Path(sys.argv[1]), production())"
    )
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    proc = subprocess.Popen([sys.executable, "-c", script, str(folder)], env=env, start_new_session=True)
    deadline = time.time() + 120
    while time.time() < deadline and not _segments_indexed(folder):
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)  # kill -9 the build and its workers mid-render
    proc.wait()
    out = folder / "build" / "tiny"
    for path in out.glob("*"):
        assert not path.name.startswith("."), f"partial file left in place: {path.name}"
        if path.suffix == ".mp4":
            probe(path)  # anything left in place is complete
    summary = make(folder, production())
    assert summary.reused["segment"] >= 1  # what was drawn before the kill is not drawn again
    assert [p.name for p in summary.episodes] == ["ep001.mp4", "ep002.mp4"]


def _segments_indexed(folder: Path) -> int:
    return _indexed(folder, "segment")


def _indexed(folder: Path, stage: str) -> int:
    """How many objects of `stage` the folder's cache holds."""
    index = folder / ".dramaline" / "cache" / "index.sqlite"
    if not index.exists():
        return 0
    try:
        with sqlite3.connect(index, timeout=1) as db:
            return int(db.execute("SELECT COUNT(*) FROM entries WHERE stage = ?", (stage,)).fetchone()[0])
    except sqlite3.OperationalError:
        return 0


def test_bad_series_file_is_reported_and_nothing_is_built(tmp_path: Path) -> None:
    folder = tmp_path / "s"
    save_series(short_series(), folder)
    path = episode_path(folder, 1)
    path.write_text(path.read_text().replace("location:", "location: nowhere-", 1))
    with pytest.raises(SeriesFileError, match=r"ep001\.yaml"):
        make(folder, production())
    assert not (folder / "build").exists()


def test_unknown_location_kind_is_reported(tmp_path: Path) -> None:
    folder = tmp_path / "s"
    save_series(short_series(), folder)
    series_file = folder / "series.yaml"
    text = series_file.read_text()
    kind = json.loads(json.dumps(load_series(folder).bible.locations[0].kind.value))
    series_file.write_text(text.replace(f"kind: {kind}", "kind: spaceship", 1))
    with pytest.raises(SeriesFileError, match=r"kind.*spaceship"):
        make(folder, production())


def test_missing_ffmpeg_is_explained(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "s"
    save_series(short_series(), folder)
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    with pytest.raises(ConfigError, match="apt-get install ffmpeg"):
        make(folder, Production(preset=TINY, speech=FakeSpeechModel(), executor=LocalExecutor(workers=1)))
    assert not list((folder / "build" / "tiny").glob("*.mp4"))
