"""ComfyUIImageModel against a local server speaking ComfyUI's HTTP API: submit, poll, fetch, errors."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from dramaline.errors import ConfigError, ProviderError, ProviderTimeout
from dramaline.providers.comfyui import ComfyUIImageModel
from dramaline.providers.comfyui_workflow import DEFAULT_WORKFLOW, check_workflow, fill, load_workflow
from dramaline.providers.images import ImageModel, ImageRequest
from tests.image_servers import COLOR, ComfyUI
from tests.protocol_server import ProtocolServer, Reply

REQUEST = ImageRequest(
    prompt="close-up of a 30-year-old man", negative_prompt="blurry", width=512, height=768, seed=4242
)


class Clock:
    """A clock that only moves when the client sleeps: polling tests run instantly and exactly."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def comfy() -> ComfyUI:
    return ComfyUI(polls=2)


@pytest.fixture
def server(comfy: ComfyUI) -> Iterator[ProtocolServer]:
    with ProtocolServer(comfy) as s:
        yield s


def client(server: ProtocolServer, clock: Clock | None = None, **options: object) -> ComfyUIImageModel:
    clock = clock or Clock()
    settings: dict[str, object] = {"timeout_s": 30.0, "poll_s": 0.5, "retries": 2}
    settings.update(options)
    return ComfyUIImageModel(base_url=server.origin, sleep=clock.sleep, clock=clock, **settings)  # type: ignore[arg-type]


def test_submits_the_filled_workflow_polls_and_fetches_the_picture(server: ProtocolServer, comfy: ComfyUI) -> None:
    clock = Clock()
    model: ImageModel = client(server, clock)
    png = model.generate(REQUEST)

    with Image.open(io.BytesIO(png)) as image:
        assert (image.format, image.size) == ("PNG", (512, 768))
        assert image.getpixel((10, 10)) == COLOR
    post, *polls, view = server.requests
    assert (post.method, post.path) == ("POST", "/prompt")
    assert post.body["client_id"]
    graph = post.body["prompt"]
    assert graph["3"]["inputs"]["seed"] == 4242  # a number, not the placeholder's text
    assert graph["6"]["inputs"]["text"] == REQUEST.prompt
    assert graph["7"]["inputs"]["text"] == "blurry"
    assert (graph["5"]["inputs"]["width"], graph["5"]["inputs"]["height"]) == (512, 768)
    assert graph["4"]["inputs"]["ckpt_name"] == "sd_xl_base_1.0.safetensors"
    assert [p.path for p in polls] == ["/history/prompt-1"] * 3  # two empty answers, then the run
    assert clock.sleeps == [0.5, 0.5]
    assert view.path == "/view?filename=dramaline_prompt-1_.png&subfolder=&type=output"


def test_the_same_request_sends_the_same_graph_and_the_seed_is_kept(server: ProtocolServer, comfy: ComfyUI) -> None:
    model = client(server)
    model.generate(REQUEST)
    model.generate(REQUEST)
    model.generate(REQUEST.model_copy(update={"prompt": "wide shot of a ballroom"}))
    first, second, third = comfy.graphs.values()
    assert first == second
    assert third["3"]["inputs"]["seed"] == first["3"]["inputs"]["seed"] == 4242


def test_node_errors_are_reported_with_node_and_class_without_retrying(server: ProtocolServer) -> None:
    clock = Clock()
    with pytest.raises(ProviderError) as caught:
        client(server, clock, model="missing.safetensors").generate(REQUEST)
    message = str(caught.value)
    assert "HTTP 400" in message and "Prompt outputs failed validation" in message
    assert "node 4 (CheckpointLoaderSimple): Value not in list" in message
    assert "missing.safetensors" in message
    assert "DRAMALINE_COMFYUI_WORKFLOW" in message and "DRAMALINE_IMAGE_MODEL" in message
    assert not caught.value.retryable
    assert len(server.requests) == 1 and clock.sleeps == []


def test_a_500_is_retried_then_the_run_succeeds(server: ProtocolServer) -> None:
    server.enqueue(Reply(500, {"error": "CUDA error: device-side assert"}))
    clock = Clock()
    png = client(server, clock, backoff_s=1.0).generate(REQUEST)
    assert png.startswith(b"\x89PNG")
    assert [r.path for r in server.requests[:2]] == ["/prompt", "/prompt"]
    assert 1.0 <= clock.sleeps[0] <= 1.25  # the backoff, before the polls


def test_a_run_that_never_finishes_times_out_with_the_setting_to_raise(server: ProtocolServer, comfy: ComfyUI) -> None:
    comfy.never_finish = True
    clock = Clock()
    with pytest.raises(ProviderTimeout) as caught:
        client(server, clock, timeout_s=5.0, poll_s=1.0).generate(REQUEST)
    assert "prompt-1" in str(caught.value) and "DRAMALINE_IMAGE_TIMEOUT_S" in str(caught.value)
    assert isinstance(caught.value, TimeoutError)
    assert len([r for r in server.requests if r.path.startswith("/history/")]) == 6
    assert clock.now == 5.0


