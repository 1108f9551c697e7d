"""C2PA Content Credentials: sign a finished MP4 as AI-generated media, offline, and read manifests back.

Signing must be the last step of the pipeline (after the AIGC metadata): any ffmpeg remux
afterwards drops the manifest. Uses the `c2pa-python` package; `make_test_ca` makes a throwaway
CA and leaf for tests and local runs (C2PA rejects self-signed leaf certificates).
"""

from __future__ import annotations

import datetime
import json
import os
import tempfile
from importlib import metadata
from pathlib import Path
from typing import Any

from dramaline.errors import ConfigError, InvalidInputError

TRAINED_ALGORITHMIC_MEDIA = "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"
"""IPTC digital source type for media made by a trained model: what platforms read as "AI-generated"."""

_OFFLINE_SETTINGS: dict[str, Any] = {"verify": {"ocsp_fetch": False, "remote_manifest_fetch": False}}


def manifest_definition(title: str) -> dict[str, Any]:
    """The manifest to sign: one `c2pa.created` action with the trained-algorithmic-media source type."""
    return {
        "claim_generator_info": [{"name": "dramaline", "version": _version()}],
        "title": title,
        "assertions": [
            {
                "label": "c2pa.actions",
                "data": {"actions": [{"action": "c2pa.created", "digitalSourceType": TRAINED_ALGORITHMIC_MEDIA}]},
            }
        ],
    }


def sign_c2pa(mp4: Path, out: Path, *, cert_chain_pem: bytes, private_key_pem: bytes, title: str) -> None:
    """Write `out`: `mp4` with an embedded C2PA manifest signed ES256, without a timestamp authority.

    `cert_chain_pem` is the leaf certificate followed by its issuers; `out` may equal `mp4`.
    """
    c2pa = _c2pa()
    source = Path(mp4)
    if not source.is_file():
        raise InvalidInputError(f"No MP4 at {source}; render the episode before signing it.")
    target = Path(out)
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".mp4", dir=target.parent)
    os.close(handle)
    try:
        try:
            info = c2pa.C2paSignerInfo(c2pa.C2paSigningAlg.ES256, cert_chain_pem, private_key_pem, None)
            with (
                c2pa.Context.from_dict(_OFFLINE_SETTINGS) as context,
                c2pa.Signer.from_info(info) as signer,
                c2pa.Builder(manifest_definition(title), context) as builder,
                open(source, "rb") as src,
                open(temporary, "w+b") as dst,
            ):
                builder.sign(signer, "video/mp4", src, dst)
        except c2pa.C2paError as exc:
            raise ConfigError(
                f"C2PA signing of {source} failed: {exc}. The chain must be an ES256 (P-256) leaf with "
                "keyUsage digitalSignature, extendedKeyUsage emailProtection and CA:false, issued by a CA "
                "(self-signed leaves are rejected), followed by its issuers; make_test_ca() makes such a pair."
            ) from exc
        os.replace(temporary, target)
    finally:
        Path(temporary).unlink(missing_ok=True)


def read_c2pa(path: Path, *, trust_anchors_pem: bytes | None = None) -> dict[str, Any]:
    """The C2PA manifest store of a file as a dict, plus `validation_state`; empty when it has none.

    `validation_state` is "Valid" for an intact signature from an unknown CA and "Trusted" when
    the signing CA is among `trust_anchors_pem`; "Invalid" when the file or manifest was altered.
    """
    c2pa = _c2pa()
    source = Path(path)
    if not source.is_file():
        raise InvalidInputError(f"No file at {source}; check the path.")
    settings: dict[str, Any] = dict(_OFFLINE_SETTINGS)
    if trust_anchors_pem is not None:
        settings["trust"] = {"trust_anchors": trust_anchors_pem.decode("ascii")}
    try:
        with c2pa.Context.from_dict(settings) as context, open(source, "rb") as stream:
            reader = c2pa.Reader.try_create("video/mp4", stream, None, context)
            if reader is None:
                return {}
            with reader:
                store: dict[str, Any] = json.loads(reader.json())
                store["validation_state"] = reader.get_validation_state()
                return store
    except c2pa.C2paError as exc:
        raise InvalidInputError(f"Could not read C2PA data from {source}: {exc}") from exc


def active_manifest(store: dict[str, Any]) -> dict[str, Any]:
    """The active manifest of a store returned by `read_c2pa`, or an empty dict."""
    label = store.get("active_manifest")
    manifests: dict[str, Any] = store.get("manifests", {})
    found = manifests.get(label, {}) if isinstance(label, str) else {}
    return found if isinstance(found, dict) else {}


def make_test_ca(folder: Path, *, days: int = 30, organization: str = "dramaline test") -> tuple[bytes, bytes]:
    """Make a throwaway CA and an ES256 signing leaf in `folder`; return (chain_pem, key_pem).

    Writes ca.pem (the trust anchor), chain.pem (leaf then CA) and key.pem (the leaf's key).
    For tests and local runs only: platforms trust credentials from C2PA-listed CAs.
    """
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = datetime.datetime.now(datetime.UTC)
    valid_from, valid_to = now - datetime.timedelta(days=1), now + datetime.timedelta(days=days)

    def name(common_name: str) -> x509.Name:
        return x509.Name(
            [
                x509.NameAttribute(NameOID.COMMON_NAME, common_name),
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization),
            ]
        )

    def usage(*, signing: bool) -> x509.KeyUsage:
        return x509.KeyUsage(
            digital_signature=signing,
            content_commitment=False,
            key_encipherment=False,
            data_encipherment=False,
            key_agreement=False,
            key_cert_sign=not signing,
            crl_sign=not signing,
            encipher_only=False,
            decipher_only=False,
        )

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(name(f"{organization} CA"))
        .issuer_name(name(f"{organization} CA"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(valid_from)
        .not_valid_after(valid_to)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(usage(signing=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    leaf_key = ec.generate_private_key(ec.SECP256R1())
    leaf_cert = (
        x509.CertificateBuilder()
        .subject_name(name(f"{organization} signer"))
        .issuer_name(ca_cert.subject)
        .public_key(leaf_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(valid_from)
        .not_valid_after(valid_to)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(usage(signing=True), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(leaf_key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    ca_pem = ca_cert.public_bytes(serialization.Encoding.PEM)
    chain_pem = leaf_cert.public_bytes(serialization.Encoding.PEM) + ca_pem
    key_pem = leaf_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    target = Path(folder)
    target.mkdir(parents=True, exist_ok=True)
    (target / "ca.pem").write_bytes(ca_pem)
    (target / "chain.pem").write_bytes(chain_pem)
    key_path = target / "key.pem"
    key_path.write_bytes(key_pem)
    key_path.chmod(0o600)
    return chain_pem, key_pem


def _c2pa() -> Any:
    """The c2pa-python module, imported on first use so the rest of dramaline works without it."""
    try:
        import c2pa
    except ImportError as exc:
        raise ConfigError(
            "C2PA signing needs the c2pa-python package, which is not installed. "
            "Install it: `pip install 'c2pa-python>=0.38,<1'`."
        ) from exc
    return c2pa


def _version() -> str:
    try:
        return metadata.version("dramaline")
    except metadata.PackageNotFoundError:
        return "0"
