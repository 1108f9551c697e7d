"""The Ray executor against a real local Ray instance: it must build exactly what the local pool builds.

One Ray instance serves the whole module (starting one takes half a minute on a small machine). The
module is one xdist group, so under `--dist loadgroup` its tests share one worker and one instance.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, TypeVar

import pytest

from dramaline.errors import MediaError
from dramaline.produce.build import BuildSummary, Production, make
from dramaline.produce.encode import probe
from dramaline.produce.executors import Executor, LocalExecutor, RayExecutor
from dramaline.series_folder import save_series
from dramaline.sound.speech import FakeSpeechModel
from tests.produce.test_build import TINY, short_series

ray = pytest.importorskip("ray", reason="the Ray executor tests need Ray: pip install -e '.[dev]'")

pytestmark = pytest.mark.xdist_group("ray")

J = TypeVar("J")
R = TypeVar("R")


class Recording:
    """Passes jobs to another executor and keeps every result, in job order, per `run` call."""

    def __init__(self, inner: Executor) -> None:
        self.inner = inner
        self.id = inner.id
        self.runs: list[list[Any]] = []

    def run(self, fn: Callable[[J], R], jobs: Sequence[J]) -> Iterator[tuple[int, R]]:
        results: list[Any] = [None] * len(jobs)
        self.runs.append(results)
        for i, result in self.inner.run(fn, jobs):
            results[i] = result
            yield i, result


@pytest.fixture(scope="module")
def ray_executor() -> Iterator[RayExecutor]:
    with RayExecutor(num_cpus=2) as executor:
        yield executor
    assert not ray.is_initialized(), "the executor started this instance, so closing it stops it"


def _build(folder: Path, executor: Executor) -> tuple[BuildSummary, Recording]:
    save_series(short_series(), folder)
    recording = Recording(executor)
    summary = make(folder, Production(preset=TINY, speech=FakeSpeechModel(), executor=recording), episodes=[1])
    return summary, recording


def _outputs(folder: Path) -> dict[str, bytes]:
    """Every delivered file; the series timeline names its media by absolute path, so that is made relative."""
    out = folder / "build" / "tiny"
    files = {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}
    files["series.otio"] = files["series.otio"].replace(folder.resolve().as_uri().encode(), b"FOLDER")
    return files


def test_ray_builds_the_same_episode_as_the_local_pool(tmp_path: Path, ray_executor: RayExecutor) -> None:
    # No signer: C2PA signing is the one step that is not reproducible byte for byte.
    local_summary, local = _build(tmp_path / "local", LocalExecutor(workers=2))
    ray_summary, remote = _build(tmp_path / "ray", ray_executor)

    assert len(local.runs) == len(remote.runs) == 1
    local_segments, ray_segments = local.runs[0], remote.runs[0]
    # One segment per shot: the episode's three scenes hold several shots each.
    assert len(ray_segments) == len(local_segments) > 3 and all(isinstance(s, bytes) and s for s in ray_segments)
    for i, (ours, theirs) in enumerate(zip(local_segments, ray_segments, strict=True)):
        assert ours == theirs, f"segment {i + 1}: the Ray segment differs from the local one"

    assert ray_summary.built == local_summary.built
    assert ray_summary.reused == local_summary.reused
    assert [p.name for p in ray_summary.episodes] == [p.name for p in local_summary.episodes] == ["ep001.mp4"]
    local_files, ray_files = _outputs(tmp_path / "local"), _outputs(tmp_path / "ray")
    assert sorted(ray_files) == sorted(local_files)
    for name in local_files:
        assert ray_files[name] == local_files[name], f"{name} differs between the Ray and the local build"


def test_a_failing_job_raises_its_own_exception(tmp_path: Path, ray_executor: RayExecutor) -> None:
    with pytest.raises(MediaError, match=r"ffprobe could not read .*missing\.mp4") as caught:
        list(ray_executor.run(probe, [tmp_path / "missing.mp4"]))
    # The job's own exception, not Ray's wrapper; the wrapper, with the worker's traceback, is chained below.
    assert type(caught.value) is MediaError
    assert isinstance(caught.value.__cause__, ray.exceptions.RayTaskError)

    # An executor made while Ray is already up joins it and leaves it running when closed.
    RayExecutor().close()
    assert ray.is_initialized()
