"""The `dramaline` command line: thin commands over the package, one module per group of nouns.

Any DramalineError becomes one red line on stderr and exit status 1, never a traceback.
"""

from __future__ import annotations

import gc
import os
import sys

import typer
from rich.console import Console

from dramaline.cli import (
    audience,
    exchange,
    experiment,
    inspect,
    localize,
    next_episodes,
    portfolio,
    produce,
    revise,
    season,
    studio,
    write,
)
from dramaline.errors import DramalineError
from dramaline.heap import keep_freed_memory

app = typer.Typer(
    name="dramaline",
    help="dramaline: write, produce, measure and revise vertical short-drama series.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
write.register(app)
inspect.register(app)
exchange.register(app)
produce.register(app)
audience.register(app)
next_episodes.register(app)
experiment.register(app)
revise.register(app)
portfolio.register(app)
season.register(app)
localize.register(app)
studio.register(app)


def main(argv: list[str] | None = None) -> int:
    """Run the command line on `argv` (default: sys.argv) and return the exit status."""
    try:
        app(args=argv, standalone_mode=True)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else 0 if exc.code is None else 1
    except DramalineError as exc:
        Console(stderr=True).print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
        return 1
    return 0


def run() -> None:
    """Entry point of the `dramaline` console script."""
    keep_freed_memory()  # before numpy is imported: see dramaline.heap
    # Also before numpy: OpenBLAS starts a thread per core with it, which spins for a tenth of a
    # second of CPU at import even with no product to compute. The build's parallel work runs in
    # processes, a core each, and nothing here multiplies matrices large enough to share out.
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    status = main()
    # The interpreter's last garbage collection walks every object left (0.1 s after a build, a
    # fortieth of a rebuild) only to free what the process's exit frees anyway; frozen, they are skipped.
    gc.freeze()
    sys.exit(status)
