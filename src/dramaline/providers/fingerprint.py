"""The digest of a backend's output-shaping options, the part of its fingerprint that cache keys use."""

from __future__ import annotations

import hashlib
import json


def options_digest(options: object) -> str:
    """sha256 of `options` as JSON with sorted keys: equal options, equal digest, on any machine."""
    return hashlib.sha256(json.dumps(options, sort_keys=True).encode()).hexdigest()
