"""Caption cues: phrase splitting, timing in frames, line wrapping with kinsoku, SRT and WebVTT."""

from __future__ import annotations

import itertools

import pytest

from dramaline.captions.cues import (
    CJK_MAX_CHARS,
    LATIN_MAX_CHARS,
    LATIN_MAX_WORDS,
    MAX_LINES,
    NO_LINE_END,
    NO_LINE_START,
    cues_for_line,
    to_srt,
    to_vtt,
    wrap,
)
from dramaline.errors import InvalidInputError
from dramaline.model import Cue

FPS = 30
MIN_FRAMES = 24  # 0.8 s at 30 fps

LINES = [
    ("en", "Get out of my house. Take your things with you."),
    ("en", "Mother, I'm home. Why is everyone staring at me like that?"),
    ("en", "You think I am still the same little girl you pushed around three years ago in this very house"),
    ("en", "No."),
    ("es", "¿De verdad creías que nunca volvería? Pues aquí estoy, y esta vez no me iré."),
    ("zh", "你以为我还是三年前那个任人欺负的小丫头吗？今天，我要让你们所有人都付出代价！"),
    ("ja", "「待って」と彼女は言った。でも、もう遅い。あなたのことは、二度と信じない。"),
    ("ar", "لقد عدت أخيرا إلى هذا البيت، ولن أرحل مرة أخرى أبدا"),
    ("he", "חזרתי הביתה, ואני לא הולכת לשום מקום"),
]


def _speech_frames(text: str, language: str) -> int:
    """Frames to speak `text` at a natural pace: about 15 chars/s (Latin) or 5 chars/s (CJK)."""
    per_char = 6 if language in {"zh", "ja"} else 2
    return max(1, len(text) * per_char)


def test_hand_computed_timing_and_formats():
    cues = cues_for_line("Get out of my house. Take your things with you.", 30, 120, language="en", fps=FPS)
    # weights are non-space characters: 16 and 22; 30 + 90 * 16 // 38 = 67
    assert cues == (
        Cue(start_frame=30, end_frame=67, text="Get out of my house."),
        Cue(start_frame=67, end_frame=120, text="Take your things with you."),
    )
    assert to_srt(cues, FPS) == (
        "1\n00:00:01,000 --> 00:00:02,233\nGet out of my house.\n\n"
        "2\n00:00:02,233 --> 00:00:04,000\nTake your things with you.\n"
    )
    assert to_vtt(cues, FPS) == (
        "WEBVTT\n\n"
        "00:00:01.000 --> 00:00:02.233\nGet out of my house.\n\n"
        "00:00:02.233 --> 00:00:04.000\nTake your things with you.\n"
    )


def test_timestamps_round_to_the_millisecond_and_count_hours():
    cues = (Cue(start_frame=1, end_frame=int(3661.5 * 24), text="Hi"),)
    assert to_srt(cues, 24) == "1\n00:00:00,042 --> 01:01:01,500\nHi\n"
    assert to_vtt(cues, 24) == "WEBVTT\n\n00:00:00.042 --> 01:01:01.500\nHi\n"


def test_vtt_escapes_markup_and_both_formats_drop_blank_lines():
    cues = (Cue(start_frame=0, end_frame=30, text="a <b> & c\n\nd"),)
    assert to_vtt(cues, FPS).endswith("a &lt;b&gt; &amp; c\nd\n")
    assert to_srt(cues, FPS).endswith("a <b> & c\nd\n")


@pytest.mark.parametrize(("language", "text"), LINES)
@pytest.mark.parametrize("speed", [1.0, 0.5, 3.0])
def test_cues_tile_the_line_in_proportion(language, text, speed):
    start = 45
    end = start + max(1, int(_speech_frames(text, language) * speed))
    cues = cues_for_line(text, start, end, language=language, fps=FPS)

    assert cues[0].start_frame == start
    assert cues[-1].end_frame == end
    for before, after in itertools.pairwise(cues):
        assert before.end_frame == after.start_frame
    durations = [c.end_frame - c.start_frame for c in cues]
    assert all(d >= 1 for d in durations)
    if end - start >= MIN_FRAMES:
        assert min(durations) >= MIN_FRAMES
    else:
        assert len(cues) == 1

    weights = [sum(not ch.isspace() for ch in c.text) for c in cues]
    for duration, weight in zip(durations, weights, strict=True):
        assert abs(duration - (end - start) * weight / sum(weights)) <= 1

    joined = "".join(c.text for c in cues).replace("\n", "").replace(" ", "")
    assert joined == text.replace(" ", "")


