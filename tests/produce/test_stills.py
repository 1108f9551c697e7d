"""Generated stills in production: prompts from the bible, the cache, Ken Burns frames, and `make`
end to end against local ComfyUI and OpenAI-images servers."""

from __future__ import annotations

import io
import subprocess
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from dramaline.model import CameraMove, Costume, Preset, Series, Shot, ShotKind, TimedScene, Timeline
from dramaline.produce import segments, timing
from dramaline.produce.build import BuildSummary, Production, make
from dramaline.produce.cache import Cache, digest
from dramaline.produce.encode import probe
from dramaline.produce.executors import LocalExecutor
from dramaline.produce.stills import Direction, fetch, job_stills, scene_requests, seed_for
from dramaline.providers.comfyui import ComfyUIImageModel
from dramaline.providers.fake import FakeImageModel
from dramaline.providers.openai_images import OpenAIImageModel
from dramaline.render.stills import render_frames, render_still_frame
from dramaline.series_folder import load_series, save_series
from dramaline.sound.speech import FakeSpeechModel
from tests.conftest import make_series
from tests.image_servers import COLOR, ComfyUI, OpenAIImages
from tests.protocol_server import ProtocolServer

TINY = Preset(name="tiny", width_px=180, height_px=320, fps=10, crf=30, x264_preset="veryfast")
DIRECTION = Direction(FakeImageModel(), width=96, height=160, style="ink wash")


def timeline(series: Series, number: int = 1) -> Timeline:
    """The episode laid out with every line 2 s long (no voices needed)."""
    episode = series.episode(number)
    return timing.lay_out(series, episode, [[2 * TINY.fps] * len(s.lines) for s in episode.scenes], TINY)


def test_each_shot_is_described_from_the_bible_with_fixed_seeds(series: Series) -> None:
    scenes = timeline(series).scenes
    requests = [r for s in scenes for r in scene_requests(series, s, DIRECTION)]
    assert len(requests) == sum(len(s.shots) for s in scenes)
    for scene in scenes:
        for shot, request in zip(scene.shots, scene_requests(series, scene, DIRECTION), strict=True):
            assert (request.width, request.height) == (96, 160)
            assert request.prompt.endswith("revenge melodrama mood, ink wash")
            if shot.kind is ShotKind.ESTABLISHING:
                assert request.prompt.startswith("wide establishing shot of ")
                assert request.seed == seed_for("location", scene.location) and request.subject is None
            else:
                assert request.subject == shot.subject
                assert request.seed == seed_for("character", str(shot.subject))  # the same in every scene
                assert "grey overalls" in request.prompt and "scar on the left hand" in request.prompt
    ballroom = scene_requests(series, scenes[0], DIRECTION)[0].prompt
    assert "Grand Pearl Ballroom (wedding venue), chandeliers and white roses, at night" in ballroom


def test_a_close_up_shows_the_emotion_its_line_is_played_with(series: Series) -> None:
    hook, slap, _ = timeline(series).scenes  # Claire mocks (smug); Ethan: "Bring the cars around." (cold)
    shots = {shot.kind: r.prompt for shot, r in zip(hook.shots, scene_requests(series, hook, DIRECTION), strict=True)}
    assert shots[ShotKind.CLOSE_UP].startswith("close-up portrait of a 30-year-old woman (heiress)")
    assert "smug smirk" in shots[ShotKind.CLOSE_UP]
    shots = {shot.kind: r.prompt for shot, r in zip(slap.shots, scene_requests(series, slap, DIRECTION), strict=True)}
    assert shots[ShotKind.REACTION].startswith("close-up reaction shot of a 30-year-old man (janitor)")
    assert "cold icy stare" in shots[ShotKind.REACTION]


def test_a_costume_change_dresses_the_character_in_that_scene_only(series: Series) -> None:
    hook = timeline(series).scenes[0]
    gown = hook.model_copy(update={"wardrobe": (Costume(character="claire", outfit="ivory wedding gown"),)})
    before = {s.kind: r for s, r in zip(hook.shots, scene_requests(series, hook, DIRECTION), strict=True)}
    after = {s.kind: r for s, r in zip(gown.shots, scene_requests(series, gown, DIRECTION), strict=True)}
    assert "ivory wedding gown" in after[ShotKind.CLOSE_UP].prompt
    assert "ivory wedding gown" not in before[ShotKind.CLOSE_UP].prompt
    assert after[ShotKind.CLOSE_UP].seed == before[ShotKind.CLOSE_UP].seed


