"""SSHSIG (the format of `ssh-keygen -Y sign/verify`): the wire format, armoring, signing
and verifying one message under a namespace, and reading SSH keys. Nothing here knows
what a report is (golive/signoff/signing.py)."""

from __future__ import annotations

import base64
import hashlib
import os
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from golive.core.errors import GoliveError, UsageError

NAMESPACE = "golive"
MAGIC = b"SSHSIG"
ARMOR_BEGIN = "-----BEGIN SSH SIGNATURE-----"
ARMOR_END = "-----END SSH SIGNATURE-----"


class SigningError(GoliveError):
    """A report cannot be signed as asked (exit 2: nothing was written)."""


def bounded_bytes(path: Path, what: str = "") -> bytes:
    """A file golive reads (key, payload), through the bounded reader: exit 2 else."""
    from golive.core.inputfiles import InputFileError, read_input_bytes

    try:
        return read_input_bytes(path)
    except InputFileError as exc:
        raise UsageError(f"{what}{path}: {exc}") from None


def bounded_text(path: Path) -> str:
    """A text file golive reads (allowed signers, signature), strict UTF-8: exit 2 else."""
    from golive.core.inputfiles import InputFileError, read_input

    try:
        return read_input(path)
    except InputFileError as exc:
        raise UsageError(f"{path}: {exc}") from None


