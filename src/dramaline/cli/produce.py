"""`dramaline make` and `dramaline demo`: build finished episodes, incrementally, with progress."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from dramaline.cli.common import console, open_series, settings
from dramaline.errors import ConfigError, InvalidInputError
from dramaline.model import PRESETS, Preset, WriteRequest
from dramaline.series_folder import save_series
from dramaline.settings import Settings

if TYPE_CHECKING:
    from dramaline.produce.build import Production
    from dramaline.produce.stills import Direction
    from dramaline.sound.delivery import SpeechModel

DEMO_PREMISE = "A janitor humiliated at his ex-wife's wedding is secretly the heir of the richest family in the city"


def register(app: typer.Typer) -> None:
    app.command("make")(make_command)
    app.command("demo")(demo)


def make_command(
    folder: Annotated[Path, typer.Argument(help="A series folder.", show_default=False)],
    episodes: Annotated[str | None, typer.Option(help="Which episodes: 3, 1-5 or 1,4,7-9 (default: all).")] = None,
    preset: Annotated[str, typer.Option(help="final (1080×1920) or draft (720×1280).")] = "final",
    executor: Annotated[str, typer.Option(help="local, ray, or ray://HOST:PORT.")] = "local",
) -> None:
    """Render, voice, caption, label and encode episodes; only what changed is rebuilt."""
    series = open_series(folder)
    numbers = parse_episodes(episodes, len(series.episodes))
    _build(folder, numbers, preset, executor)


def demo(
    out: Annotated[Path, typer.Option(help="Where to write the demo series.")] = Path("demo/janitor-heir"),
    episodes: Annotated[int, typer.Option(help="Episodes to write and make.")] = 5,
    preset: Annotated[str, typer.Option(help="final (1080×1920) or draft (720×1280).")] = "final",
) -> None:
    """Write the built-in demo premise as a series and make its episodes."""
    from dramaline.writers.embedded.writer import EmbeddedWriter

    if out.exists():
        shutil.rmtree(out)
    series = EmbeddedWriter().write(WriteRequest(premise=DEMO_PREMISE, episodes=episodes, seed=7))
    save_series(series, out)
    console.print(f"[bold green]wrote[/] {series.title!r} ({episodes} episodes) -> {out}")
    _build(out, list(range(1, episodes + 1)), preset, "local")


def parse_episodes(spec: str | None, total: int) -> list[int]:
    """Episode numbers from `3`, `1-5` or `1,4,7-9`; every one must exist in the series."""
    if spec is None:
        return list(range(1, total + 1))
    numbers: list[int] = []
    for part in spec.split(","):
        m = re.fullmatch(r"\s*(\d+)\s*(?:-\s*(\d+)\s*)?", part)
        if not m:
            raise InvalidInputError(f"--episodes {spec!r}: write episode numbers like 3, 1-5 or 1,4,7-9")
        first, last = int(m[1]), int(m[2] or m[1])
        if first > last or first < 1 or last > total:
            raise InvalidInputError(f"--episodes {spec!r}: the series has episodes 1-{total}")
        numbers += [n for n in range(first, last + 1) if n not in numbers]
    return numbers


def _build(folder: Path, numbers: list[int], preset_name: str, executor_spec: str) -> None:
    if preset_name not in PRESETS:
        raise InvalidInputError(f"--preset {preset_name!r}: use one of {', '.join(PRESETS)}")
    production = default_production(folder, PRESETS[preset_name], executor_spec)
    # Redrawn 4 times a second, and only on a terminal: each redraw builds the whole table holding
    # the interpreter's lock, which the sound thread beside the shots needs (80 ms of a rebuild at 10 Hz).
    with Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        console=console, transient=True, auto_refresh=console.is_terminal, refresh_per_second=4,
    ) as bar:  # fmt: skip
        tasks: dict[str, TaskID] = {}

        def progress(what: str, done: int, total: int) -> None:
            if what not in tasks:
                tasks[what] = bar.add_task(what, total=total)
            bar.update(tasks[what], completed=done, total=total)

        from dramaline.produce.build import make

        summary = make(folder, production, episodes=numbers, progress=progress)
    table = Table("asset", "built", "from cache", title=f"built in {summary.seconds:.1f} s", title_justify="left")
    stages = ("line", "still", "scene", "mix", "episode") if production.images else ("line", "scene", "mix", "episode")
    for stage in stages:
        table.add_row(stage, str(summary.built[stage]), str(summary.reused[stage]))
    console.print(table)
    if summary.stage_seconds:
        spent = ", ".join(f"{stage} {seconds:.1f} s" for stage, seconds in summary.stage_seconds.items())
        console.print(f"time: {spent}")
    out_dir = folder / "build" / preset_name
    console.print(f"[bold green]episodes[/] -> {out_dir}  (e.g. {summary.episodes[0] if summary.episodes else '-'})")


def default_production(folder: Path, preset: Preset, executor_spec: str) -> Production:
    """The backends a build uses, chosen by the settings: speech, pictures, executor, and the C2PA signer."""
    from dramaline.produce.build import Production
    from dramaline.produce.executors import make_executor
    from dramaline.sound.espeak import EspeakSpeechModel

    config = settings()
    speech: SpeechModel
    if config.speech_backend == "openai":
        from dramaline.sound.openai_speech import OpenAISpeechModel  # httpx: loaded only for this backend

        key = config.speech_api_key.get_secret_value() if config.speech_api_key else None
        speech = OpenAISpeechModel(base_url=config.speech_base_url, model=config.speech_model, api_key=key)
    else:
        speech = EspeakSpeechModel()
    return Production(
        preset=preset,
        speech=speech,
        executor=make_executor(executor_spec),
        signer=_signer(folder, config),
        images=image_direction(config),
    )


def image_direction(config: Settings) -> Direction | None:
    """The image backend the settings choose, with the size and style to ask for; None: the embedded renderer."""
    from dramaline.produce.stills import DEFAULT_STYLE, Direction
    from dramaline.providers.images import ImageModel

    if config.image_backend == "embedded":
        return None
    key = config.image_api_key.get_secret_value() if config.image_api_key else None
    model: ImageModel
    if config.image_backend == "openai":
        from dramaline.providers.openai_images import DEFAULT_MODEL, OpenAIImageModel

        model = OpenAIImageModel(
            base_url=config.image_base_url or "https://api.openai.com/v1",
            model=config.image_model or DEFAULT_MODEL,
            api_key=key,
            timeout_s=config.image_timeout_s,
        )
    else:
        from dramaline.providers.comfyui import DEFAULT_BASE_URL, ComfyUIImageModel
        from dramaline.providers.comfyui_workflow import load_workflow

        workflow = load_workflow(Path(config.comfyui_workflow)) if config.comfyui_workflow else None
        model = ComfyUIImageModel(
            base_url=config.image_base_url or DEFAULT_BASE_URL,
            workflow=workflow,
            model=config.image_model or None,
            api_key=key,
            timeout_s=config.image_timeout_s,
        )
    width, height = (int(n) for n in config.image_size.split("x"))
    if any(n % 8 or not 64 <= n <= 4096 for n in (width, height)):
        raise ConfigError(
            f"DRAMALINE_IMAGE_SIZE is {config.image_size!r}; use multiples of 8 from 64 to 4096, like 768x1344"
        )
    return Direction(model=model, width=width, height=height, style=config.image_style or DEFAULT_STYLE)


def _signer(folder: Path, config: Settings) -> Callable[[Path, Path, str], None]:
    """Sign with the configured C2PA credentials, or with a studio key kept in the series folder."""
    from dramaline.labels.c2pa import sign_c2pa
    from dramaline.labels.keys import studio_credentials

    if config.c2pa_cert and config.c2pa_key:
        chain, key = Path(config.c2pa_cert).read_bytes(), Path(config.c2pa_key).read_bytes()
    else:
        chain, key = studio_credentials(folder / ".dramaline" / "keys")

    def sign(source: Path, out: Path, title: str) -> None:
        sign_c2pa(source, out, cert_chain_pem=chain, private_key_pem=key, title=title)

    return sign
