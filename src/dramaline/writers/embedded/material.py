"""Loads and validates the embedded writer's story material (archetype files and name pools).

Run `python -m dramaline.writers.embedded.material FILE.yaml ...` to check material files.
"""

from __future__ import annotations

import sys
from functools import cache
from importlib import resources
from pathlib import Path

import yaml
from pydantic import ValidationError

from dramaline.errors import SeriesFileError
from dramaline.model import Archetype
from dramaline.writers.embedded.spec import ArchetypeSpec, NamePool

# libyaml's loader is several times faster than the pure-Python one; both are "safe".
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _read_yaml(path: str, text: str) -> object:
    try:
        return yaml.load(text, Loader=_LOADER)
    except yaml.YAMLError as exc:
        raise SeriesFileError(path, f"is not valid YAML: {exc}") from exc


def parse_archetype(path: str, text: str) -> ArchetypeSpec:
    """Parse and validate one archetype file's text; errors name the file and field."""
    data = _read_yaml(path, text)
    try:
        return ArchetypeSpec.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = ".".join(str(p) for p in first["loc"])
        raise SeriesFileError(path, f"{loc}: {first['msg']} ({exc.error_count()} problem(s) in all)") from exc


@cache
def load_archetype(archetype: Archetype) -> ArchetypeSpec:
    """Return the packaged material for `archetype`."""
    res = resources.files("dramaline.writers.embedded").joinpath("archetypes", f"{archetype.value}.yaml")
    return parse_archetype(f"archetypes/{archetype.value}.yaml", res.read_text(encoding="utf-8"))


@cache
def default_names() -> NamePool:
    """The default (English-language) name pool, used where an archetype brings none."""
    res = resources.files("dramaline.writers.embedded").joinpath("names.yaml")
    return NamePool.model_validate(_read_yaml("names.yaml", res.read_text(encoding="utf-8")))


def available_archetypes() -> list[Archetype]:
    """Archetypes whose material ships with the package."""
    folder = resources.files("dramaline.writers.embedded").joinpath("archetypes")
    return [a for a in Archetype if folder.joinpath(f"{a.value}.yaml").is_file()]


def _main(paths: list[str]) -> int:
    status = 0
    for p in paths:
        try:
            spec = parse_archetype(p, Path(p).read_text(encoding="utf-8"))
        except SeriesFileError as exc:
            print(f"FAIL {exc}")
            status = 1
            continue
        recipes = spec.all_scenes()
        variants = sum(len(line.text) for _, s in recipes for line in s.lines)
        print(f"ok   {p}: {len(recipes)} scene recipes, {variants} line variants")
    return status


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
