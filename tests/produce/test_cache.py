"""The content-addressed cache: keys from declared inputs, atomic puts, shared objects, migrations."""

from __future__ import annotations

from pathlib import Path

import pytest

from dramaline.model import Series
from dramaline.produce.cache import Cache, canonical_json, digest, key


def test_keys_depend_on_exactly_the_declared_inputs() -> None:
    base = key("voice", 1, ["a", "b"], {"speech": "espeak:1"})
    assert base == key("voice", 1, ["a", "b"], {"speech": "espeak:1"})
    assert base != key("voice", 2, ["a", "b"], {"speech": "espeak:1"})
    assert base != key("voice", 1, ["a", "c"], {"speech": "espeak:1"})
    assert base != key("voice", 1, ["b", "a"], {"speech": "espeak:1"})
    assert base != key("voice", 1, ["a", "b"], {"speech": "openai:tts-1"})
    assert base != key("scene", 1, ["a", "b"], {"speech": "espeak:1"})


def test_digest_of_models_is_canonical(series: Series) -> None:
    again = Series.model_validate_json(series.model_dump_json())
    assert digest(series) == digest(again)
    assert digest(series) != digest(series.model_copy(update={"title": "Other"}))
    assert canonical_json({"b": 1, "a": [1, 2]}) == '{"a":[1,2],"b":1}'
    with pytest.raises(TypeError, match="cannot digest"):
        digest(3.5)  # type: ignore[arg-type]


def test_put_then_get_and_identical_bytes_share_one_object(tmp_path: Path) -> None:
    cache = Cache(tmp_path / "c")
    assert cache.get("k1") is None
    for k in ("k1", "k2"):
        scratch = cache.scratch(".bin")
        scratch.write_bytes(b"same bytes")
        stored = cache.put(k, "voice", scratch)
        assert not scratch.exists()
    a, b = cache.get("k1"), cache.get("k2")
    assert a is not None and a == b and a.read_bytes() == b"same bytes"
    assert len(list((tmp_path / "c" / "objects").rglob("*.bin"))) == 1
    assert stored.name.startswith(digest(b"same bytes")[2:])
    assert cache.stages() == {"voice": 2}


def test_a_lost_object_counts_as_missing(tmp_path: Path) -> None:
    cache = Cache(tmp_path / "c")
    scratch = cache.scratch(".bin")
    scratch.write_bytes(b"x")
    cache.put("k", "scene", scratch).unlink()
    assert cache.get("k") is None


def test_reopening_keeps_entries_and_clears_scratch(tmp_path: Path) -> None:
    cache = Cache(tmp_path / "c")
    scratch = cache.scratch(".bin")
    scratch.write_bytes(b"y")
    cache.put("k", "scene", scratch)
    leftover = cache.scratch(".bin")  # as if a run was killed mid-write
    again = Cache(tmp_path / "c")
    again.clear_scratch()
    assert again.get("k") is not None
    assert not leftover.exists()


def test_get_or_make_writes_only_what_is_missing(tmp_path: Path) -> None:
    cache = Cache(tmp_path / "cache")
    written: list[Path] = []

    def write(out: Path) -> None:
        written.append(out)
        out.write_bytes(b"cover")

    first = cache.get_or_make(key("cover", 1, ["a"]), "cover", ".jpg", write)
    again = cache.get_or_make(key("cover", 1, ["a"]), "cover", ".jpg", write)
    assert first == again and first.read_bytes() == b"cover" and first.suffix == ".jpg"
    assert len(written) == 1 and not written[0].exists()  # the scratch file was moved into the store
    assert cache.stages() == {"cover": 1}