@pytest.mark.parametrize(("language", "text"), LINES)
def test_cues_at_natural_pace_hold_at_most_two_short_lines(language, text):
    cues = cues_for_line(text, 0, _speech_frames(text, language), language=language, fps=FPS)
    limit = CJK_MAX_CHARS if language in {"zh", "ja"} else LATIN_MAX_CHARS
    for cue in cues:
        lines = cue.text.split("\n")
        assert len(lines) <= MAX_LINES
        assert all(len(line) <= limit for line in lines)


def test_punctuation_splits_phrases_first():
    cues = cues_for_line("你骗了我。我不会原谅你！", 0, 300, language="zh", fps=FPS)
    assert [c.text for c in cues] == ["你骗了我。", "我不会原谅你！"]


def test_a_very_short_phrase_joins_its_neighbour():
    cues = cues_for_line("Mother, I'm home.", 0, 90, language="en", fps=FPS)
    assert [c.text for c in cues] == ["Mother, I'm home."]


def test_long_phrases_split_by_length_into_even_pieces():
    text = "you never once asked me what I wanted from my own life or who I wanted to become"
    cues = cues_for_line(text, 0, 600, language="en", fps=FPS)
    assert len(cues) >= 3
    for cue in cues:
        assert "\n" not in cue.text
        assert len(cue.text.split()) <= LATIN_MAX_WORDS
        assert len(cue.text) <= LATIN_MAX_CHARS


def test_a_fast_line_merges_cues_until_each_lasts_long_enough():
    text = "Stop. Wait. Listen to me. Please."
    cues = cues_for_line(text, 0, 50, language="en", fps=FPS)
    assert all(c.end_frame - c.start_frame >= MIN_FRAMES for c in cues)
    assert len(cues) <= 2


def test_a_line_shorter_than_the_minimum_is_one_cue():
    cues = cues_for_line("Get out of my house. Take your things with you.", 10, 20, language="en", fps=FPS)
    assert cues == (Cue(start_frame=10, end_frame=20, text="Get out of my house.\nTake your things with you."),)


@pytest.mark.parametrize(
    ("text", "start", "end", "fps"),
    [("", 0, 10, 30), ("   ", 0, 10, 30), ("Hi", 10, 10, 30), ("Hi", -1, 10, 30), ("Hi", 0, 10, 0)],
)
def test_unusable_lines_are_rejected(text, start, end, fps):
    with pytest.raises(InvalidInputError):
        cues_for_line(text, start, end, language="en", fps=fps)


# ------------------------------------------------------------------------------------ wrap


def test_wrap_latin_breaks_between_words():
    assert wrap("the quick brown fox jumps over", "en", 10) == ["the quick", "brown fox", "jumps over"]
    assert wrap("  spaced \n out  ", "en", 42) == ["spaced out"]
    assert wrap("", "en", 10) == []


def test_wrap_cuts_a_word_longer_than_a_line():
    assert wrap("a supercalifragilistic day", "en", 8) == ["a", "supercal", "ifragili", "stic day"]


def test_wrap_uses_a_measure_when_given():
    assert wrap("aa bb cc", "en", 10, measure=lambda s: 2.0 * len(s)) == ["aa bb", "cc"]


def test_wrap_cjk_does_not_start_a_line_with_closing_punctuation():
    assert wrap("我们走吧。快点", "zh", 4) == ["我们走", "吧。快点"]


def test_wrap_cjk_does_not_end_a_line_with_opening_punctuation():
    assert wrap("他说「快走」", "zh", 3) == ["他说", "「快", "走」"]


@pytest.mark.parametrize("width", range(2, 12))
@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("zh", "你以为我还是三年前那个任人欺负的小丫头吗？「今天」，我要让你们所有人都付出代价！……"),
        ("ja", "「待って」と彼女は言った。でも、もう遅い。ちょっと、あなたのことは二度と信じない。"),
    ],
)
def test_wrap_cjk_keeps_kinsoku_at_every_width(language, text, width):
    lines = wrap(text, language, width)
    assert "".join(lines) == text
    for line in lines[1:]:
        assert line[0] not in NO_LINE_START
    for line in lines[:-1]:
        assert line[-1] not in NO_LINE_END
    assert all(len(line) <= width + 2 for line in lines)


def test_wrap_cjk_keeps_latin_words_whole():
    assert wrap("我是CEO的女儿", "zh", 4) == ["我是", "CEO的", "女儿"]


@pytest.mark.parametrize(
    ("language", "text"),
    [("ar", "لقد عدت أخيرا إلى هذا البيت، ولن أرحل مرة أخرى"), ("he", "חזרתי הביתה, ואני לא הולכת לשום מקום")],
)
def test_wrap_rtl_breaks_between_words_in_reading_order(language, text):
    lines = wrap(text, language, 14)
    assert len(lines) > 1
    assert " ".join(lines) == text
    assert all(len(line) <= 14 for line in lines)
