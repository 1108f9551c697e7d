"""The archetype material: every file ships, validates, and mistakes in it are reported precisely."""

from __future__ import annotations

import pytest
import yaml

from dramaline.errors import SeriesFileError
from dramaline.model import Archetype
from dramaline.writers.embedded.material import available_archetypes, load_archetype, parse_archetype


def test_all_eight_archetypes_ship() -> None:
    assert available_archetypes() == list(Archetype)


@pytest.mark.parametrize("archetype", list(Archetype))
def test_material_is_rich_enough_for_long_series(archetype: Archetype) -> None:
    spec = load_archetype(archetype)
    assert len(spec.scenes.cliffhanger) >= 8
    assert len(spec.locations) >= 6
    assert len({loc.kind for loc in spec.locations.values()}) >= 5
    variants = sum(len(line.text) for _, scene in spec.all_scenes() for line in scene.lines)
    assert variants >= 300


def _raw(archetype: Archetype) -> dict[str, object]:
    from importlib import resources

    text = resources.files("dramaline.writers.embedded").joinpath("archetypes", f"{archetype.value}.yaml")
    data = yaml.load(text.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    assert isinstance(data, dict)
    return data


def _dump(data: object) -> str:
    return yaml.dump(data, Dumper=getattr(yaml, "CSafeDumper", yaml.SafeDumper))


def test_unknown_placeholder_is_reported_with_its_path() -> None:
    data = _raw(Archetype.HIDDEN_HEIR)
    data["titles"] = ["The {villian}'s Wedding", "A", "B"]
    with pytest.raises(SeriesFileError, match=r"titles\[0\]: unknown placeholder \{villian\}"):
        parse_archetype("bad.yaml", _dump(data))


def test_speaker_outside_the_cast_is_reported() -> None:
    data = _raw(Archetype.HIDDEN_HEIR)
    scenes = data["scenes"]
    assert isinstance(scenes, dict)
    hook = scenes["hook"][0]
    hook["lines"][0]["speaker"] = "nobody"
    with pytest.raises(SeriesFileError, match=r"scenes\.hook\[0\]\.lines\[0\]: speaker 'nobody'"):
        parse_archetype("bad.yaml", _dump(data))
