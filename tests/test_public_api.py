"""The public API: `__all__` is sorted, complete for the model, and every name resolves."""

from __future__ import annotations

import ast
from pathlib import Path

import dramaline
from dramaline import model

SRC = Path(dramaline.__file__).resolve().parent


def test_all_is_sorted_and_resolves() -> None:
    # isort-style order, as ruff keeps it: CONSTANTS, then Classes, then functions.
    def order(name: str) -> tuple[int, str]:
        return (0 if name.isupper() else 1 if name[0].isupper() else 2, name)

    assert dramaline.__all__ == sorted(dramaline.__all__, key=order)
    for name in dramaline.__all__:
        assert hasattr(dramaline, name), name


def test_every_public_model_class_is_exported() -> None:
    classes = {
        n
        for n, v in vars(model).items()
        if isinstance(v, type) and v.__module__.startswith(f"{model.__name__}.") and n != "Frozen"
    }
    missing = classes - set(dramaline.__all__)
    assert missing == set()


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
    return found


def test_model_imports_nothing_from_the_package() -> None:
    for path in (SRC / "model").glob("*.py"):
        outside = {m for m in _imports(path) if m.startswith("dramaline") and not m.startswith("dramaline.model")}
        assert not outside, path.name


def test_only_the_cli_reads_settings() -> None:
    for path in SRC.rglob("*.py"):
        rel = path.relative_to(SRC).as_posix()
        if rel.startswith("cli/") or rel == "settings.py":
            continue
        uses = "dramaline.settings" in _imports(path)
        allowed = rel in {"providers/openai_chat.py", "writers/llm.py"}  # configured from Settings by the CLI
        assert not uses or allowed, f"{rel} imports settings"
