"""Benchmark: a full episode build, then the rebuild after a one-line edit, and the build's peak memory.

Both builds run `dramaline make` exactly as a user would (a fresh process, final preset, local
executor, espeak-ng voices, C2PA signing), on an episode written by the embedded writer.
The edit changes the text of one line in the episode's middle scene, so the rebuild re-voices
that line, re-renders the shots it plays in, re-mixes and re-joins the episode, and reuses
everything else (the shots the longer line only moves included). The rebuild is timed
`REBUILDS` times, each on a fresh copy of the built series, and the median is reported: a
four-second run on a shared machine varies by a tenth either way, a twenty-five-second one less.
Memory is the largest sum of resident memory over the build's whole process tree (the CLI and
its workers), sampled every 100 ms from /proc.
Targets: rebuild ≤ 15% of the full build; peak memory < 2 GB.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import yaml

PREMISE = "A janitor is secretly the heir of the richest family"
REBUILDS = 3
PAGE = os.sysconf("SC_PAGE_SIZE")


def _tree_rss(root: int) -> int:
    """Resident bytes of `root` and all its descendants, now (Linux /proc)."""
    parents: dict[int, int] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
            with open(f"/proc/{entry}/statm") as f:
                pages = int(f.read().split()[1])
        except OSError:  # the process ended while we looked
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        parents[int(entry)], rss[int(entry)] = int(fields[1]), pages * PAGE
    tree, frontier = {root}, [root]
    while frontier:
        pid = frontier.pop()
        kids = [p for p, parent in parents.items() if parent == pid and p not in tree]
        tree.update(kids)
        frontier += kids
    return sum(rss.get(p, 0) for p in tree)


def _timed_make(folder: Path, preset: str) -> tuple[float, int, str]:
    """Seconds, peak tree memory in bytes, and the per-stage times line of one `dramaline make`."""
    cmd = [sys.executable, "-m", "dramaline", "make", str(folder), "--preset", preset]
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, _tree_rss(proc.pid))
            time.sleep(0.1)  # walking /proc costs CPU the build would otherwise have

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    output, _ = proc.communicate()
    seconds = time.perf_counter() - start
    done.set()
    sampler.join()
    if proc.returncode != 0:
        raise RuntimeError(f"dramaline make failed ({proc.returncode}):\n{output[-2000:]}")
    stages = [x.strip() for x in output.splitlines() if x.strip().startswith("time:")]
    return seconds, peak, stages[-1] if stages else ""


def _edit_one_line(folder: Path) -> str:
    """Change the text of the first spoken line of the episode's middle scene; returns its scene id."""
    path = folder / "episodes" / "ep001.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    scene = data["scenes"][len(data["scenes"]) // 2]
    line = scene["lines"][0]
    line["text"] = line["text"].rstrip(".!?…") + ", and I mean every word."
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return str(scene["id"])


def run(preset: str = "final") -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="dramaline-bench-") as tmp:
        folder = Path(tmp) / "series"
        subprocess.run(
            [sys.executable, "-m", "dramaline", "new", PREMISE, "--episodes", "1", "--seed", "5", "--out", str(folder)],
            check=True,
            capture_output=True,
        )
        full_s, full_peak, full_stages = _timed_make(folder, preset)
        rebuilds = []
        for k in range(REBUILDS):
            copy = Path(tmp) / f"edited-{k}"
            shutil.copytree(folder, copy, symlinks=True)
            _edit_one_line(copy)
            rebuilds.append(_timed_make(copy, preset))
        again_s = statistics.median(r[0] for r in rebuilds)
        again_peak = max(r[1] for r in rebuilds)
        print(f"full build {full_stages}\nrebuild {rebuilds[-1][2]}", file=sys.stderr)
        print(f"rebuilds: {', '.join(f'{r[0]:.2f} s' for r in rebuilds)}", file=sys.stderr)
        episode = next(p for p in (copy / "build" / preset).glob("*.mp4") if ".preview" not in p.name)
        probe = ["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", str(episode)]
        video_s = float(subprocess.run(probe, check=True, capture_output=True, text=True).stdout)
    return {
        "video_s": video_s,
        "full_s": full_s,
        "rebuild_s": again_s,
        "rebuild_share": again_s / full_s,
        "peak_gb": max(full_peak, again_peak) / 1e9,
    }


def report(result: dict[str, float]) -> str:
    return (
        f"rebuild after a one-line edit of a {result['video_s']:.0f} s episode: "
        f"{result['rebuild_share']:.1%} of the full build (median {result['rebuild_s']:.2f} s of {REBUILDS} vs "
        f"{result['full_s']:.1f} s; target <= 15%); peak memory of the build {result['peak_gb']:.2f} GB "
        "(target < 2 GB)"
    )


if __name__ == "__main__":
    print(report(run(sys.argv[sys.argv.index("--preset") + 1] if "--preset" in sys.argv else "final")))
