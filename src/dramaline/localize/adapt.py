"""Cultural adaptation: the glossary an edition starts from, built from the bible and the adaptation options.

Names are kept (the default: viewers of translated drama expect the original names) or
localised where the table below knows an equivalent; forms of address take the target
language's usual rendering; money is said in the market's currency (the amount is kept: in
drama a sum is a dramatic size, not an exchange rate). Whatever the seed gets wrong is fixed
by editing the edition's glossary.yaml, which always wins over the seed.
"""

from __future__ import annotations

from dramaline.captions.script import base_language
from dramaline.model import (
    Adaptation,
    AdaptationChoice,
    Glossary,
    GlossaryEntry,
    Series,
    TermKind,
)

HONORIFICS: dict[str, dict[str, str]] = {
    "es": {
        "Young Master": "joven amo",
        "Young Miss": "señorita",
        "Your Majesty": "Su Majestad",
        "Your Highness": "Su Alteza",
        "Mrs.": "Sra.",
        "Mr.": "Sr.",
        "Miss": "señorita",
        "Madam": "señora",
        "Sir": "señor",
        "ma'am": "señora",
    },
    "ca": {
        "Young Master": "senyoret",
        "Your Majesty": "Sa Majestat",
        "Mrs.": "Sra.",
        "Mr.": "Sr.",
        "Miss": "senyoreta",
        "Madam": "senyora",
        "Sir": "senyor",
    },
    "pt": {
        "Young Master": "jovem mestre",
        "Your Majesty": "Vossa Majestade",
        "Mrs.": "Sra.",
        "Mr.": "Sr.",
        "Miss": "senhorita",
        "Madam": "senhora",
        "Sir": "senhor",
    },
    "zh": {
        "Young Master": "少爷",
        "Young Miss": "大小姐",
        "Your Majesty": "陛下",
        "Your Highness": "殿下",
        "Mrs.": "太太",
        "Mr.": "先生",
        "Miss": "小姐",
        "Madam": "夫人",
        "Sir": "先生",
    },
}
"""Forms of address per target language; a honorific that is kept is written as in the source."""

CURRENCY_BY_MARKET: dict[str, tuple[str, str]] = {
    "MX": ("peso", "pesos"),
    "AR": ("peso", "pesos"),
    "CO": ("peso", "pesos"),
    "CL": ("peso", "pesos"),
    "ES": ("euro", "euros"),
    "BR": ("real", "reais"),
    "PT": ("euro", "euros"),
    "CN": ("元", "元"),
    "TW": ("元", "元"),
    "US": ("dólar", "dólares"),
}
"""The market's currency as (singular, plural), in the market's language."""

CURRENCY_BY_LANGUAGE: dict[str, tuple[str, str]] = {
    "es": ("euro", "euros"),
    "ca": ("euro", "euros"),
    "pt": ("real", "reais"),
    "zh": ("元", "元"),
}
"""The currency when the edition names no market: the language's largest market's."""

KEPT_CURRENCY: dict[str, tuple[str, str]] = {
    "es": ("dólar", "dólares"),
    "ca": ("dòlar", "dòlars"),
    "pt": ("dólar", "dólares"),
    "zh": ("美元", "美元"),
}
"""Dollars said in the target language, when the currency is kept."""

