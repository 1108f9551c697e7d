"""Glossary matching and protection, and the line and caption checks."""

from __future__ import annotations

from dramaline.localize.adapt import NAMES, seed_glossary
from dramaline.localize.checks import check_lines, check_timeline
from dramaline.localize.glossary import missing_terms, protect, terms_in
from dramaline.model import Adaptation, Cue, Glossary, GlossaryEntry, QACheck, Series, TimedLine, TimedScene, Timeline
from dramaline.writers.embedded.material import default_names
from tests.conftest import make_series

GLOSSARY = Glossary(
    entries=(
        GlossaryEntry(source="Young Master", target="joven amo", kind="address"),
        GlossaryEntry(source="Ethan", target="Ethan", kind="name"),
        GlossaryEntry(source="Ethan Cole", target="Esteban Cole", kind="name"),
    )
)


def test_longest_term_wins_and_placeholders_round_trip() -> None:
    text = "Young Master Ethan Cole, Ethan is here."
    assert [e.source for e in terms_in(text, GLOSSARY)] == ["Young Master", "Ethan Cole", "Ethan"]
    protected = protect(text, GLOSSARY)
    assert "Ethan" not in protected.text and "Young" not in protected.text
    # Apertium marks placeholders as unknown words; the mark goes with the placeholder.
    translated = protected.text.replace("is here", "está aquí").replace("Zqx", "*Zqx", 1)
    assert protected.restore(translated) == "joven amo Esteban Cole, Ethan está aquí."


def test_missing_terms_name_the_broken_entry() -> None:
    assert missing_terms("Young Master, wait!", "¡Joven amo, espera!", GLOSSARY) == []
    assert [e.source for e in missing_terms("Young Master, wait!", "¡Joven maestro, espera!", GLOSSARY)] == [
        "Young Master"
    ]


def test_seed_glossary_follows_the_adaptation_options() -> None:
    series = make_series(1)
    kept = seed_glossary(series, "es", "MX", Adaptation())
    by_source = {e.source: e.target for e in kept.entries}
    assert by_source["Ethan Cole"] == "Ethan Cole" and by_source["Mrs."] == "Sra."
    assert by_source["dollars"] == "pesos"  # the market's currency
    local = {e.source: e.target for e in seed_glossary(series, "es", None, Adaptation(names="localize")).entries}
    assert local["Ethan"] == "Esteban" and local["Claire Vance"] == "Clara Vance" and local["dollars"] == "euros"
    honour = {e.source: e.target for e in seed_glossary(series, "zh-Hans", "CN", Adaptation(honorifics="keep")).entries}
    assert honour["Young Master"] == "Young Master" and honour["dollars"] == "元"


def test_localised_names_cover_the_offline_languages_and_keep_what_has_no_equivalent() -> None:
    series = make_series(1)
    seen = {
        language: {
            e.source: e.target for e in seed_glossary(series, language, None, Adaptation(names="localize")).entries
        }
        for language in ("es", "pt", "ca")
    }
    assert seen["pt"]["Claire Vance"] == "Clara Vance" and seen["ca"]["Claire Vance"] == "Clara Vance"
    assert seen["pt"]["Vance"] == "Vance"  # family names are kept
    assert seen["es"]["Ethan"] == "Esteban" and seen["pt"]["Ethan"] == seen["ca"]["Ethan"] == "Ethan"  # none: kept
    # Most first names the writer's default pool draws have an equivalent, and every entry changes the name.
    pool = (*default_names().female, *default_names().male)
    for table in NAMES.values():
        assert all(source != target for source, target in table.items())
        assert sum(name in table for name in pool) >= len(pool) // 2


def _translated(series: Series, texts: list[str]) -> Series:
    ep = series.episode(1)
    lines = iter(texts)
    scenes = tuple(
        s.model_copy(update={"lines": tuple(line.model_copy(update={"text": next(lines)}) for line in s.lines)})
        for s in ep.scenes
    )
    data = series.model_dump()
    data.update(language="es", episodes=[ep.model_copy(update={"scenes": scenes}).model_dump()])
    return Series.model_validate(data)


def test_no_leftovers_and_glossary_checks_flag_each_line() -> None:
    source = make_series(1)
    # Lines: narrator, claire (Mop the floor, Ethan …), ethan (Bring the cars around.), claire (Who are you really?)
    target = _translated(
        source,
        [
            "Noche 1: el salón brilla.",
            "Friega el suelo, Esteban, por 1.ª vez.",
            "Bring the cars around.",
            "¿Who eres realmente?",
        ],
    )
    glossary = Glossary(entries=(GlossaryEntry(source="Ethan", target="Ethan", kind="name"),))
    unknown = {"ep001/ep001-s01/0": ("glitters",)}
    findings = check_lines(source, target, glossary, unknown, 1)
    where = {(f.check, f.scene_id, f.line) for f in findings}
    assert (QACheck.LEFTOVER, "ep001-s01", 0) in where  # the translator's unknown word
    assert (QACheck.GLOSSARY, "ep001-s01", 1) in where  # Ethan became Esteban
    assert (QACheck.LEFTOVER, "ep001-s02", 0) in where  # identical to the original
    assert (QACheck.LEFTOVER, "ep001-s03", 0) in where  # "who" is English
    assert len([f for f in findings if f.line == 1 and f.scene_id == "ep001-s01"]) == 1


def _timeline(language: str, text: str, frames: int) -> Timeline:
    cue = Cue(start_frame=0, end_frame=frames, text=text)
    line = TimedLine(index=0, speaker="ethan", text=text, emotion="neutral", start_frame=0, end_frame=frames,
                     cues=(cue,))  # fmt: skip
    scene = TimedScene(scene_id="s1", beat="hook", location="street", time_of_day="night", characters=("ethan",),
                       start_frame=0, end_frame=frames, lines=(line,))  # fmt: skip
    return Timeline(series_title="t", episode=1, episode_title="t", language=language, fps=10, width_px=360,
                    height_px=640, duration_frames=frames, scenes=(scene,))  # fmt: skip


def test_reading_speed_counts_latin_with_spaces_and_cjk_per_character() -> None:
    latin = "Trae los coches ahora mismo, Ethan"  # 34 characters
    assert check_timeline(_timeline("es", latin, 20))[0] == []  # 17.0 per second: at the limit
    slow, checked = check_timeline(_timeline("es", latin, 19))
    assert checked == 1 and [f.check for f in slow] == [QACheck.READING_SPEED]
    cjk = "把车开过来，现在就去"  # 10 characters: 9 per second needs 1.2 s
    assert check_timeline(_timeline("zh-Hans", cjk, 12))[0] == []
    assert [f.check for f in check_timeline(_timeline("zh-Hans", cjk, 10))[0]] == [QACheck.READING_SPEED]
