"""A tiny built series shared by the localization tests: one short episode at a small preset, fake voices."""

from __future__ import annotations

from pathlib import Path

import pytest

from dramaline.localize.protocol import Translation, TranslationJob
from dramaline.model import Preset, Series
from dramaline.produce.build import BuildSummary, Production, make
from dramaline.produce.executors import LocalExecutor
from dramaline.series_folder import save_series
from dramaline.sound.speech import FakeSpeechModel
from tests.conftest import make_series

SMALL = Preset(name="small", width_px=240, height_px=428, fps=10, crf=30, x264_preset="ultrafast")


def production(preset: Preset = SMALL) -> Production:
    return Production(preset=preset, speech=FakeSpeechModel(), executor=LocalExecutor(workers=2))


class TableTranslator:
    """A translator answering from a table (unknown text: a fixed reply), counting the units it is asked for."""

    batches = True

    def __init__(self, table: dict[str, str], default: str, fingerprint: str = "table:1") -> None:
        self.table, self.default, self.fingerprint = table, default, fingerprint
        self.asked: list[str] = []

    def translate(self, job: TranslationJob) -> dict[str, Translation]:
        out = {}
        for scene in job.scenes:
            for u in scene.wanted:
                self.asked.append(u.text)
                out[u.id] = Translation(text=self.table.get(u.text, self.default))
        return out


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Series, BuildSummary]:
    folder = tmp_path_factory.mktemp("loc") / "janitor-heir"
    series = make_series(1)
    save_series(series, folder)
    return folder, series, make(folder, production())
