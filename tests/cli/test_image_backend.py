"""Choosing the image backend from the settings: DRAMALINE_IMAGE_* and DRAMALINE_COMFYUI_WORKFLOW."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import ValidationError

from dramaline.cli.produce import image_direction
from dramaline.errors import ConfigError
from dramaline.produce.stills import DEFAULT_STYLE
from dramaline.providers.comfyui import ComfyUIImageModel
from dramaline.providers.comfyui_workflow import DEFAULT_WORKFLOW
from dramaline.providers.openai_images import OpenAIImageModel
from dramaline.settings import Settings


def test_the_embedded_renderer_is_the_default() -> None:
    assert image_direction(Settings()) is None


def test_comfyui_with_a_workflow_file_and_a_checkpoint(tmp_path: Path) -> None:
    workflow = json.loads(json.dumps(DEFAULT_WORKFLOW))
    workflow["3"]["inputs"]["steps"] = 8
    path = tmp_path / "turbo.json"
    path.write_text(json.dumps(workflow))
    settings = Settings(
        image_backend="comfyui",
        comfyui_workflow=str(path),
        image_model="dreamshaper_8.safetensors",
        image_size="512x896",
    )
    direction = image_direction(settings)
    assert direction is not None and isinstance(direction.model, ComfyUIImageModel)
    assert direction.model.base_url == "http://127.0.0.1:8188"
    assert direction.model.workflow == workflow and direction.model.model == "dreamshaper_8.safetensors"
    assert (direction.width, direction.height, direction.style) == (512, 896, DEFAULT_STYLE)


def test_openai_with_a_local_server_key_and_style(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DRAMALINE_IMAGE_BACKEND", "openai")
    monkeypatch.setenv("DRAMALINE_IMAGE_BASE_URL", "http://localhost:8080/v1")
    monkeypatch.setenv("DRAMALINE_IMAGE_API_KEY", "sk-local")
    monkeypatch.setenv("DRAMALINE_IMAGE_STYLE", "ink wash")
    direction = image_direction(Settings())
    assert direction is not None and isinstance(direction.model, OpenAIImageModel)
    assert direction.model.url == "http://localhost:8080/v1/images/generations"
    assert direction.model.model == "gpt-image-1"
    assert direction.style == "ink wash" and (direction.width, direction.height) == (768, 1344)


def test_bad_image_settings_say_what_to_fix(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="multiples of 8"):
        image_direction(Settings(image_backend="openai", image_size="770x1344"))
    with pytest.raises(ValidationError):
        Settings(image_size="huge")
    with pytest.raises(ConfigError, match="DRAMALINE_COMFYUI_WORKFLOW: cannot read"):
        image_direction(Settings(image_backend="comfyui", comfyui_workflow=str(tmp_path / "none.json")))
