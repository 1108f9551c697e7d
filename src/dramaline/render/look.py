"""Reads a character's Look (free text written by the writers) into drawable features.

Keywords decide shapes: "ponytail", "bun", "curls" → hair style; "slender", "broad" → body width;
"suit", "gown", "robes" → outfit cut; "scar", "glasses", "mole" → marks. Colour words in the hair
text pick the hair colour; clothes take the character's palette. Unknown words are ignored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from dramaline.model import Character, Gender
from dramaline.render.color import RGB, hex_rgb, lighter, luma, palette_rgb

_HAIR_COLOURS: tuple[tuple[str, RGB], ...] = (
    ("salt-and-pepper", (112, 110, 112)),
    ("iron-grey", (120, 120, 124)),
    ("platinum", (236, 226, 196)),
    ("bleached", (236, 220, 170)),
    ("silver", (200, 202, 210)),
    ("white", (236, 234, 226)),
    ("grey", (150, 150, 156)),
    ("gray", (150, 150, 156)),
    ("honey", (204, 150, 72)),
    ("golden", (222, 182, 86)),
    ("blonde", (226, 190, 110)),
    ("blond", (220, 186, 108)),
    ("sandy", (184, 150, 104)),
    ("copper", (178, 84, 40)),
    ("auburn", (136, 56, 30)),
    ("red", (166, 48, 32)),
    ("pink", (232, 150, 180)),
    ("chestnut", (112, 58, 34)),
    ("ash-brown", (120, 100, 86)),
    ("brown", (96, 62, 40)),
    ("jet", (22, 20, 26)),
    ("black", (28, 26, 32)),
    ("dark", (44, 34, 32)),
)

_STYLES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("bald", ("bald", "shaved head")),
    ("twin_buns", ("twin buns", "two neat buns")),
    ("braid", ("braid",)),
    ("ponytail", ("ponytail", "tied back", "tied high")),
    ("updo", ("updo", "chignon", "coil", "coiffure", "topknot", "piled high", "pinned up", "crown", "headdress")),
    ("bun", ("bun", "knot", "tied up", "pinned under", "cap")),
    ("bob", ("bob",)),
    ("curly", ("curl", "perm")),
    ("waves", ("waves", "wavy")),
    ("long", ("long", "to her waist", "shoulder-length", "loose", "falls over", "falling over", "at the collar")),
    ("cropped", ("close-cropped", "cropped", "shaved", "receding", "thinning", "undercut", "thin ")),
    ("slicked", ("slicked", "swept back", "combed back", "combed straight back", "gel", "styled back")),
    ("short", ("short", "neat", "parted", "cut", "messy", "tousled", "groomed")),
)

_NARROW = (
    "slim",
    "slender",
    "willowy",
    "thin",
    "lean",
    "lanky",
    "slight",
    "delicate",
    "skinny",
    "gaunt",
    "bony",
    "spare",
    "narrow",
    "petite",
    "dainty",
    "wiry",
    "frail",
    "underfed",
    "gangly",
    "graceful",
)
_BROAD = ("broad", "athletic", "muscled", "powerful", "solid", "stocky", "huge", "gym", "warrior", "swimmer", "strong")
_HEAVY = ("heavy", "stout", "plump", "round", "soft", "curvy", "voluptuous", "thick")
_TALL = ("tall", "towering", "statuesque", "long-limbed", "lanky")
_SHORT = ("petite", "small", "short", "compact")

_OUTFITS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("robe", ("robe", "hospital gown", "hanfu", "cloak", "brocade", "tunic", "shawl")),
    ("dress", ("dress", "gown", "qipao", "skirt", "sundress")),
    ("uniform", ("uniform", "overalls", "apron", "smock", "white coat", "tactical", "guard")),
    ("suit", ("suit", "tuxedo", "blazer", "jacket", "coat", "waistcoat")),
    ("casual", ("sweater", "cardigan", "turtleneck", "tracksuit", "shirt", "tweed", "jeans", "blouse")),
)

_MARKS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("claw_scars", ("claw scars",)),
    ("scar_brow", ("scar through",)),
    ("scar_jaw", ("scar along",)),
    ("scar_cheek", ("scar on his cheek", "scar on her cheek", "scar across his cheek", "scar across her cheek")),
    ("thin_brows", ("drawn-on eyebrows",)),
    ("glasses_head", ("glasses pushed up", "sunglasses")),
    ("glasses_round", ("round glasses", "round gold-rimmed glasses")),
    ("glasses", ("glasses",)),
    ("mole_lip", ("mark above her lip", "mole above her lip")),
    ("mole_eye", ("beauty mark", "mole")),
    ("earring", ("stud in one ear", "earring")),
    ("earpiece", ("earpiece",)),
    ("half_mask", ("half-mask", "mask covering")),
    ("necklace", ("pearls", "necklace", "at her throat", "on a chain", "strand of pearls")),
    ("freckles", ("freckles",)),
    ("dimples", ("dimple",)),
    ("brow_dot", ("cinnabar dot", "plum blossom on her brow")),
    ("lipstick", ("lipstick",)),
    ("pen_ear", ("behind one ear",)),
    ("crooked_nose", ("broken nose",)),
    ("tattoo_neck", ("tattoo on his neck", "neck tattoo")),
    ("lapel_pin", ("pin", "crest", "brooch")),
    ("tie", ("tie",)),
    ("fur", ("fur",)),
    ("scarf", ("scarf",)),
    ("badge", ("badge", "name tag", "lanyard")),
    ("stethoscope", ("stethoscope",)),
)

_IRIS: tuple[tuple[str, RGB], ...] = (
    ("gold eyes", (214, 160, 40)),
    ("grey as winter", (150, 176, 196)),
    ("pale grey eyes", (176, 186, 196)),
    ("clouded", (200, 204, 210)),
)


@dataclass(frozen=True)
class Features:
    """What the figure painter needs, decided once per character."""

    skin: RGB
    hair: RGB
    hair_style: str
    bangs: bool
    streak: bool
    beard: bool
    moustache: bool
    ornament: RGB | None
    width: float
    """Shoulder width relative to average (0.85 slim .. 1.25 heavy)."""
    height: float
    """Standing height relative to average."""
    outfit: str
    main: RGB
    accent: RGB
    detail: RGB
    marks: frozenset[str]
    iris: RGB
    feminine: bool
    older: bool


def dressed(character: Character, outfit: str | None) -> Character:
    """The character as the scene shows them: in `outfit` when the script changes their clothes."""
    if outfit is None or outfit == character.look.outfit:
        return character
    return character.model_copy(update={"look": character.look.model_copy(update={"outfit": outfit})})


@lru_cache(maxsize=64)
def features(character: Character) -> Features:
    """The drawable features of `character`; same character → same drawing in every shot."""
    look = character.look
    hair_text = f" {look.hair.lower()} "
    build = look.build.lower()
    outfit_text = f" {look.outfit.lower()} "
    mark_text = f" {look.distinguishing_mark.lower()} "
    palette = palette_rgb(look.palette, 3)
    older = character.age >= 58
    marks = _marks(mark_text + outfit_text)
    if _has(hair_text, "crown", "headdress"):
        marks.add("crown")
    if _has(hair_text, "mask"):
        marks.add("half_mask")
    dark_eyes = (70, 52, 40) if luma(hex_rgb(look.skin_tone)) > 150 else (48, 34, 28)
    return Features(
        skin=hex_rgb(look.skin_tone),
        hair=_hair_colour(hair_text, older),
        hair_style=_first(_STYLES, hair_text) or ("short" if character.gender is Gender.MALE else "long"),
        bangs=_has(hair_text, "bangs", "fringe", "over his brow", "over her brow", "innocent"),
        streak=_has(hair_text, "streak"),
        beard=_has(hair_text, "beard"),
        moustache=_has(hair_text, "moustache", "mustache", "beard"),
        ornament=_ornament(hair_text, palette),
        width=_width(build, character.gender),
        height=1.06 if _has(build, *_TALL) else 0.94 if _has(build, *_SHORT) else 1.0,
        outfit=_first(_OUTFITS, outfit_text) or "casual",
        main=palette[0],
        accent=palette[1],
        detail=palette[2] if len(look.palette) > 2 else lighter(palette[0], 0.7),
        marks=frozenset(marks),
        iris=next((c for word, c in _IRIS if word in mark_text), dark_eyes),
        feminine=character.gender is Gender.FEMALE,
        older=older,
    )


def _has(text: str, *words: str) -> bool:
    return any(w in text for w in words)


def _first(table: tuple[tuple[str, tuple[str, ...]], ...], text: str) -> str | None:
    for name, words in table:
        if _has(text, *words):
            return name
    return None


def _hair_colour(text: str, older: bool) -> RGB:
    """The colour word that comes first in the text wins ("dark hair with a white streak" is dark)."""
    found = [(m.start(), c) for word, c in _HAIR_COLOURS for m in [re.search(re.escape(word), text)] if m]
    if found:
        return min(found)[1]
    return (150, 150, 156) if older else (52, 38, 34)


def _ornament(text: str, palette: list[RGB]) -> RGB | None:
    for word, colour in (
        ("jade", (80, 170, 120)),
        ("gold", (222, 180, 70)),
        ("pearl", (240, 236, 226)),
        ("coral", (230, 90, 80)),
        ("ribbon", palette[1]),
        ("bow", palette[1]),
        ("pin", (222, 180, 70)),
        ("clip", palette[1]),
        ("flower", (240, 160, 190)),
        ("comb", (200, 200, 220)),
        ("string", (200, 40, 40)),
        ("ornament", (222, 180, 70)),
        ("scarf", palette[1]),
    ):
        if word in text:
            return colour
    return None


def _width(build: str, gender: Gender) -> float:
    base = 0.92 if gender is Gender.FEMALE else 1.0
    if _has(build, *_HEAVY):
        return base * 1.22
    if _has(build, *_BROAD):
        return base * 1.12
    if _has(build, *_NARROW):
        return base * 0.88
    return base


def _marks(text: str) -> set[str]:
    # Whole words only: "pin" is not in "pink", "tie" is not in "tied".
    marks = {name for name, words in _MARKS if any(re.search(rf"\b{re.escape(w)}", text) for w in words)}
    marks -= {"tie"} if not re.search(r"\btie\b", text) else set()
    marks -= {"lapel_pin"} if not re.search(r"\b(pin|crest|brooch)\b", text) else set()
    placed = marks & {"scar_brow", "scar_jaw", "scar_cheek", "claw_scars"}
    # Scars on hands, wrists or collarbones are out of frame in a bust; only facial ones are drawn.
    if "scar" in text and not placed and _has(text, "face", "cheek", "lip"):
        marks.add("scar_cheek")
    if "glasses_round" in marks or "glasses_head" in marks:
        marks.discard("glasses")
    if " no tie" in text:
        marks.discard("tie")
    return marks