NAMES: dict[str, dict[str, str]] = {
    "es": {
        "Ethan": "Esteban",
        "Claire": "Clara",
        "James": "Jaime",
        "John": "Juan",
        "Michael": "Miguel",
        "William": "Guillermo",
        "Henry": "Enrique",
        "Charles": "Carlos",
        "Peter": "Pedro",
        "Paul": "Pablo",
        "Joseph": "José",
        "Anthony": "Antonio",
        "Mary": "María",
        "Helen": "Elena",
        "Catherine": "Catalina",
        "Margaret": "Margarita",
        "Elizabeth": "Isabel",
        "Isabella": "Isabel",
        "Sophia": "Sofía",
        "Sophie": "Sofía",
        "Lucy": "Lucía",
        "Grace": "Graciela",
        "Rose": "Rosa",
        "Madeline": "Magdalena",
        "Rachel": "Raquel",
        "Vivian": "Viviana",
        "Chloe": "Cloe",
        "Natalie": "Natalia",
        "Eleanor": "Leonor",
        "Naomi": "Noemí",
        "Stella": "Estela",
        "Adrian": "Adrián",
        "Alexander": "Alejandro",
        "Sebastian": "Sebastián",
        "Nicholas": "Nicolás",
        "Vincent": "Vicente",
        "Damian": "Damián",
        "Julian": "Julián",
        "Marcus": "Marcos",
        "Nathan": "Natán",
        "Victor": "Víctor",
        "Dominic": "Domingo",
        "Theo": "Teo",
        "Jasper": "Gaspar",
        "Elliot": "Elías",
    },
    "pt": {
        "Claire": "Clara",
        "James": "Tiago",
        "John": "João",
        "Michael": "Miguel",
        "William": "Guilherme",
        "Henry": "Henrique",
        "Charles": "Carlos",
        "Peter": "Pedro",
        "Paul": "Paulo",
        "Joseph": "José",
        "Anthony": "Antônio",
        "Mary": "Maria",
        "Helen": "Helena",
        "Elena": "Helena",
        "Catherine": "Catarina",
        "Margaret": "Margarida",
        "Elizabeth": "Isabel",
        "Isabella": "Isabel",
        "Sophia": "Sofia",
        "Sophie": "Sofia",
        "Lucy": "Lúcia",
        "Grace": "Graça",
        "Rose": "Rosa",
        "Julia": "Júlia",
        "Olivia": "Olívia",
        "Madeline": "Madalena",
        "Rachel": "Raquel",
        "Vivian": "Viviane",
        "Natalie": "Natália",
        "Eleanor": "Leonor",
        "Naomi": "Noemi",
        "Stella": "Estela",
        "Adrian": "Adriano",
        "Alexander": "Alexandre",
        "Sebastian": "Sebastião",
        "Nicholas": "Nicolau",
        "Vincent": "Vicente",
        "Damian": "Damião",
        "Julian": "Juliano",
        "Marcus": "Marcos",
        "Victor": "Vítor",
        "Dominic": "Domingos",
        "Theo": "Teo",
        "Jasper": "Gaspar",
        "Elliot": "Elias",
    },
    "ca": {
        "Claire": "Clara",
        "James": "Jaume",
        "John": "Joan",
        "Michael": "Miquel",
        "William": "Guillem",
        "Henry": "Enric",
        "Charles": "Carles",
        "Peter": "Pere",
        "Paul": "Pau",
        "Joseph": "Josep",
        "Anthony": "Antoni",
        "Mary": "Maria",
        "Helen": "Helena",
        "Elena": "Helena",
        "Catherine": "Caterina",
        "Margaret": "Margarida",
        "Elizabeth": "Elisabet",
        "Sophia": "Sofia",
        "Sophie": "Sofia",
        "Lucy": "Llúcia",
        "Grace": "Gràcia",
        "Rose": "Rosa",
        "Julia": "Júlia",
        "Olivia": "Olívia",
        "Madeline": "Magdalena",
        "Rachel": "Raquel",
        "Vivian": "Viviana",
        "Natalie": "Natàlia",
        "Eleanor": "Elionor",
        "Naomi": "Noemí",
        "Stella": "Estel·la",
        "Adrian": "Adrià",
        "Lucas": "Lluc",
        "Alexander": "Alexandre",
        "Sebastian": "Sebastià",
        "Nicholas": "Nicolau",
        "Vincent": "Vicenç",
        "Damian": "Damià",
        "Julian": "Julià",
        "Marcus": "Marc",
        "Victor": "Víctor",
        "Dominic": "Domènec",
        "Theo": "Teo",
        "Jasper": "Gaspar",
    },
}
"""First names with a common equivalent in the target language, for `names: localize` (Spanish, Portuguese and
Catalan: the languages the offline translator serves). A name with none, and every name in another language, is
kept; an edition's glossary.yaml can still give one."""


def seed_glossary(series: Series, language: str, market: str | None, adaptation: Adaptation) -> Glossary:
    """The glossary an edition starts from: the cast's names, forms of address and currency, per the options."""
    lang = base_language(language)
    entries: dict[str, GlossaryEntry] = {}

    def add(source: str, target: str, kind: TermKind, note: str = "") -> None:
        entries.setdefault(source.casefold(), GlossaryEntry(source=source, target=target, kind=kind, note=note))

    table = NAMES.get(lang, {}) if adaptation.names is AdaptationChoice.LOCALIZE else {}
    for c in series.bible.characters:
        parts = c.name.split()
        first = table.get(parts[0], parts[0])
        add(c.name, " ".join([first, *parts[1:]]), TermKind.NAME, f"{c.role.value}, {c.gender.value}")
        add(parts[0], first, TermKind.NAME)
        if len(parts) > 1:
            add(parts[-1], parts[-1], TermKind.NAME, "family name")
    if adaptation.honorifics is AdaptationChoice.LOCALIZE:
        for source, target in HONORIFICS.get(lang, {}).items():
            add(source, target, TermKind.ADDRESS)
    else:
        for source in HONORIFICS.get(lang, {}):
            add(source, source, TermKind.ADDRESS, "kept as in the original")
    currency = _currency(lang, market, adaptation)
    if currency is not None:
        one, many = currency
        add("dollars", many, TermKind.CURRENCY)
        add("dollar", one, TermKind.CURRENCY)
    return Glossary(entries=tuple(entries.values()))


def _currency(lang: str, market: str | None, adaptation: Adaptation) -> tuple[str, str] | None:
    if adaptation.currency is AdaptationChoice.KEEP:
        return KEPT_CURRENCY.get(lang)
    if market and market in CURRENCY_BY_MARKET:
        return CURRENCY_BY_MARKET[market]
    return CURRENCY_BY_LANGUAGE.get(lang)
