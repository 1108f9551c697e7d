"""Docs that fail when they fall behind the code: settings, commands and archetypes in README.md."""

from __future__ import annotations

from pathlib import Path

import pytest

from dramaline.cli import app
from dramaline.model import Archetype
from dramaline.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
ARCHITECTURE = (ROOT / "ARCHITECTURE.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("name", sorted(Settings.model_fields))
def test_every_setting_is_documented(name: str) -> None:
    assert f"DRAMALINE_{name.upper()}" in README


@pytest.mark.parametrize("command", sorted(c.name or "" for c in app.registered_commands))
def test_every_command_is_in_the_readme(command: str) -> None:
    assert f"dramaline {command}" in README


@pytest.mark.parametrize("archetype", [a.value for a in Archetype])
def test_every_archetype_is_listed(archetype: str) -> None:
    assert archetype in README


def test_readme_opens_with_what_it_is_then_the_two_commands() -> None:
    assert README.startswith("# dramaline\n\ndramaline is")
    setup = README[README.index("## Set up") :]
    block = setup[setup.index("```") + 3 : setup.index("```", setup.index("```") + 3)]
    assert [line.split()[0:2] for line in block.strip().splitlines()] == [["make", "demo"], ["make", "test"]]


def test_architecture_names_existing_modules() -> None:
    for module in ("model/", "series_folder.py", "shape.py", "writers/embedded/", "writers/llm.py", "exports/"):
        assert module in ARCHITECTURE
        assert (ROOT / "src" / "dramaline" / module).exists(), module
