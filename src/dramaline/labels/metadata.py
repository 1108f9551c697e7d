"""The implicit AI label: GB 45438-2025 Appendix E `AIGC` JSON, written into MP4 metadata.

With the `use_metadata_tags` movflag, libavformat stores the tag as an `mdta` key `AIGC` in
`moov/udta/meta`, where the TC260 video guide puts it. Write this before C2PA signing: any later
remux drops the C2PA manifest.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

from dramaline.errors import ConfigError, InvalidInputError

AIGC_KEY = "AIGC"
AIGC_FIELDS = (
    "Label",
    "ContentProducer",
    "ProduceID",
    "ReservedCode1",
    "ContentPropagator",
    "PropagateID",
    "ReservedCode2",
)
"""The fields of the Appendix E JSON, in the standard's order."""


def aigc_metadata(*, producer: str, produce_id: str, propagator: str = "", propagate_id: str = "") -> str:
    """The Appendix E `AIGC` JSON marking content as AI-generated (Label "1"), compact and UTF-8.

    ReservedCode1 is the SHA-256 (hex) of the canonical JSON of Label, ContentProducer and
    ProduceID, so a reader can tell the producer fields were not edited on their own.
    """
    producer, produce_id = producer.strip(), produce_id.strip()
    if not producer:
        raise InvalidInputError(
            "The AIGC label needs a ContentProducer: the service provider's name or TC260 code (pass producer=...)."
        )
    if not produce_id:
        raise InvalidInputError("The AIGC label needs a ProduceID, a unique content number (pass produce_id=...).")
    core = {"Label": "1", "ContentProducer": producer, "ProduceID": produce_id}
    canonical = json.dumps(core, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    record = {
        **core,
        "ReservedCode1": hashlib.sha256(canonical.encode("utf-8")).hexdigest(),
        "ContentPropagator": propagator.strip(),
        "PropagateID": propagate_id.strip(),
        "ReservedCode2": "",
    }
    return json.dumps({field: record[field] for field in AIGC_FIELDS}, separators=(",", ":"), ensure_ascii=False)


def mp4_metadata(aigc_json: str, *, title: str, comment: str) -> dict[str, str]:
    """The MP4 metadata of an episode: the AIGC tag, its title and comment.

    Write them with the `use_metadata_tags` movflag (`encode.MUX_OPTIONS`; ffmpeg's command line:
    `-movflags +use_metadata_tags -metadata KEY=VALUE` for each), which stores each as an `mdta` key.
    """
    try:
        parsed = json.loads(aigc_json)
    except json.JSONDecodeError as exc:
        raise InvalidInputError(f"aigc_json is not JSON ({exc}); build it with aigc_metadata().") from exc
    missing = [field for field in AIGC_FIELDS if not isinstance(parsed, dict) or field not in parsed]
    if missing:
        raise InvalidInputError(f"aigc_json lacks {', '.join(missing)}; build it with aigc_metadata().")
    return {AIGC_KEY: aigc_json, "title": title, "comment": comment}


def read_aigc(path: Path) -> dict[str, Any]:
    """The `AIGC` JSON of a media file, read with ffprobe; an empty dict when the file has none."""
    if not Path(path).is_file():
        raise InvalidInputError(f"No media file at {path}; check the path.")
    ffprobe = shutil.which("ffprobe")
    if ffprobe is None:
        raise ConfigError(
            "ffprobe was not found on PATH; reading AIGC labels needs it. Install: `apt-get install ffmpeg`."
        )
    result = subprocess.run(
        [ffprobe, "-v", "error", "-show_entries", "format_tags", "-of", "json", str(path)],
        capture_output=True,
        text=True,
        encoding="utf-8",
        check=False,
    )
    if result.returncode != 0:
        raise InvalidInputError(f"ffprobe could not read {path}: {result.stderr.strip()}")
    tags = json.loads(result.stdout or "{}").get("format", {}).get("tags", {})
    value = next((v for k, v in tags.items() if k.upper() == AIGC_KEY), None)
    if value is None:
        return {}
    try:
        parsed = json.loads(value)
    except json.JSONDecodeError as exc:
        raise InvalidInputError(f"The AIGC tag of {path} is not JSON: {value[:80]!r}") from exc
    if not isinstance(parsed, dict):
        raise InvalidInputError(f"The AIGC tag of {path} is not a JSON object: {value[:80]!r}")
    return parsed
