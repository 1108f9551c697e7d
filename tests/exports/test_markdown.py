"""The Markdown script book: every line and name present, one section per episode, user text escaped."""

from __future__ import annotations

import html
import re

import pytest

from dramaline.exports.markdown import md, to_markdown

from .test_fountain import SPECIAL, sample_series


def _rendered_text(markdown: str) -> str:
    """The visible text of `markdown` as CommonMark (with tables) renders it."""
    markdown_it = pytest.importorskip("markdown_it")
    rendered = markdown_it.MarkdownIt("commonmark").enable("table").render(markdown)
    return html.unescape(re.sub(r"<[^>]+>", "", rendered))


def test_book_has_every_name_and_line() -> None:
    series = sample_series()
    book = to_markdown(series)
    for character in series.bible.characters:
        assert f"| {md(character.name)} |" in book
    for episode in series.episodes:
        for scene in episode.scenes:
            for line in scene.lines:
                assert f"**{md(series.speaker_name(line.speaker))}**" in book
                assert f": {md(line.text)}\n" in book


def test_book_structure() -> None:
    book = to_markdown(sample_series())
    assert book.startswith("# The Heiress Returns\n\n*A disgraced heiress returns to take back her name.*\n")
    assert "| Archetype | rebirth revenge |" in book
    assert "| Rating | TV-14 |" in book
    assert "| Episodes | 2 |" in book
    assert "| Estimated runtime (150 wpm) | 0 min 25 s for 2 episodes |" in book
    assert "\n| Ava Cole | lead | 29 | heiress in hiding | Ava Cole wants the Sterling fortune \\| back |\n" in book
    assert "- **Relationships:** ex-wife of Leo Chen" in book
    assert "- **Harbor Street** (street, exterior): the Harbor Street" in book
    assert "- **fire** (Ava Cole): Who started the fire; planted in ep 1, paid off in ep 2" in book
    assert re.findall(r"^## Episode \d+: .*$", book, re.MULTILINE) == [
        "## Episode 1: The Slap at the Gala",
        "## Episode 2: Boardroom Blitz",
    ]
    assert "**Beats:** hook → face slap → cliffhanger" in book
    assert "### Scene 2: Grand Pearl Ballroom, night (face slap)" in book
    assert "**Ava Cole** *(angry, through clenched teeth)*: That was for my mother." in book
    assert "**Leo Chen** *(cold and flat)*: Enough." in book
    assert "*Vivian raises her glass.*\n\n**Vivian Sterling** *(smug, loud enough for the room)*" in book
    assert book.rstrip().endswith("**Cliffhanger:** Is Leo the one who set the fire?")
    one = to_markdown(sample_series(), [2])
    assert "## Episode 1:" not in one and "## Episode 2: Boardroom Blitz" in one


def test_user_text_is_escaped() -> None:
    assert md("#1 *bold* _x_ [link](u) <b> a|b & \\") == r"\#1 \*bold\* \_x\_ \[link\](u) \<b\> a\|b \& \\"
    assert md("- not a list") == r"\- not a list"
    assert md("1. not a list") == r"1\. not a list"
    assert md("two\nlines") == "two<br>lines"


def test_book_renders_user_text_as_typed() -> None:
    series = sample_series()
    visible = _rendered_text(to_markdown(series))
    assert SPECIAL in visible
    for episode in series.episodes:
        for line in episode.lines:
            assert line.text.replace("\n", "") in visible
            assert line.action.replace("\n", "") in visible
    assert "Ava Cole hides a *secret* about the fire" in visible
    assert "Ava Cole wants the Sterling fortune | back" in visible
