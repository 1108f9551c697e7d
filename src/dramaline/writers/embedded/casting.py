"""Draws a series' people and places from archetype material: the embedded writer's bible step.

Every draw comes from one seeded random generator, so a seed always yields the same cast.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

from dramaline.model import Archetype, Character, Gender, Location, LocationKind, Look, Relationship, Role, Voice
from dramaline.writers.embedded.material import default_names
from dramaline.writers.embedded.spec import ArchetypeSpec, NamePool, RoleSpec

# Curated palettes (outfit, accent, detail); antagonists get the colder, harder ones.
_WARM_PALETTES = (
    ("#d9a441", "#7a3b2e", "#f2e3c6"),
    ("#c0504d", "#f4d6c6", "#3b2f2f"),
    ("#e07a5f", "#3d405b", "#f2cc8f"),
    ("#6a994e", "#f2e8cf", "#386641"),
    ("#f4a261", "#2a9d8f", "#264653"),
    ("#b5838d", "#ffcdb2", "#6d6875"),
    ("#8ecae6", "#023047", "#ffb703"),
    ("#f6bd60", "#84a59d", "#f28482"),
)
_COLD_PALETTES = (
    ("#1b1b2f", "#9d0208", "#e0e1dd"),
    ("#22223b", "#c9ada7", "#4a4e69"),
    ("#0b090a", "#a4161a", "#b1a7a6"),
    ("#2b2d42", "#8d99ae", "#ef233c"),
    ("#3c096c", "#ff9e00", "#10002b"),
    ("#14213d", "#fca311", "#e5e5e5"),
)
_SKIN_TONES = ("#f1c27d", "#e0ac69", "#c68642", "#8d5524", "#ffdbac", "#d4a373", "#a47148")
_KIND_PALETTES: dict[LocationKind, tuple[str, ...]] = {
    LocationKind.OFFICE: ("#2f3e46", "#cad2c5", "#84a98c"),
    LocationKind.MANSION_HALL: ("#3d2c1e", "#c9a227", "#f3e9d2"),
    LocationKind.WEDDING_VENUE: ("#fdf0d5", "#c1121f", "#e9c46a"),
    LocationKind.HOSPITAL_ROOM: ("#e0fbfc", "#98c1d9", "#3d5a80"),
    LocationKind.STREET: ("#0d1b2a", "#415a77", "#e0a458"),
    LocationKind.ROOFTOP: ("#1d3557", "#457b9d", "#f1faee"),
    LocationKind.RESTAURANT: ("#5f0f40", "#fb8b24", "#e36414"),
    LocationKind.BEDROOM: ("#6d597a", "#eaac8b", "#355070"),
    LocationKind.CAR_INTERIOR: ("#212529", "#6c757d", "#ffc300"),
    LocationKind.COURTYARD: ("#606c38", "#dda15e", "#fefae0"),
    LocationKind.PALACE_HALL: ("#9b2226", "#ee9b00", "#001219"),
    LocationKind.FOREST: ("#081c15", "#2d6a4f", "#95d5b2"),
    LocationKind.BALLROOM: ("#370617", "#ffba08", "#faa307"),
    LocationKind.COURTROOM: ("#432818", "#bb9457", "#ffe6a7"),
    LocationKind.PRISON: ("#343a40", "#adb5bd", "#495057"),
    LocationKind.GARDEN: ("#31572c", "#ecf39e", "#f4acb7"),
}
_BLOOD = re.compile(r"\b(father|mother|grandfather|grandmother|son|daughter|brother|sister|uncle|aunt|twin)\b")
_PRONOUNS = {
    Gender.MALE: ("he", "him", "his", "Mr."),
    Gender.FEMALE: ("she", "her", "her", "Ms."),
    Gender.NONBINARY: ("they", "them", "their", "Mx."),
}


@dataclass(frozen=True)
class NameRef:
    """A character as placeholders see it: `{lead}` is the first name, `{lead.full}` the full one."""

    first: str
    last: str
    gender: Gender
    surname_first: bool = False

    def __str__(self) -> str:
        return self.first

    def __format__(self, spec: str) -> str:
        return format(self.first, spec)

    @property
    def full(self) -> str:
        return f"{self.last} {self.first}" if self.surname_first else f"{self.first} {self.last}"

    @property
    def he(self) -> str:
        return _PRONOUNS[self.gender][0]

    @property
    def him(self) -> str:
        return _PRONOUNS[self.gender][1]

    @property
    def his(self) -> str:
        return _PRONOUNS[self.gender][2]

    @property
    def He(self) -> str:
        return self.he.capitalize()

    @property
    def His(self) -> str:
        return self.his.capitalize()

    @property
    def title(self) -> str:
        return f"{_PRONOUNS[self.gender][3]} {self.last}"


@dataclass(frozen=True)
class Casting:
    """What the writer drew for one series: characters by role, locations by key, filler values."""

    characters: dict[str, Character]
    names: dict[str, NameRef]
    locations: dict[str, Location]
    fillers: dict[str, str]

    def context(self) -> dict[str, object]:
        """The values `{placeholders}` resolve to (without `{place}`, which is per scene)."""
        return {**self.names, **self.fillers}


def series_rng(seed: int | None, archetype: Archetype, premise: str) -> random.Random:
    """The generator the embedded writer draws a series from: its first draws are the casting (`cast_series`).

    Revising or writing on draws the same casting again from the same seed, archetype and premise.
    """
    return random.Random(f"{seed}|{archetype.value}|{premise}")


def name_ref(person: Character, surname_first: bool) -> NameRef:
    """How placeholders name `person`, read back from the full name the bible gives (perhaps edited by hand)."""
    parts = person.name.split()
    if len(parts) == 1:
        first = last = parts[0]
    elif surname_first:
        first, last = " ".join(parts[1:]), parts[0]
    else:
        first, last = parts[0], " ".join(parts[1:])
    return NameRef(first=first, last=last, gender=person.gender, surname_first=surname_first)


def cast_series(spec: ArchetypeSpec, premise: str, rng: random.Random) -> Casting:
    """Draw every character, location and filler of a series from `spec`."""
    pool = spec.names or default_names()
    words = re.findall(r"[a-z]+", premise.lower())
    genders = {key: _gender(role, words, rng) for key, role in spec.roles.items()}
    names = _draw_names(spec, genders, pool, rng)
    fillers = {key: rng.choice(values) for key, values in sorted(spec.fillers.items())}
    context: dict[str, object] = {**names, **fillers, "place": ""}
    palettes = {"warm": list(_WARM_PALETTES), "cold": list(_COLD_PALETTES)}
    for group in palettes.values():
        rng.shuffle(group)
    # Ids are first names ("damian"), which read naturally in hand-edited files and scripts.
    ids = {key: _slug(ref.first) for key, ref in names.items()}
    characters: dict[str, Character] = {}
    for key, role in spec.roles.items():
        temper = "cold" if role.role in (Role.ANTAGONIST, Role.RIVAL) else "warm"
        palette = palettes[temper].pop() if palettes[temper] else rng.choice(_WARM_PALETTES)
        age = rng.randint(*role.age)
        gender = genders[key]
        pitch = rng.randint(*role.voice.pitch)
        characters[key] = Character(
            id=ids[key],
            name=names[key].full,
            role=role.role,
            age=age,
            gender=gender,
            occupation=_occupation(role, words, rng).format(**context),
            personality=tuple(rng.sample(role.personality, 3)),
            want=rng.choice(role.want).format(**context),
            secret=rng.choice(role.secret).format(**context),
            relationships=tuple(Relationship(to=ids[r.to], kind=r.kind) for r in spec.relationships if r.source == key),
            look=Look(
                palette=palette,
                hair=rng.choice(role.look.hair),
                build=rng.choice(role.look.build),
                outfit=rng.choice(role.look.outfit),
                distinguishing_mark=rng.choice(role.look.mark),
                skin_tone=rng.choice(_SKIN_TONES),
            ),
            voice=Voice(
                gender=gender,
                age_years=age,
                pitch=pitch,
                rate_wpm=rng.randint(*role.voice.rate),
                timbre=rng.choice(role.voice.timbre),
            ),
        )
    locations = {
        key: Location(
            id=_slug(key),
            name=rng.choice(loc.names).format(**context),
            kind=loc.kind,
            description=rng.choice(loc.description).format(**context),
            palette=_KIND_PALETTES[loc.kind],
        )
        for key, loc in spec.locations.items()
    }
    return Casting(characters=characters, names=names, locations=locations, fillers=fillers)


_MALE_WORDS = frozenset({"he", "his", "him", "himself", "man", "boy", "king", "prince", "son", "groom"})
_FEMALE_WORDS = frozenset({"she", "her", "hers", "herself", "woman", "girl", "queen", "princess", "daughter", "bride"})


def _gender(role: RoleSpec, premise_words: list[str], rng: random.Random) -> Gender:
    if len(role.gender) == 1:
        return role.gender[0]
    # The premise decides the lead's gender when its pronouns say so ("his ex-wife", "she wakes").
    if role.role is Role.LEAD:
        male = sum(w in _MALE_WORDS for w in premise_words)
        female = sum(w in _FEMALE_WORDS for w in premise_words)
        if male != female:
            wanted = Gender.MALE if male > female else Gender.FEMALE
            if wanted in role.gender:
                return wanted
    return rng.choice(role.gender)


def _occupation(role: RoleSpec, premise_words: list[str], rng: random.Random) -> str:
    """The lead's occupation the premise names ("a janitor ..."), when the role has one; else a random one."""
    if role.role is Role.LEAD:
        named = [
            o for o in role.occupation if set(re.findall(r"[a-z]+", o.lower().split(" at ")[0])) & set(premise_words)
        ]
        if named:
            return rng.choice(named)
    return rng.choice(role.occupation)


