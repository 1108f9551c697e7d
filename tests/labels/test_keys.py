"""Studio C2PA credentials: made once in a folder, then reused."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from cryptography import x509

from dramaline.errors import ConfigError
from dramaline.labels.keys import STUDIO_DAYS, studio_credentials


def test_credentials_are_made_once_and_reused(tmp_path: Path):
    folder = tmp_path / ".dramaline" / "keys"
    chain, key = studio_credentials(folder)
    assert sorted(p.name for p in folder.iterdir()) == ["ca.pem", "chain.pem", "key.pem"]
    assert studio_credentials(folder) == (chain, key)
    leaf = x509.load_pem_x509_certificates(chain)[0]
    left = leaf.not_valid_after_utc - datetime.datetime.now(datetime.UTC)
    assert left > datetime.timedelta(days=STUDIO_DAYS - 2)


def test_a_broken_chain_is_reported(tmp_path: Path):
    (tmp_path / "chain.pem").write_text("junk")
    (tmp_path / "key.pem").write_text("junk")
    with pytest.raises(ConfigError, match="delete the folder"):
        studio_credentials(tmp_path)