def test_a_failed_run_names_the_node_and_the_exception(server: ProtocolServer, comfy: ComfyUI) -> None:
    comfy.fail_with = "Allocation on device 0 would exceed allowed memory"
    with pytest.raises(ProviderError) as caught:
        client(server).generate(REQUEST)
    message = str(caught.value)
    assert "node 3 (KSampler)" in message and "torch.OutOfMemoryError" in message
    assert "exceed allowed memory" in message


def test_clip_outputs_are_fetched_by_run_but_are_not_a_still(server: ProtocolServer, comfy: ComfyUI) -> None:
    comfy.outputs = "gifs"
    model = client(server)
    (clip,) = model.run(model.graph(REQUEST))
    assert (clip.kind, clip.filename, clip.is_still) == ("gifs", "clip_prompt-1.mp4", False)
    assert model.fetch(clip).startswith(b"\x00\x00\x00\x18ftyp")
    with pytest.raises(ProviderError, match=r"without a still picture \(outputs: gifs: clip_prompt-2.mp4\)"):
        model.generate(REQUEST)


def test_unreachable_server_names_the_address_and_the_setting() -> None:
    model = ComfyUIImageModel(base_url="http://127.0.0.1:9", retries=0)
    with pytest.raises(ProviderError, match=r"cannot reach http://127.0.0.1:9/prompt.*DRAMALINE_IMAGE_BASE_URL"):
        model.generate(REQUEST)


def test_fingerprint_follows_workflow_and_checkpoint_not_the_address() -> None:
    a = ComfyUIImageModel(base_url="http://gpu-1:8188")
    assert a.fingerprint == ComfyUIImageModel(base_url="http://gpu-2:8188").fingerprint
    assert a.fingerprint != ComfyUIImageModel(model="dreamshaper_8.safetensors").fingerprint
    steps = json.loads(json.dumps(DEFAULT_WORKFLOW))
    steps["3"]["inputs"]["steps"] = 12
    assert a.fingerprint != ComfyUIImageModel(workflow=steps).fingerprint


def test_an_exported_workflow_without_placeholders_is_filled_by_node_class() -> None:
    exported = json.loads(json.dumps(DEFAULT_WORKFLOW))
    exported["4"]["inputs"]["ckpt_name"] = "dreamshaper_8.safetensors"
    exported["5"]["inputs"].update(width=1024, height=1024)
    exported["6"]["inputs"]["text"] = "a cat"
    exported["7"]["inputs"]["text"] = "ugly"
    exported["3"]["inputs"]["seed"] = 1
    graph = fill(exported, REQUEST, model=None)
    assert graph["6"]["inputs"]["text"] == REQUEST.prompt and graph["7"]["inputs"]["text"] == "blurry"
    assert graph["3"]["inputs"]["seed"] == 4242
    assert (graph["5"]["inputs"]["width"], graph["5"]["inputs"]["height"]) == (512, 768)
    assert graph["4"]["inputs"]["ckpt_name"] == "dreamshaper_8.safetensors"  # kept: no model was set
    assert fill(exported, REQUEST, model="x.safetensors")["4"]["inputs"]["ckpt_name"] == "x.safetensors"
    assert exported["6"]["inputs"]["text"] == "a cat"  # the template itself is untouched


def test_placeholders_inside_text_are_substituted_as_text() -> None:
    workflow = json.loads(json.dumps(DEFAULT_WORKFLOW))
    workflow["6"]["inputs"]["text"] = "masterpiece, {{prompt}}, seed {{seed}}"
    workflow["9"]["inputs"]["filename_prefix"] = "cast/{{subject}}"
    graph = fill(workflow, REQUEST.model_copy(update={"subject": "ethan"}), model=None)
    assert graph["6"]["inputs"]["text"] == f"masterpiece, {REQUEST.prompt}, seed 4242"
    assert graph["9"]["inputs"]["filename_prefix"] == "cast/ethan"


def test_bad_templates_are_config_errors_that_say_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="Export \\(API\\)"):
        check_workflow({"nodes": [], "links": []}, "t.json")
    no_prompt = {"1": {"class_type": "SaveImage", "inputs": {"filename_prefix": "x"}}}
    with pytest.raises(ConfigError, match=r"no \{\{prompt\}\} placeholder"):
        check_workflow(no_prompt, "t.json")
    with pytest.raises(ConfigError, match="has no class_type"):
        check_workflow({"1": {"inputs": {}}}, "t.json")
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    with pytest.raises(ConfigError, match=r"broken\.json is not JSON"):
        load_workflow(broken)
    with pytest.raises(ConfigError, match="cannot read"):
        load_workflow(tmp_path / "missing.json")
    good = tmp_path / "good.json"
    good.write_text(json.dumps(DEFAULT_WORKFLOW))
    assert load_workflow(good) == DEFAULT_WORKFLOW
