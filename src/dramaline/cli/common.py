"""Helpers shared by the CLI commands: settings, consoles and turning bad input into clear errors."""

from __future__ import annotations

from pathlib import Path

from pydantic import ValidationError
from rich.console import Console

from dramaline.errors import ConfigError, InvalidInputError
from dramaline.model import Series
from dramaline.series_folder import load_series
from dramaline.settings import Settings

console = Console(highlight=False, soft_wrap=True)  # paths stay whole, for copy and paste


def settings() -> Settings:
    """The settings for this run, built once per command from the environment and dramaline.toml."""
    try:
        return Settings()
    except ValidationError as exc:
        err = exc.errors()[0]
        name = "DRAMALINE_" + "_".join(str(p) for p in err["loc"]).upper()
        raise ConfigError(f"setting {name}: {err['msg']}; fix it in the environment or dramaline.toml") from exc


def open_series(folder: Path) -> Series:
    """Load the series in `folder`, or raise an error that says how to make one."""
    return load_series(folder)


def invalid_options(exc: ValidationError, options: dict[str, str]) -> InvalidInputError:
    """An InvalidInputError naming the command-line option behind the first validation error."""
    err = exc.errors()[0]
    field = str(err["loc"][0]) if err["loc"] else ""
    option = options.get(field, field)
    msg = str(err["msg"]).removeprefix("Value error, ")
    return InvalidInputError(f"{option}: {msg} (got {err.get('input')!r})")
