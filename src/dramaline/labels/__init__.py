"""AI-content labels: the on-screen label and credits (visible), AIGC file metadata (metadata), C2PA (c2pa, keys)."""

from dramaline.labels.c2pa import make_test_ca, read_c2pa, sign_c2pa
from dramaline.labels.keys import studio_credentials
from dramaline.labels.metadata import aigc_metadata, mp4_metadata, read_aigc
from dramaline.labels.visible import LABEL_SECONDS, credits_overlay, label_overlay

__all__ = [
    "LABEL_SECONDS",
    "aigc_metadata",
    "credits_overlay",
    "label_overlay",
    "make_test_ca",
    "mp4_metadata",
    "read_aigc",
    "read_c2pa",
    "sign_c2pa",
    "studio_credentials",
]