def test_equal_shots_share_one_picture(series: Series) -> None:
    scene = timeline(series).scenes[0]
    doubled = (*scene_requests(series, scene, DIRECTION), scene_requests(series, scene, DIRECTION)[0])
    fetched = {digest(r): segments.Still(digest=digest(r), png=b"x") for r in doubled}
    pictures, indices = job_stills(doubled, fetched)
    assert len(pictures) == len(set(map(digest, doubled)))
    assert indices[-1] == indices[0] == 0


def test_fetch_keeps_pictures_in_the_cache_and_asks_only_for_new_ones(series: Series, tmp_path: Path) -> None:
    model = FakeImageModel()
    cache = Cache(tmp_path / "cache")
    requests = [r for s in timeline(series).scenes for r in scene_requests(series, s, DIRECTION)]
    first, built, reused = fetch(requests, model, cache)
    assert (built, reused) == (len(first), 0) and len(model.requests) == len(first)
    again, built, reused = fetch(requests, model, cache)
    assert (built, reused) == (0, len(first)) and again == first
    # Edit a picture no other shot shares (two shots of one place and framing ask for the same one).
    counts = Counter(digest(r) for r in requests)
    i = next(i for i, r in enumerate(requests) if counts[digest(r)] == 1)
    edited = [
        *requests[:i],
        requests[i].model_copy(update={"prompt": requests[i].prompt + ", rain"}),
        *requests[i + 1 :],
    ]
    _, built, reused = fetch(edited, model, cache)
    assert (built, reused) == (1, len(first) - 1)
    other = FakeImageModel(color=(1, 2, 3))  # another backend: its own pictures
    assert fetch(requests, other, cache)[1] == len(first)


def gradient() -> bytes:
    """A grey ramp from black (left) to white (right): any horizontal travel changes the centre pixel."""
    x = np.linspace(0, 255, 400).astype(np.uint8)
    pixels = np.stack([np.tile(x, (600, 1))] * 3, axis=-1)
    out = io.BytesIO()
    Image.fromarray(pixels).save(out, format="PNG")
    return out.getvalue()


def scene_of(shots: tuple[Shot, ...]) -> TimedScene:
    return TimedScene(
        scene_id="s1", beat="hook", location="ballroom", time_of_day="night", characters=("ethan",),
        start_frame=0, end_frame=shots[-1].end_frame, lines=(), shots=shots,
    )  # fmt: skip


def test_frames_are_a_camera_move_over_each_shots_picture() -> None:
    shots = (
        Shot(kind=ShotKind.ESTABLISHING, start_frame=0, end_frame=12, move=CameraMove.PAN),
        Shot(kind=ShotKind.CLOSE_UP, start_frame=12, end_frame=20, subject="ethan", move=CameraMove.PUSH_IN),
    )
    flat = io.BytesIO()
    Image.new("RGB", (64, 64), COLOR).save(flat, format="PNG")
    frames = [f.copy() for f in render_frames(scene_of(shots), [gradient(), flat.getvalue()], (0, 1), TINY)]
    assert len(frames) == 20 and all(f.shape == (320, 180, 3) for f in frames)
    assert frames[0][160, 90, 0] != frames[11][160, 90, 0]  # the pan travels across the gradient
    assert (frames[15][160, 90] == COLOR).all()
    still = render_still_frame(scene_of(shots), [gradient(), flat.getvalue()], (0, 1), TINY, 5)
    assert (still == frames[5]).all()
    with pytest.raises(ValueError, match="2 shots but its stills map"):
        list(render_frames(scene_of(shots), [flat.getvalue()], (0, 1), TINY))


