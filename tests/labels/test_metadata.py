"""The AIGC (GB 45438 Appendix E) metadata: its JSON, the ffmpeg options, and a round trip through an MP4."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from dramaline.errors import InvalidInputError
from dramaline.labels.metadata import AIGC_FIELDS, aigc_metadata, mp4_metadata, read_aigc
from tests.labels.conftest import remux_tagged


def test_aigc_json_has_every_field_in_order():
    text = aigc_metadata(producer="短剧工厂", produce_id="S01E01-7f3a", propagator="douyin", propagate_id="v123")
    record = json.loads(text)
    assert tuple(record) == AIGC_FIELDS
    assert record["Label"] == "1"
    assert record["ContentProducer"] == "短剧工厂"
    assert record["ProduceID"] == "S01E01-7f3a"
    assert record["ContentPropagator"] == "douyin"
    assert record["PropagateID"] == "v123"
    assert record["ReservedCode2"] == ""
    canonical = '{"ContentProducer":"短剧工厂","Label":"1","ProduceID":"S01E01-7f3a"}'
    assert record["ReservedCode1"] == hashlib.sha256(canonical.encode()).hexdigest()
    assert "短剧工厂" in text, "UTF-8, not \\u escapes"
    assert " " not in text


def test_propagator_fields_default_to_empty():
    record = json.loads(aigc_metadata(producer="dramaline", produce_id="x"))
    assert record["ContentPropagator"] == record["PropagateID"] == ""


@pytest.mark.parametrize(("producer", "produce_id"), [("", "x"), ("p", " ")])
def test_producer_and_id_are_required(producer, produce_id):
    with pytest.raises(InvalidInputError):
        aigc_metadata(producer=producer, produce_id=produce_id)


def test_mp4_metadata():
    aigc = aigc_metadata(producer="p", produce_id="1")
    assert mp4_metadata(aigc, title="Ep 1", comment="AI-generated") == {
        "AIGC": aigc,
        "title": "Ep 1",
        "comment": "AI-generated",
    }
    with pytest.raises(InvalidInputError):
        mp4_metadata('{"Label": "1"}', title="t", comment="c")
    with pytest.raises(InvalidInputError):
        mp4_metadata("not json", title="t", comment="c")


def test_aigc_round_trips_through_an_ffmpeg_written_mp4(tiny_mp4: Path, tmp_path: Path):
    aigc = aigc_metadata(producer="短剧工厂", produce_id="S01E01")
    tags = mp4_metadata(aigc, title="第1集", comment="AI生成")
    out = remux_tagged(tiny_mp4, tmp_path / "labelled.mp4", tags)
    assert read_aigc(out) == json.loads(aigc)
    assert read_aigc(tiny_mp4) == {}


def test_read_aigc_needs_a_media_file(tmp_path: Path):
    with pytest.raises(InvalidInputError):
        read_aigc(tmp_path / "missing.mp4")
    junk = tmp_path / "junk.mp4"
    junk.write_bytes(b"not a video")
    with pytest.raises(InvalidInputError):
        read_aigc(junk)
