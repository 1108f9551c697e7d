"""Runs every benchmark in this folder and prints one line of results each (`make bench`)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import ingest, ingest_http, metrics, portfolio, rebuild, render, revise, season, studio, write

BENCHMARKS = (write, render, rebuild, ingest, metrics, ingest_http, studio, revise, portfolio, season)


def main() -> int:
    for bench in BENCHMARKS:
        print(bench.report(bench.run()), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
