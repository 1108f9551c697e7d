"""ComfyUI workflow templates: the graph sent to `POST /prompt`, with a request's values filled in.

A template is a workflow saved in ComfyUI's API format ("Export (API)"): `{node_id: {"class_type":
…, "inputs": {…}}}`. Values are filled in one of two ways:

- **Placeholders** (preferred): any input whose string value is, or contains, `{{prompt}}`,
  `{{negative}}`, `{{seed}}`, `{{width}}`, `{{height}}`, `{{model}}` or `{{subject}}`. A value that
  is exactly `{{seed}}`, `{{width}}` or `{{height}}` becomes a number.
- **By node class**, when the template has no placeholder at all (a workflow exported as is):
  every `KSampler`/`KSamplerAdvanced` gets the seed (`seed` or `noise_seed`), and the text of the
  nodes wired to its `positive` and `negative` inputs gets the prompt and negative prompt; every
  `Empty…LatentImage` gets the width and height; every `CheckpointLoaderSimple` gets the model, when
  one is set.

The default template is an SDXL text-to-image graph (checkpoint, two prompts, empty latent,
KSampler, VAE decode, SaveImage) that uses placeholders.
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

from dramaline.errors import ConfigError
from dramaline.providers.images import ImageRequest

Workflow = dict[str, Any]

DEFAULT_CHECKPOINT = "sd_xl_base_1.0.safetensors"

DEFAULT_WORKFLOW: Workflow = {
    "4": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "{{model}}"}},
    "5": {
        "class_type": "EmptyLatentImage",
        "inputs": {"width": "{{width}}", "height": "{{height}}", "batch_size": 1},
    },
    "6": {"class_type": "CLIPTextEncode", "inputs": {"text": "{{prompt}}", "clip": ["4", 1]}},
    "7": {"class_type": "CLIPTextEncode", "inputs": {"text": "{{negative}}", "clip": ["4", 1]}},
    "3": {
        "class_type": "KSampler",
        "inputs": {
            "seed": "{{seed}}",
            "steps": 30,
            "cfg": 6.5,
            "sampler_name": "dpmpp_2m",
            "scheduler": "karras",
            "denoise": 1.0,
            "model": ["4", 0],
            "positive": ["6", 0],
            "negative": ["7", 0],
            "latent_image": ["5", 0],
        },
    },
    "8": {"class_type": "VAEDecode", "inputs": {"samples": ["3", 0], "vae": ["4", 2]}},
    "9": {"class_type": "SaveImage", "inputs": {"filename_prefix": "dramaline", "images": ["8", 0]}},
}

_PLACEHOLDER = re.compile(r"\{\{(prompt|negative|seed|width|height|model|subject)\}\}")
_NUMBERS = ("seed", "width", "height")
_SAMPLERS = ("KSampler", "KSamplerAdvanced")
_PROBE = "dramaline-probe-prompt"


def load_workflow(path: Path) -> Workflow:
    """Read and check a template file; a ConfigError says what is wrong with it."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"DRAMALINE_COMFYUI_WORKFLOW: cannot read {path}: {exc.strerror or exc}") from exc
    except ValueError as exc:
        raise ConfigError(f"DRAMALINE_COMFYUI_WORKFLOW: {path} is not JSON ({exc})") from exc
    check_workflow(data, str(path))
    return dict(data)


def check_workflow(workflow: Any, where: str) -> None:
    """Raise ConfigError unless `workflow` is an API-format graph that a request can be filled into."""
    if isinstance(workflow, dict) and ("nodes" in workflow and "links" in workflow):
        raise ConfigError(
            f"{where} is a ComfyUI workflow in the editor's format; export it with 'Export (API)' "
            "(enable the dev mode options in ComfyUI's settings to see it) and use that file"
        )
    if not isinstance(workflow, dict) or not workflow:
        raise ConfigError(f"{where} must be a JSON object of nodes: {{node_id: {{class_type, inputs}}}}")
    for node_id, node in workflow.items():
        if not (isinstance(node, dict) and isinstance(node.get("class_type"), str)):
            raise ConfigError(f"{where}: node {node_id!r} has no class_type; export the workflow in API format")
        if not isinstance(node.get("inputs", {}), dict):
            raise ConfigError(f"{where}: node {node_id!r} ({node['class_type']}) has inputs that are not an object")
    probe = ImageRequest(prompt=_PROBE, width=64, height=64, seed=1)
    if _PROBE not in json.dumps(fill(workflow, probe, model=None)):
        raise ConfigError(
            f"{where} has no {{{{prompt}}}} placeholder and no KSampler whose positive input comes from a text "
            "node; put {{prompt}} in the text of the positive prompt node"
        )


def fill(workflow: Workflow, request: ImageRequest, *, model: str | None) -> Workflow:
    """A copy of `workflow` with the request's prompt, negative prompt, seed, size and model filled in."""
    graph = copy.deepcopy(workflow)
    values: dict[str, str | int] = {
        "prompt": request.prompt,
        "negative": request.negative_prompt,
        "seed": request.seed,
        "width": request.width,
        "height": request.height,
        "model": model or DEFAULT_CHECKPOINT,
        "subject": request.subject or "",
    }
    if _PLACEHOLDER.search(json.dumps(workflow)):
        for node in graph.values():
            inputs = node.get("inputs", {})
            for name, value in inputs.items():
                if isinstance(value, str):
                    inputs[name] = _substitute(value, values)
        return graph
    _fill_by_class(graph, request, model)
    return graph


def _substitute(value: str, values: dict[str, str | int]) -> str | int:
    whole = _PLACEHOLDER.fullmatch(value)
    if whole and whole[1] in _NUMBERS:
        return values[whole[1]]
    return _PLACEHOLDER.sub(lambda m: str(values[m[1]]), value)


def _fill_by_class(graph: Workflow, request: ImageRequest, model: str | None) -> None:
    for node in graph.values():
        kind, inputs = node["class_type"], node.setdefault("inputs", {})
        if kind in _SAMPLERS:
            inputs["noise_seed" if "noise_seed" in inputs else "seed"] = request.seed
            for side, text in (("positive", request.prompt), ("negative", request.negative_prompt)):
                _set_text(graph, inputs.get(side), text)
        elif kind.startswith("Empty") and kind.endswith("LatentImage"):
            inputs["width"], inputs["height"] = request.width, request.height
        elif kind == "CheckpointLoaderSimple" and model:
            inputs["ckpt_name"] = model


def _set_text(graph: Workflow, link: Any, text: str) -> None:
    """Put `text` into the prompt node a sampler input is wired to (a link is [node_id, output])."""
    if isinstance(link, list) and link and str(link[0]) in graph:
        inputs = graph[str(link[0])].get("inputs", {})
        if isinstance(inputs.get("text"), str):
            inputs["text"] = text
