"""The studio's own C2PA signing credentials, kept in a folder and made on first use.

A local CA and leaf (see `make_test_ca`) sign offline; readers report such files as validly
signed by an untrusted issuer. For platform-trusted credentials, set DRAMALINE_C2PA_CERT/_KEY.
"""

from __future__ import annotations

import datetime
from pathlib import Path

from dramaline.errors import ConfigError
from dramaline.labels.c2pa import make_test_ca

STUDIO_DAYS = 825
"""How long a studio signing certificate is valid; a new one is made when less than a day is left."""


def studio_credentials(folder: Path) -> tuple[bytes, bytes]:
    """(chain_pem, key_pem) from `folder`, making a local CA and signing leaf there when absent or expiring."""
    target = Path(folder)
    chain_path, key_path = target / "chain.pem", target / "key.pem"
    if chain_path.is_file() and key_path.is_file():
        chain, key = chain_path.read_bytes(), key_path.read_bytes()
        if _valid_for_a_day(chain, chain_path):
            return chain, key
    return make_test_ca(target, days=STUDIO_DAYS, organization="dramaline studio")


def _valid_for_a_day(chain_pem: bytes, path: Path) -> bool:
    from cryptography import x509

    try:
        leaf = x509.load_pem_x509_certificates(chain_pem)[0]
    except ValueError as exc:
        raise ConfigError(
            f"{path} is not a PEM certificate chain ({exc}); delete the folder to make new keys."
        ) from exc
    tomorrow = datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=1)
    return leaf.not_valid_after_utc > tomorrow