def frame_at(video: Path, seconds: float) -> np.ndarray:
    raw = subprocess.run(
        ["ffmpeg", "-v", "error", "-ss", str(seconds), "-i", str(video), "-frames:v", "1", "-f", "rawvideo",
         "-pix_fmt", "rgb24", "-"],
        capture_output=True, check=True,
    ).stdout  # fmt: skip
    return np.frombuffer(raw, np.uint8).reshape(TINY.height_px, TINY.width_px, 3)


def shows_the_picture(frame: np.ndarray) -> bool:
    """Whether the middle of the frame is the served picture's flat colour (not a drawn room), give or take
    the colour-matrix round trip through H.264's YUV."""
    centre = frame[120:200, 40:140].reshape(-1, 3).astype(float)
    return bool(np.abs(np.median(centre, axis=0) - COLOR).max() <= 24 and centre.std(axis=0).max() < 4)


def production(model: ComfyUIImageModel | OpenAIImageModel) -> Production:
    return Production(
        preset=TINY,
        speech=FakeSpeechModel(),
        executor=LocalExecutor(workers=2),
        images=Direction(model, width=96, height=176),
    )


@pytest.fixture(scope="module")
def comfy_build(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, ProtocolServer, BuildSummary]]:
    folder = tmp_path_factory.mktemp("comfy") / "series"
    save_series(make_series(episodes=1), folder)
    with ProtocolServer(ComfyUI(polls=1)) as server:
        model = ComfyUIImageModel(base_url=server.origin, poll_s=0.01)
        yield folder, server, make(folder, production(model))


def test_make_with_comfyui_builds_episodes_from_the_pictures(
    comfy_build: tuple[Path, ProtocolServer, BuildSummary],
) -> None:
    folder, server, summary = comfy_build
    episode = folder / "build" / "tiny" / "ep001.mp4"
    video = next(s for s in probe(episode)["streams"] if s["codec_type"] == "video")
    plan = Timeline.model_validate_json((folder / "build" / "tiny" / "ep001.timeline.json").read_text())
    assert int(video["nb_frames"]) == plan.duration_frames
    middle = frame_at(episode, plan.duration_frames / TINY.fps / 2)
    assert shows_the_picture(middle)
    distinct = {digest(r) for s in plan.scenes for r in scene_requests(load_series(folder), s, Direction(
        FakeImageModel(), width=96, height=176))}  # fmt: skip
    assert summary.built["still"] == len(distinct) == len([r for r in server.requests if r.path == "/prompt"])
    with Image.open(folder / "build" / "tiny" / "ep001.cover.jpg") as cover:
        assert cover.size == (1080, 1920)
        pixel = cover.getpixel((540, 700))
        assert isinstance(pixel, tuple)  # newer Pillow types it as a union
        assert max(abs(a - b) for a, b in zip(pixel, COLOR, strict=True)) <= 12


def test_a_rebuild_asks_the_server_for_nothing(comfy_build: tuple[Path, ProtocolServer, BuildSummary]) -> None:
    folder, server, first = comfy_build
    before = len(server.requests)
    model = ComfyUIImageModel(base_url=server.origin, poll_s=0.01)
    again = make(folder, production(model))
    assert len(server.requests) == before
    assert sum(again.built.values()) == 0 and again.reused["still"] == first.built["still"]


def test_make_with_an_openai_images_server(tmp_path: Path) -> None:
    series = make_series(episodes=1)
    episode = series.episode(1)
    series = series.with_episodes((episode.model_copy(update={"scenes": episode.scenes[:1]}),))
    save_series(series, tmp_path / "s")
    with ProtocolServer(OpenAIImages()) as server:
        summary = make(tmp_path / "s", production(OpenAIImageModel(base_url=server.url, model="sdxl")))
        sizes = {r.body["size"] for r in server.requests}
    assert sizes == {"96x176"} and summary.built["still"] == len(server.requests) >= 1
    plan = Timeline.model_validate_json((tmp_path / "s" / "build" / "tiny" / "ep001.timeline.json").read_text())
    last = frame_at(summary.episodes[0], (plan.duration_frames - 2) / TINY.fps)
    assert shows_the_picture(last)
    assert summary.built["scene"] == 1
