"""Fountain screenplays (https://fountain.io) of a series' episodes, out and back in.

to_fountain writes a screenplay any app opens; from_fountain reads it back, as exported or as edited
in Highland, Fade In, Final Draft or WriterSolo. Metadata a screenplay has no place for rides in notes.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from pydantic import ValidationError

from dramaline.errors import ImportFormatError, InvalidInputError
from dramaline.exports.fountain_parse import (
    Script,
    classify,
    escape,
    escape_note,
    lex,
    match_speaker,
    read_cue,
    read_note,
    read_paren,
)
from dramaline.exports.fountain_read import Reader, describe_error
from dramaline.model import (
    NARRATOR,
    Bible,
    Emotion,
    Episode,
    LocationKind,
    Series,
)

FORMAT_VERSION = 1
"""Version of the metadata this module writes into notes; the title page names it."""

EXTERIOR_KINDS = frozenset(
    {LocationKind.STREET, LocationKind.ROOFTOP, LocationKind.COURTYARD, LocationKind.FOREST, LocationKind.GARDEN}
)


def select_episodes(series: Series, episodes: Sequence[int] | None = None) -> tuple[Episode, ...]:
    """The series' episodes with these numbers, in order (all when None); InvalidInputError if unknown."""
    if episodes is None:
        return series.episodes
    numbers = sorted(set(episodes))
    if not numbers:
        raise InvalidInputError("no episodes chosen; pass episode numbers, or None for every episode")
    count = len(series.episodes)
    for number in numbers:
        if not 1 <= number <= count:
            which = f"numbers from 1 to {count}" if count else "none: write episodes first"
            raise InvalidInputError(f"episode {number} is not in the series; it has {count}, choose {which}")
    return tuple(series.episodes[n - 1] for n in numbers)


def to_fountain(series: Series, episodes: Sequence[int] | None = None) -> str:
    """A Fountain screenplay of the chosen episodes (all by default) that from_fountain reads back."""
    chosen = select_episodes(series, episodes)
    listed = ", ".join(str(e.number) for e in chosen) or "none"
    out = [f"Title: {escape(series.title)}", "Credit: Written with dramaline", "Notes:"]
    out += [f"    dramaline: {FORMAT_VERSION}", f"    episodes: {listed}", ""]
    for k, episode in enumerate(chosen):
        if k:
            out += ["===", ""]
        out += _episode_source(series, episode)
    return "\n".join(out)


def _episode_source(series: Series, episode: Episode) -> list[str]:
    cues = {speaker: _cue(series.bible, speaker) for speaker in {line.speaker for line in episode.lines}}
    out = [f"# Episode {episode.number}: {escape(episode.title)}", "", f"= {escape(episode.summary)}", ""]
    for scene in episode.scenes:
        location = series.bible.location(scene.location)
        side = "EXT." if location.kind in EXTERIOR_KINDS else "INT."
        out += [f"{side} {escape(location.name.upper())} - {scene.time_of_day.value.upper()}", ""]
        meta = (
            f"scene: {scene.id}; beat: {scene.beat.value}; location: {scene.location}; "
            f"characters: {', '.join(scene.characters)}; purpose: {escape_note(scene.purpose)}"
        )
        out += [f"[[{meta}]]", ""]
        out += [f"[[wardrobe: {c.character} = {escape_note(c.outfit)}]]" for c in scene.wardrobe]
        out += [""] if scene.wardrobe else []
        for line in scene.lines:
            if line.action:
                action = escape(line.action)
                out += ["!" + action if classify(action, False) != "action" else action, ""]
            out.append(cues[line.speaker])
            if line.emotion is not Emotion.NEUTRAL or line.delivery:
                out.append(f"({escape(_paren_text(line.emotion, line.delivery))})")
            text = escape(line.text)
            out += ["\\" + text if text[0] in "(~" else text, ""]
    return [*out, f"[[cliffhanger: {escape_note(episode.cliffhanger)}]]", ""]