def _draw_names(
    spec: ArchetypeSpec, genders: dict[str, Gender], pool: NamePool, rng: random.Random
) -> dict[str, NameRef]:
    female, male, surnames, surname_first = pool.female, pool.male, pool.surnames, pool.surname_first
    firsts = {Gender.FEMALE: rng.sample(female, len(female)), Gender.MALE: rng.sample(male, len(male))}
    lasts = rng.sample(surnames, len(surnames))
    # Blood relatives share a surname; in-laws, spouses and exes keep their own.
    family: dict[str, str] = {key: key for key in spec.roles}

    def root(key: str) -> str:
        while family[key] != key:
            key = family[key]
        return key

    for rel in spec.relationships:
        kind = rel.kind.lower()
        if _BLOOD.search(kind) and "in-law" not in kind and "step" not in kind:
            family[root(rel.source)] = root(rel.to)
    surname_of: dict[str, str] = {}
    names: dict[str, NameRef] = {}
    for key in spec.roles:
        gender = genders[key]
        bucket = firsts[Gender.MALE if gender is Gender.MALE else Gender.FEMALE]
        first = bucket.pop() if bucket else rng.choice(female + male)
        fam = root(key)
        if fam not in surname_of:
            surname_of[fam] = lasts.pop() if lasts else rng.choice(surnames)
        names[key] = NameRef(first=first, last=surname_of[fam], gender=gender, surname_first=surname_first)
    return names


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "x"
