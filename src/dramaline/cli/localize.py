"""`dramaline localize DIR --to es`: editions of a series in other languages, built from the same production."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from dramaline.cli.common import console, open_series, settings
from dramaline.cli.produce import default_production, parse_episodes
from dramaline.errors import InvalidInputError
from dramaline.model import PRESETS, AdaptationChoice, Series, TranslationBackend

if TYPE_CHECKING:
    from dramaline.localize.edition import Localized
    from dramaline.localize.protocol import Translator

_ROWS = (
    ("line", "takes (target-language voices)"),
    ("sped-up line", "lines said faster to fit"),
    ("held scene", "scenes holding their last shot longer"),
    ("scene timing", "scenes keeping the original timing"),
    ("still", "generated stills"),
    ("scene", "scene segments (captions are burned in)"),
    ("mix", "mixes"),
    ("episode", "episodes"),
    ("original line", "original takes (voiced to recover its timing)"),
)


def register(app: typer.Typer) -> None:
    app.command("localize")(localize_command)


def localize_command(
    folder: Annotated[Path, typer.Argument(help="A series folder.", show_default=False)],
    to: Annotated[
        list[str] | None, typer.Option("--to", help="Target language (BCP 47: es, es-MX, zh-Hans); repeatable.")
    ] = None,
    market: Annotated[str | None, typer.Option(help="ISO country code of the market (MX, CN …).")] = None,
    backend: Annotated[
        TranslationBackend, typer.Option(help="apertium (offline) or llm.")
    ] = TranslationBackend.APERTIUM,
    subtitles_only: Annotated[
        bool, typer.Option("--subtitles-only", help="Original audio and video; translated SRT/VTT only.")
    ] = False,
    names: Annotated[AdaptationChoice, typer.Option(help="Characters' names.")] = AdaptationChoice.KEEP,
    currency: Annotated[
        AdaptationChoice, typer.Option(help="Money: the market's currency.")
    ] = AdaptationChoice.LOCALIZE,
    honorifics: Annotated[AdaptationChoice, typer.Option(help="Forms of address.")] = AdaptationChoice.LOCALIZE,
    episodes: Annotated[str | None, typer.Option(help="Which episodes: 3, 1-5 or 1,4,7-9 (default: all).")] = None,
    preset: Annotated[str, typer.Option(help="final (1080×1920) or draft (720×1280).")] = "final",
    executor: Annotated[str, typer.Option(help="local, ray, or ray://HOST:PORT.")] = "local",
    list_pairs: Annotated[bool, typer.Option("--list-pairs", help="List the installed Apertium pairs.")] = False,
) -> None:
    """Make a localised edition per --to: translated script and captions, re-voiced episodes, a QA report."""
    from dramaline.localize.apertium import describe_pairs, supported_pairs
    from dramaline.localize.edition import localize, make_edition

    if list_pairs:
        console.print(f"Apertium pairs installed: {describe_pairs(supported_pairs())}")
        return
    if not to:
        raise InvalidInputError("give at least one target language with --to (for example --to es)")
    if preset not in PRESETS:
        raise InvalidInputError(f"--preset {preset!r}: use one of {', '.join(PRESETS)}")
    series = open_series(folder)
    numbers = parse_episodes(episodes, len(series.episodes))
    production = default_production(folder, PRESETS[preset], executor)
    options = {"names": names, "currency": currency, "honorifics": honorifics}
    for language in to:
        edition = make_edition(
            series,
            language,
            market,
            backend=backend,
            subtitles_only=subtitles_only,
            adaptation=options,
        )
        translator = _translator(backend, series, edition.language)
        with console.status(f"localizing into {edition.id}…"):
            done = localize(folder, edition, translator, production=production, episodes=numbers)
        _print(done)


def _translator(backend: TranslationBackend, series: Series, language: str) -> Translator:
    if backend is TranslationBackend.APERTIUM:
        from dramaline.localize.apertium import ApertiumTranslator

        return ApertiumTranslator(series.language, language)
    from dramaline.localize.llm_translator import LLMTranslator
    from dramaline.providers.openai_chat import OpenAIChatModel

    config = settings()
    return LLMTranslator(OpenAIChatModel.from_settings(config), attempts=config.llm_output_attempts)


def _print(done: Localized) -> None:
    t = done.translation
    console.print(
        f"[bold green]{done.edition.id}[/]: {t.translated} lines and titles translated, {t.reused} from the cache "
        f"({t.requests} translator requests) -> {done.folder}"
    )
    if done.build is not None:
        b = done.build
        table = Table("asset", "built", "from cache", title=f"built in {b.seconds:.1f} s", title_justify="left")
        for stage, label in _ROWS:
            if b.built[stage] or b.reused[stage]:
                table.add_row(label, str(b.built[stage]), str(b.reused[stage]))
        console.print(table)
    console.print(f"episodes -> {done.outputs}")
    from dramaline.localize.report import summary_line

    colour = "green" if done.report.passed else "yellow"
    console.print(f"[{colour}]QA[/] {summary_line(done.report)}; report: {done.report_path}")