def _string(data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + data


class _Reader:
    def __init__(self, data: bytes) -> None:
        self.data, self.pos = data, 0

    def take(self, n: int) -> bytes:
        if self.pos + n > len(self.data):
            raise ValueError("truncated")
        chunk = self.data[self.pos : self.pos + n]
        self.pos += n
        return chunk

    def uint32(self) -> int:
        value: int = struct.unpack(">I", self.take(4))[0]
        return value

    def string(self) -> bytes:
        return self.take(self.uint32())


def fingerprint(key_blob: bytes) -> str:
    """OpenSSH's SHA256 fingerprint of a public key blob, as `ssh-keygen -l` prints it."""
    digest = base64.b64encode(hashlib.sha256(key_blob).digest()).decode().rstrip("=")
    return f"SHA256:{digest}"


def key_blob_from_openssh(line: str) -> bytes:
    parts = line.split()
    if len(parts) < 2:
        raise ValueError("not an OpenSSH public key")
    blob = base64.b64decode(parts[1], validate=True)
    if _Reader(blob).string().decode() != parts[0]:
        raise ValueError("key type and key data disagree")
    return blob


def _public_key(blob: bytes) -> Any:
    from cryptography.hazmat.primitives.serialization import load_ssh_public_key

    kind = _Reader(blob).string()
    return load_ssh_public_key(kind + b" " + base64.b64encode(blob))


@dataclass(frozen=True)
class SshSig:
    """A parsed SSHSIG blob."""

    key_blob: bytes
    namespace: str
    hash_alg: str
    sig_type: str
    sig: bytes

    @property
    def key_type(self) -> str:
        return _Reader(self.key_blob).string().decode()


def armor(blob: bytes) -> str:
    b64 = base64.b64encode(blob).decode()
    lines = [b64[i : i + 70] for i in range(0, len(b64), 70)]
    return "\n".join([ARMOR_BEGIN, *lines, ARMOR_END]) + "\n"


def parse_armored(text: str) -> SshSig:
    text = text.strip()
    if not (text.startswith(ARMOR_BEGIN) and text.endswith(ARMOR_END)):
        raise ValueError("not an armored SSH signature (-----BEGIN SSH SIGNATURE-----)")
    body = "".join(text[len(ARMOR_BEGIN) : -len(ARMOR_END)].split())
    r = _Reader(base64.b64decode(body, validate=True))
    if r.take(6) != MAGIC:
        raise ValueError("not an SSHSIG blob")
    if r.uint32() != 1:
        raise ValueError("unsupported SSHSIG version")
    key_blob = r.string()
    namespace = r.string().decode()
    r.string()  # reserved
    hash_alg = r.string().decode()
    sig = _Reader(r.string())
    return SshSig(key_blob, namespace, hash_alg, sig.string().decode(), sig.string())


def _signed_data(message: bytes, namespace: str, hash_alg: str) -> bytes:
    digest = (hashlib.sha512 if hash_alg == "sha512" else hashlib.sha256)(message).digest()
    return (
        MAGIC
        + _string(namespace.encode())
        + _string(b"")
        + _string(hash_alg.encode())
        + _string(digest)
    )


def sshsig_sign(private_key: Any, message: bytes, namespace: str = NAMESPACE) -> str:
    """An armored SSHSIG signature, byte for byte what `ssh-keygen -Y sign` makes."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ed25519, padding, rsa

    blob = public_key_blob(private_key)
    data = _signed_data(message, namespace, "sha512")
    if isinstance(private_key, ed25519.Ed25519PrivateKey):
        sig_type, raw = b"ssh-ed25519", private_key.sign(data)
    elif isinstance(private_key, rsa.RSAPrivateKey):
        sig_type, raw = b"rsa-sha2-512", private_key.sign(data, padding.PKCS1v15(), hashes.SHA512())
    else:
        raise SigningError(
            f"unsupported key type {type(private_key).__name__}: use an Ed25519 or RSA "
            "key, or sign with ssh-keygen (--payload-out, then --attach)"
        )
    sshsig = (
        MAGIC
        + struct.pack(">I", 1)
        + _string(blob)
        + _string(namespace.encode())
        + _string(b"")
        + _string(b"sha512")
        + _string(_string(sig_type) + _string(raw))
    )
    return armor(sshsig)


def sshsig_verify(sig: SshSig, message: bytes, namespace: str = NAMESPACE) -> str | None:
    """None when `sig` is a valid signature of `message`, else why not."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ed25519, padding, rsa

    if sig.namespace != namespace:
        return f"made for namespace {sig.namespace!r}, not {namespace!r}"
    if sig.hash_alg not in ("sha512", "sha256"):
        return f"unsupported hash {sig.hash_alg!r}"
    try:
        key = _public_key(sig.key_blob)
    except (ValueError, TypeError) as exc:
        return f"unreadable public key: {exc}"
    data = _signed_data(message, namespace, sig.hash_alg)
    try:
        if isinstance(key, ed25519.Ed25519PublicKey) and sig.sig_type == "ssh-ed25519":
            key.verify(sig.sig, data)
        elif isinstance(key, rsa.RSAPublicKey) and sig.sig_type in ("rsa-sha2-512", "rsa-sha2-256"):
            alg = hashes.SHA512() if sig.sig_type == "rsa-sha2-512" else hashes.SHA256()
            key.verify(sig.sig, data, padding.PKCS1v15(), alg)
        else:
            return f"unsupported signature type {sig.sig_type} for key {sig.key_type}"
    except InvalidSignature:
        return "the signature does not match the signed content"
    return None


# -- keys ---------------------------------------------------------------------------------


def public_key_blob(key: Any) -> bytes:
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    public = key.public_key() if hasattr(key, "public_key") else key
    line = public.public_bytes(Encoding.OpenSSH, PublicFormat.OpenSSH).decode()
    return key_blob_from_openssh(line)


def load_private_key(path: Path, passphrase_env: str | None) -> Any:
    """An OpenSSH (or PEM) private key; never echoes any of its material."""
    from cryptography.hazmat.primitives.serialization import (
        load_pem_private_key,
        load_ssh_private_key,
    )

    data = bounded_bytes(path, "key ")
    password: bytes | None = None
    if passphrase_env:
        value = os.environ.get(passphrase_env)
        if value is None:
            raise UsageError(f"--passphrase-env {passphrase_env}: that variable is not set")
        password = value.encode()
    from cryptography.exceptions import UnsupportedAlgorithm

    loader = load_ssh_private_key if b"OPENSSH PRIVATE KEY" in data else load_pem_private_key
    try:
        return loader(data, password)
    except UnsupportedAlgorithm as exc:
        raise SigningError(f"cannot load key {path}: unsupported ({exc})") from None
    except TypeError:
        if password is None:
            raise SigningError(
                f"key {path} is protected by a passphrase: give --passphrase-env VAR "
                "(the name of a variable holding it), or sign with ssh-keygen / ssh-agent "
                "(--payload-out, then --attach)"
            ) from None
        raise SigningError(f"key {path} is not protected by a passphrase") from None
    except ValueError:
        # cryptography's message can quote the file; say only what is true for any key.
        why = "wrong passphrase, or not a private key" if password else "not a private key"
        raise SigningError(f"cannot load key {path}: {why} (Ed25519 or RSA)") from None


def public_blob_from_file(path: Path, passphrase_env: str | None) -> bytes:
    """The public key of KEY: from KEY.pub, an OpenSSH public key file, or the private key."""
    text = bounded_bytes(path, "key ").decode("utf-8", "replace")
    if "PRIVATE KEY" not in text:
        try:
            return key_blob_from_openssh(text.strip())
        except ValueError as exc:
            raise UsageError(f"{path}:1: not an OpenSSH public key: {exc}") from None
    pub = path.with_name(path.name + ".pub")
    if pub.is_file():
        try:
            return key_blob_from_openssh(pub.read_text(encoding="utf-8").strip())
        except ValueError:
            pass
    return public_key_blob(load_private_key(path, passphrase_env))
