"""Week 0 of a season: write K series from varied premises into a studio folder and release their first episodes."""

from __future__ import annotations

import re
from pathlib import Path

from dramaline.model import Archetype, SeasonConfig, SeasonSeries, WriteRequest
from dramaline.series_folder import is_series_folder, load_series, save_series
from dramaline.writers.embedded.writer import EmbeddedWriter

PREMISES: tuple[tuple[Archetype, str], ...] = (
    (Archetype.HIDDEN_HEIR, "A janitor humiliated at his ex-wife's wedding is secretly the heir of the richest family"),
    (Archetype.REBIRTH_REVENGE, "Betrayed and killed by her sister, a woman wakes up five years in the past"),
    (Archetype.CONTRACT_MARRIAGE, "A broke florist signs a one-year marriage contract with a cold CEO"),
    (Archetype.SUBSTITUTE_BRIDE, "A maid is forced to marry the scarred heir in place of her runaway mistress"),
    (Archetype.DIVORCED_WIFE_COMEBACK, "Divorced for being plain, a housewife returns as the designer he needs"),
    (Archetype.WRONGLY_ACCUSED_RETURNS, "Framed for fraud by his best friend, a banker comes back after prison"),
    (Archetype.FATED_MATE, "A waitress discovers the alpha of the city's oldest pack is her fated mate"),
    (Archetype.PALACE_INTRIGUE, "A lowly palace seamstress uncovers a plot against the young emperor"),
)
"""One premise per archetype; a season of more series goes round them again with other seeds."""


def folder_name(index: int, title: str) -> str:
    """`s01-the-hidden-heir`: sortable, a valid series id for events, at most 64 characters."""
    slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")
    return f"s{index + 1:02d}-{slug}"[:64].rstrip("-")


def launch(studio: Path, config: SeasonConfig) -> tuple[SeasonSeries, ...]:
    """Write `config.series` series into `studio` (one folder each); an existing series folder is kept as it is.

    Premises go round the archetypes so the catalog starts varied; seeds differ per series.
    """
    writer = EmbeddedWriter()
    launched = []
    for i in range(config.series):
        archetype, premise = PREMISES[i % len(PREMISES)]
        existing = sorted(studio.glob(f"s{i + 1:02d}-*"))
        if existing and is_series_folder(existing[0]):
            series = load_series(existing[0])  # a resumed launch keeps what was written
            folder = existing[0]
        else:
            request = WriteRequest(
                premise=premise, episodes=config.episodes_written, archetype=archetype, seed=config.seed * 1000 + i
            )
            series = writer.write(request)
            folder = studio / folder_name(i, series.title)
            save_series(series, folder)
        launched.append(
            SeasonSeries(
                series_id=folder.name,
                title=series.title,
                archetype=series.archetype,
                premise=series.premise,
                released=config.launch_episodes,
            )
        )
    return tuple(launched)
