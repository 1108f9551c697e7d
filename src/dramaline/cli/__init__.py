"""The `dramaline` command line: thin commands over the package, one module per group of nouns.

Any DramalineError becomes one red line on stderr and exit status 1, never a traceback.
"""

from __future__ import annotations

import sys

import typer
from rich.console import Console

from dramaline.cli import exchange, inspect, write
from dramaline.errors import DramalineError

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


def main() -> None:
    """Entry point of the `dramaline` console script."""
    try:
        app(standalone_mode=True)
    except DramalineError as exc:
        Console(stderr=True).print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
        sys.exit(1)
