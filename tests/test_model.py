"""The data model: validation, immutability, cross-references, timing in frames."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from dramaline.model import BeatType, Series, WriteRequest, count_words, frames_for_words
from tests.conftest import make_series


def test_models_are_frozen(series: Series) -> None:
    with pytest.raises(ValidationError):
        series.title = "Another"  # type: ignore[misc]


def test_json_round_trip_is_exact(series: Series) -> None:
    again = Series.model_validate_json(series.model_dump_json())
    assert again == series


def test_unknown_speaker_in_scene_is_rejected(series: Series) -> None:
    data = series.model_dump(mode="json")
    data["episodes"][0]["scenes"][1]["lines"][0]["speaker"] = "claire"
    with pytest.raises(ValidationError, match="not in this scene's characters"):
        Series.model_validate(data)


def test_wardrobe_dresses_only_characters_in_the_scene(series: Series) -> None:
    data = series.model_dump(mode="json")
    scene = data["episodes"][0]["scenes"][1]
    scene["wardrobe"] = [{"character": scene["characters"][0], "outfit": "ivory wedding gown"}]
    dressed = Series.model_validate(data).episodes[0].scenes[1]
    assert dressed.wardrobe[0].outfit == "ivory wedding gown"
    scene["wardrobe"].append({"character": "margaret", "outfit": "black veil"})
    with pytest.raises(ValidationError, match=r"wardrobe\[1\] dresses 'margaret', who is not in this scene"):
        Series.model_validate(data)
    scene["wardrobe"] = [scene["wardrobe"][0], scene["wardrobe"][0]]
    with pytest.raises(ValidationError, match="duplicate character in the wardrobe"):
        Series.model_validate(data)


def test_scene_character_must_exist_in_bible(series: Series) -> None:
    data = series.model_dump(mode="json")
    data["episodes"][1]["scenes"][0]["characters"] = ["ethan", "margaret"]
    data["episodes"][1]["scenes"][0]["lines"][1]["speaker"] = "margaret"
    with pytest.raises(ValidationError, match=r"unknown character 'margaret'.*use one of: claire, ethan"):
        Series.model_validate(data)


def test_scene_location_must_exist_in_bible(series: Series) -> None:
    data = series.model_dump(mode="json")
    data["episodes"][0]["scenes"][0]["location"] = "moon"
    with pytest.raises(ValidationError, match="unknown location 'moon'"):
        Series.model_validate(data)


def test_episodes_must_be_numbered_in_order(series: Series) -> None:
    data = series.model_dump(mode="json")
    data["episodes"][1]["number"] = 5
    with pytest.raises(ValidationError, match=r"numbered 1\.\.2"):
        Series.model_validate(data)


def test_thread_paid_off_before_planted_is_rejected(series: Series) -> None:
    data = series.model_dump(mode="json")
    data["bible"]["threads"][0].update(planted_in=2, paid_off_in=1)
    with pytest.raises(ValidationError, match="before it is planted"):
        Series.model_validate(data)


def test_narrator_id_is_reserved(series: Series) -> None:
    data = series.model_dump(mode="json")
    data["bible"]["characters"][0]["id"] = "narrator"
    with pytest.raises(ValidationError, match="reserved"):
        Series.model_validate(data)


def test_beats_and_reversal_vocabulary(series: Series) -> None:
    assert series.episodes[0].beats == (BeatType.HOOK, BeatType.FACE_SLAP, BeatType.CLIFFHANGER)
    assert BeatType.FACE_SLAP.is_reversal and BeatType.REVEAL.is_reversal
    assert not BeatType.HUMILIATION.is_reversal and not BeatType.HOOK.is_reversal


def test_word_counts_and_frames() -> None:
    assert count_words("Don't you dare — kneel, Ethan!") == 5
    assert count_words("你好，世界") == 4
    # 150 words at 150 wpm is one minute: 1800 frames at 30 fps.
    assert frames_for_words(150, wpm=150, fps=30) == 1800
    assert frames_for_words(1, wpm=150, fps=30) == 12
    assert frames_for_words(1, wpm=160, fps=30) == 12  # 11.25 frames rounds up


def test_episode_duration_is_words_at_reading_speed() -> None:
    ep = make_series(1).episodes[0]
    assert ep.spoken_duration_frames(wpm=150, fps=30) == frames_for_words(ep.word_count)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"premise": ""}, "at least 1 character"),
        ({"premise": "  ...  "}, "no words"),
        ({"premise": "x", "episodes": 0}, "greater than or equal to 1"),
        ({"premise": "x", "episodes": 1000}, "less than or equal to 100"),
        ({"premise": "x", "archetype": "space_opera"}, "hidden_heir"),
    ],
)
def test_write_request_rejects_bad_input(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        WriteRequest.model_validate(kwargs)


def test_with_episodes_returns_validated_copy(series: Series) -> None:
    shorter = series.with_episodes(series.episodes[:1])
    assert len(shorter.episodes) == 1 and len(series.episodes) == 2
