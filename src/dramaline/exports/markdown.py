"""A Markdown script book of a series: metadata, cast, places, threads, then every episode's script.

For reading and review (GitHub, an editor's preview, a PDF via pandoc); it is not read back.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from dramaline.exports.fountain import EXTERIOR_KINDS, select_episodes
from dramaline.model import Emotion, Episode, Line, Series

WORDS_PER_MINUTE = 150
"""Reading speed of the runtime estimate."""

_INLINE = re.compile(r"([\\`*_\[\]<>#|~&!])")
_LINE_START = re.compile(r"^([-+=]|\d+(?=[.)]))")


def md(text: str) -> str:
    """`text` escaped for Markdown so it renders as typed, on one line (breaks become <br>)."""
    escaped = _INLINE.sub(r"\\\1", text)
    # Only the start can open a block (list, setext heading): breaks inside become <br> below.
    escaped = _LINE_START.sub(lambda m: m[0] + "\\" if m[0][0].isdigit() else "\\" + m[0], escaped)
    return "<br>".join(escaped.splitlines())


def _runtime(words: int) -> str:
    seconds = -(-words * 60 // WORDS_PER_MINUTE)
    return f"{seconds // 60} min {seconds % 60:02d} s"


def to_markdown(series: Series, episodes: Sequence[int] | None = None) -> str:
    """A readable Markdown script book of the chosen episodes (all by default)."""
    chosen = select_episodes(series, episodes)
    words = sum(e.word_count for e in chosen)
    out = [f"# {md(series.title)}", "", f"*{md(series.logline)}*", "", md(series.premise), ""]
    out += ["| | |", "|---|---|"]
    for key, value in (
        ("Archetype", series.archetype.value.replace("_", " ")),
        ("Tone", series.tone),
        ("Language", series.language),
        ("Market", series.target_market),
        ("Rating", series.content_rating.value),
        ("Episodes", str(len(series.episodes))),
        (f"Estimated runtime ({WORDS_PER_MINUTE} wpm)", f"{_runtime(words)} for {len(chosen)} episodes"),
    ):
        out.append(f"| {key} | {md(value)} |")
    return "\n".join([*out, "", *_bible(series), *(line for e in chosen for line in _episode(series, e))])


def _bible(series: Series) -> list[str]:
    bible = series.bible
    out = ["## Cast", "", "| Name | Role | Age | Occupation | Want |", "|---|---|---|---|---|"]
    for c in bible.characters:
        role = c.role.value.replace("_", " ")
        out.append(f"| {md(c.name)} | {role} | {c.age} | {md(c.occupation)} | {md(c.want)} |")
    for c in bible.characters:
        out += ["", f"### {md(c.name)}", "", f"- **Secret:** {md(c.secret)}"]
        ties = "; ".join(f"{md(r.kind)} {md(bible.character(r.to).name)}" for r in c.relationships)
        out.append(f"- **Relationships:** {ties or 'none'}")
    out += ["", "## Locations", ""]
    for loc in bible.locations:
        side = "exterior" if loc.kind in EXTERIOR_KINDS else "interior"
        kind = loc.kind.value.replace("_", " ")
        out.append(f"- **{md(loc.name)}** ({kind}, {side}): {md(loc.description)}")
    if bible.threads:
        out += ["", "## Plot threads", ""]
        for t in bible.threads:
            owner = md(bible.character(t.owner).name)
            out.append(
                f"- **{md(t.id)}** ({owner}): {md(t.description)}; "
                f"planted in ep {t.planted_in}, paid off in ep {t.paid_off_in}"
            )
    return [*out, ""]


def _episode(series: Series, episode: Episode) -> list[str]:
    runtime = _runtime(episode.word_count)
    out = [f"## Episode {episode.number}: {md(episode.title)}", "", f"*{runtime}*", "", md(episode.summary), ""]
    beats = " → ".join(b.value.replace("_", " ") for b in episode.beats)
    out += [f"**Beats:** {beats}", ""]
    for k, scene in enumerate(episode.scenes, 1):
        place = md(series.bible.location(scene.location).name)
        beat = scene.beat.value.replace("_", " ")
        out += [f"### Scene {k}: {place}, {scene.time_of_day.value} ({beat})", "", f"> {md(scene.purpose)}", ""]
        for costume in scene.wardrobe:
            who = md(series.bible.character(costume.character).name)
            out += [f"*Wardrobe: {who} wears {md(costume.outfit)}.*", ""]
        for line in scene.lines:
            if line.action:
                out += [f"*{md(line.action)}*", ""]
            out += [_line(series, line), ""]
    return [*out, f"**Cliffhanger:** {md(episode.cliffhanger)}", ""]


def _line(series: Series, line: Line) -> str:
    how = [line.emotion.value] if line.emotion is not Emotion.NEUTRAL else []
    how += [line.delivery] if line.delivery else []
    direction = f" *({md(', '.join(how))})*" if how else ""
    return f"**{md(series.speaker_name(line.speaker))}**{direction}: {md(line.text)}"