def _cue(bible: Bible, speaker: str) -> str:
    if speaker == NARRATOR:
        return "NARRATOR (V.O.)"
    character = bible.character(speaker)
    # The name in capitals is the screenwriter's cue; fall back to the id where it would misread.
    for cue in (escape(character.name.upper()), escape(character.id.upper())):
        for candidate in (cue, "@" + cue):
            if classify(candidate, True) == "character" and match_speaker(bible, *read_cue(candidate)) == (speaker,):
                return candidate
    return "@" + character.id


def _paren_text(emotion: Emotion, delivery: str) -> str:
    if emotion is Emotion.NEUTRAL and read_paren(delivery) == (emotion, delivery):
        return delivery
    return f"{emotion.value}; {delivery}" if delivery else emotion.value


def from_fountain(text: str, series: Series, *, source: str = "<fountain>") -> Series:
    """The series with the episodes of this Fountain script replacing (or extending) its own.

    Raises ImportFormatError naming `source`, the line and the fix when the script cannot be mapped.
    """
    script = lex(text, source)
    reader = Reader(series, source)
    for element in script.elements:
        reader.feed(element)
    built = reader.finish()
    if not _listed(script, source, built) and not built:
        raise ImportFormatError(
            f'{source}:1: the script has no "# Episode N: Title" section; add one above its first scene'
        )
    episodes = list(series.episodes)
    for line, episode in sorted(built, key=lambda pair: pair[1].number):
        if episode.number <= len(episodes):
            episodes[episode.number - 1] = episode
        elif episode.number == len(episodes) + 1:
            episodes.append(episode)
        else:
            raise ImportFormatError(
                f"{source}:{line}: episode {episode.number} would leave a gap: the series has {len(episodes)} "
                f"episodes, so a new one is number {len(episodes) + 1}; renumber the section"
            )
    try:
        return series.with_episodes(tuple(episodes))
    except ValidationError as exc:
        raise ImportFormatError(
            f"{source}: the imported episodes do not fit the series: {describe_error(exc)}; "
            "fix the script, or the bible in series.yaml"
        ) from None


def _listed(script: Script, source: str, built: list[tuple[int, Episode]]) -> bool:
    # An exported file names its episodes on the title page, so a lost section is caught.
    line, notes = script.title_page.get("notes", (0, ""))
    fields = dict(pair for row in notes.split("\n") for pair in read_note(row) or ())
    if "dramaline" not in fields or "episodes" not in fields:
        return False
    words = fields["episodes"].replace(",", " ").split()
    if not all(w.isdigit() for w in words) and words != ["none"]:
        raise ImportFormatError(
            f'{source}:{line}: the title page Notes say "episodes: {fields["episodes"]}"; '
            'write episode numbers separated by commas, or "none"'
        )
    present = {episode.number for _, episode in built}
    for number in sorted(int(w) for w in words if w.isdigit()):
        if number not in present:
            raise ImportFormatError(
                f'{source}:{line}: the title page lists episode {number}, but there is no "# Episode '
                f'{number}: Title" section; restore the section or remove {number} from "episodes:" in '
                "the title page Notes"
            )
    return True


def import_into(
    folder: Path, before: Series, text: str, *, source: str, note: str
) -> tuple[list[Episode], list[Episode]]:
    """Apply an edited screenplay to the series in `folder`; returns the episodes revised and those added.

    The screenplay carries no version numbers: an edited episode becomes its next version (the one
    it replaces is kept, and viewers' events stay attributed to what they watched); episodes past
    the series' end are appended.
    """
    from dramaline.series_folder import load_series, save_episode_version, save_series

    after = from_fountain(text, before, source=source)
    revised = [
        e
        for e in after.episodes
        if e.number <= len(before.episodes)
        and e.model_dump(exclude={"version"}) != before.episode(e.number).model_dump(exclude={"version"})
    ]
    added = [e for e in after.episodes if e.number > len(before.episodes)]
    for episode in revised:
        save_episode_version(folder, episode, note=note)
    if added:
        current = load_series(folder)
        save_series(current.with_episodes((*current.episodes, *added)), folder)
    return revised, added
