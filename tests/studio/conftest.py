"""Shared fixtures of the studio tests: one small built studio, made once and copied where a test changes it.

The series is written by the embedded writer and cut to three short scenes an episode; episode 1
is built at a "draft" preset shrunk to 180×320 at 10 fps with the fake speech model (as the
produce tests do), and a simulated audience with a planted hotspot in episode 1's second scene
watches it. The studio's render jobs use the same production, so the cache is shared and a
one-line edit rebuilds one scene.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from fastapi import FastAPI
from fastapi.testclient import TestClient

from dramaline.audience.simulate import AudienceModel, simulate_into
from dramaline.audience.store import EventStore
from dramaline.audience.timelines import load_timelines
from dramaline.model import Preset, Series, WriteRequest
from dramaline.produce.build import Production, make
from dramaline.produce.executors import LocalExecutor
from dramaline.series_folder import load_series, save_series
from dramaline.sound.speech import FakeSpeechModel
from dramaline.studio.app import create_app
from dramaline.studio.auth import CSRF_COOKIE
from dramaline.studio.context import StudioConfig
from dramaline.writers.embedded.writer import EmbeddedWriter

HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)  # cheap: the tests sign in often
DRAFT = Preset(name="draft", width_px=180, height_px=320, fps=10, crf=30, x264_preset="veryfast")
SERIES = "night-shift"
PASSWORD = "correct horse battery"
# Read at import: the suite's autouse fixture clears DRAMALINE_* variables before each test runs.
ARTIFACTS = os.environ.get("DRAMALINE_TEST_ARTIFACTS")


def production(folder: Path, preset: Preset) -> Production:
    # Workers from a fork server, as the studio's own production has them: it builds beside other threads.
    return Production(preset=preset, speech=FakeSpeechModel(), executor=LocalExecutor(workers=2, fork_server=True))


def config(**changes: object) -> StudioConfig:
    """The studio's settings for tests: the tiny draft preset and the fake voices."""
    base: dict[str, object] = {"presets": {"draft": DRAFT}, "production": production, "password_hasher": HASHER}
    base.update(changes)
    return StudioConfig(**base)  # type: ignore[arg-type]


def short_series() -> Series:
    """Two episodes of three scenes (hook, one middle scene, cliffhanger) of two lines each."""
    series = EmbeddedWriter().write(WriteRequest(premise="A janitor is secretly an heir", episodes=2, seed=3))
    episodes = []
    for ep in series.episodes:
        scenes = [ep.scenes[0], ep.scenes[1], ep.scenes[-1]]
        scenes = [s.model_copy(update={"lines": s.lines[:2]}) for s in scenes]
        episodes.append(ep.model_copy(update={"scenes": tuple(scenes)}))
    return series.with_episodes(tuple(episodes))


@pytest.fixture(scope="session")
def built_studio(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A studio folder holding one built, watched series; treat it as read-only (copy it to change it)."""
    studio = tmp_path_factory.mktemp("studio-built") / "studio"
    folder = studio / SERIES
    save_series(short_series(), folder)
    make(folder, production(folder, DRAFT), episodes=[1])
    series = load_series(folder)
    hot = series.episode(1).scenes[1].id
    timelines = load_timelines(folder, series)
    start = datetime.now(UTC) - timedelta(days=7)
    model = AudienceModel(punish={hot: 8.0})
    simulate_into(EventStore(folder), series, timelines, model, 1500, 1, start, 7.0, series_id=SERIES)
    return studio


@pytest.fixture
def studio_copy(built_studio: Path, tmp_path: Path) -> Path:
    """A private copy of the built studio (cache included, so renders reuse what is built)."""
    target = tmp_path / "studio"
    shutil.copytree(built_studio, target, symlinks=True)
    return target


def csrf_headers(client: TestClient) -> dict[str, str]:
    """The CSRF header for `client`, fetching a page first if it has no token cookie yet."""
    if CSRF_COOKIE not in client.cookies:
        client.get("/sign-in")
    return {"X-CSRF-Token": client.cookies[CSRF_COOKIE]}


def sign_in(client: TestClient, name: str, password: str = PASSWORD) -> None:
    response = client.post("/api/auth/sign-in", json={"name": name, "password": password}, headers=csrf_headers(client))
    assert response.status_code == 200, response.text


def make_app(studio: Path, **changes: object) -> FastAPI:
    return create_app(studio, config(**changes), run_jobs=False)


@pytest.fixture
def local_client(studio_copy: Path) -> Iterator[TestClient]:
    """A client of the studio in local mode (localhost, no users): the local admin, no sign-in."""
    with TestClient(make_app(studio_copy)) as client:
        yield client


def artifacts_dir(request: pytest.FixtureRequest) -> Path:
    """Where screenshots go: $DRAMALINE_TEST_ARTIFACTS, else test-artifacts/ in the repository."""
    base = Path(ARTIFACTS) if ARTIFACTS else Path(__file__).resolve().parents[2] / "test-artifacts"
    out: Path = base / "studio" / str(request.node.name)
    out.mkdir(parents=True, exist_ok=True)
    return out
