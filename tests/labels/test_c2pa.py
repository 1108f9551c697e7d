"""C2PA: a throwaway CA, offline ES256 signing of an MP4, and reading the manifest back."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest.importorskip("c2pa", reason="c2pa-python is not installed")

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, load_pem_private_key
from cryptography.x509.oid import ExtendedKeyUsageOID

from dramaline.errors import ConfigError, InvalidInputError
from dramaline.labels.c2pa import TRAINED_ALGORITHMIC_MEDIA, active_manifest, make_test_ca, read_c2pa, sign_c2pa
from dramaline.labels.metadata import aigc_metadata, mp4_metadata, read_aigc
from tests.labels.conftest import remux, remux_tagged


@pytest.fixture(scope="module")
def test_ca(tmp_path_factory: pytest.TempPathFactory) -> tuple[bytes, bytes, bytes]:
    folder = tmp_path_factory.mktemp("ca")
    chain, key = make_test_ca(folder)
    return chain, key, (folder / "ca.pem").read_bytes()


def test_the_test_ca_issues_a_signing_leaf(test_ca):
    chain, key, ca_pem = test_ca
    leaf, ca = x509.load_pem_x509_certificates(chain)
    assert ca.public_bytes(Encoding.PEM) == ca_pem
    assert leaf.issuer == ca.subject != leaf.subject
    assert leaf.extensions.get_extension_for_class(x509.BasicConstraints).value.ca is False
    assert leaf.extensions.get_extension_for_class(x509.KeyUsage).value.digital_signature
    usages = leaf.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert ExtendedKeyUsageOID.EMAIL_PROTECTION in usages
    private = load_pem_private_key(key, password=None)
    assert isinstance(private, ec.EllipticCurvePrivateKey)
    assert private.curve.name == "secp256r1"


def test_sign_and_read_back(tiny_mp4: Path, tmp_path: Path, test_ca):
    chain, key, ca_pem = test_ca
    aigc = aigc_metadata(producer="dramaline", produce_id="S01E01")
    tags = mp4_metadata(aigc, title="Ep 1", comment="")
    labelled = remux_tagged(tiny_mp4, tmp_path / "labelled.mp4", tags)
    signed = tmp_path / "signed.mp4"
    sign_c2pa(labelled, signed, cert_chain_pem=chain, private_key_pem=key, title="Ep 1")

    store = read_c2pa(signed)
    assert store["validation_state"] == "Valid"  # intact, from a CA the reader does not know
    manifest = active_manifest(store)
    assert manifest["title"] == "Ep 1"
    assert manifest["claim_generator_info"][0]["name"] == "dramaline"
    actions = [
        action
        for assertion in manifest["assertions"]
        if assertion["label"].startswith("c2pa.actions")
        for action in assertion["data"]["actions"]
    ]
    assert {"action": "c2pa.created", "digitalSourceType": TRAINED_ALGORITHMIC_MEDIA} in actions
    assert manifest["signature_info"]["alg"].upper() == "ES256"

    assert read_c2pa(signed, trust_anchors_pem=ca_pem)["validation_state"] == "Trusted"
    assert read_aigc(signed) == json.loads(aigc), "the AIGC tag survives signing"


def test_signing_in_place(tiny_mp4: Path, tmp_path: Path, test_ca):
    chain, key, _ = test_ca
    target = remux(tiny_mp4, tmp_path / "episode.mp4")
    sign_c2pa(target, target, cert_chain_pem=chain, private_key_pem=key, title="Ep 2")
    assert active_manifest(read_c2pa(target))["title"] == "Ep 2"
    assert [p.name for p in tmp_path.iterdir()] == ["episode.mp4"]


def test_a_remux_after_signing_drops_the_manifest(tiny_mp4: Path, tmp_path: Path, test_ca):
    chain, key, _ = test_ca
    signed = tmp_path / "signed.mp4"
    sign_c2pa(tiny_mp4, signed, cert_chain_pem=chain, private_key_pem=key, title="Ep 1")
    assert read_c2pa(remux(signed, tmp_path / "remuxed.mp4")) == {}


def test_unsigned_files_have_no_manifest(tiny_mp4: Path):
    assert read_c2pa(tiny_mp4) == {}


def test_bad_credentials_and_paths_are_reported(tiny_mp4: Path, tmp_path: Path, test_ca):
    chain, _, _ = test_ca
    with pytest.raises(ConfigError, match="make_test_ca"):
        sign_c2pa(tiny_mp4, tmp_path / "x.mp4", cert_chain_pem=chain, private_key_pem=b"not a key", title="t")
    assert not (tmp_path / "x.mp4").exists()
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(InvalidInputError):
        sign_c2pa(tmp_path / "missing.mp4", tmp_path / "x.mp4", cert_chain_pem=chain, private_key_pem=b"", title="t")
    with pytest.raises(InvalidInputError):
        read_c2pa(tmp_path / "missing.mp4")
