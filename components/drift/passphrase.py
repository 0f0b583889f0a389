"""Decrypting ``{secure: ...}`` stack-file values with Pulumi's passphrase secrets provider.

The scheme, as implemented by Pulumi v3.274.1 (``pkg/secrets/passphrase/manager.go``,
``sdk/go/common/resource/config/crypt.go``):

* the stack file's ``encryptionsalt`` is ``v1:<b64 salt>:v1:<b64 nonce>:<b64 ciphertext>``;
* the key is PBKDF2-HMAC-SHA256(passphrase, salt, 1,000,000 iterations, 32 bytes);
* every value, and the check value after the salt, is ``v1:<b64 nonce>:<b64 ciphertext>``:
  AES-256-GCM with a 12-byte nonce, the tag appended to the ciphertext, no associated data;
* the passphrase is right when the check value decrypts to ``pulumi``.

The passphrase comes from ``PULUMI_CONFIG_PASSPHRASE`` (used whenever set, even empty) or
the file named by ``PULUMI_CONFIG_PASSPHRASE_FILE`` (surrounding whitespace stripped), in
that order, as the CLI reads them. Nothing here prints a passphrase or a plaintext.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import threading
from collections.abc import Mapping
from concurrent.futures import Future
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

PASSPHRASE_ENV = "PULUMI_CONFIG_PASSPHRASE"  # noqa: S105 - a variable name
PASSPHRASE_FILE_ENV = "PULUMI_CONFIG_PASSPHRASE_FILE"  # noqa: S105 - a variable name
ITERATIONS = 1_000_000
KEY_BYTES = 32
NONCE_BYTES = 12
CHECK_PLAINTEXT = "pulumi"


class PassphraseError(Exception):
    """The passphrase is missing, unreadable or wrong, or a value cannot be decrypted."""


def passphrase_from_env(environ: Mapping[str, str]) -> str | None:
    """The passphrase the Pulumi CLI would use without prompting, or None."""
    if PASSPHRASE_ENV in environ:
        return environ[PASSPHRASE_ENV]
    path = environ.get(PASSPHRASE_FILE_ENV)
    if not path:
        return None
    try:
        return Path(path).read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise PassphraseError(
            f"cannot read {PASSPHRASE_FILE_ENV} ({path}): {exc.__class__.__name__}"
        ) from None


def _b64(text: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise PassphraseError("malformed value: not base64") from None


_KEYS: dict[tuple[str, str], Future[bytes]] = {}
_KEYS_LOCK = threading.Lock()


def derive_key(passphrase: str, salt_b64: str) -> Future[bytes]:
    """The stack key, derived once per process in a background thread.

    hashlib releases the GIL while it hashes (about 0.2 s for a million iterations), so a
    derivation started before the SDK is imported runs during that import.
    """
    with _KEYS_LOCK:
        future = _KEYS.get((passphrase, salt_b64))
        if future is None:
            future = _KEYS[(passphrase, salt_b64)] = Future()
            threading.Thread(target=_derive, args=(future, passphrase, salt_b64)).start()
    return future


def _derive(future: Future[bytes], passphrase: str, salt_b64: str) -> None:
    try:
        salt = _b64(salt_b64)
        key = hashlib.pbkdf2_hmac(
            "sha256", passphrase.encode("utf-8"), salt, ITERATIONS, dklen=KEY_BYTES
        )
    except PassphraseError as exc:
        future.set_exception(exc)
    else:
        future.set_result(key)


def salt_of(encryption_salt: str) -> tuple[str, str]:
    """``(b64 salt, check value)`` of a stack file's ``encryptionsalt``."""
    version, _, rest = encryption_salt.partition(":")
    salt_b64, _, check = rest.partition(":")
    if version != "v1" or not salt_b64 or not check:
        raise PassphraseError("malformed encryptionsalt in the stack file")
    return salt_b64, check


def is_secure(value: object) -> bool:
    """True for a ``{secure: "v1:..."}`` mapping, Pulumi's form of an encrypted value."""
    return (
        isinstance(value, Mapping) and set(value) == {"secure"} and isinstance(value["secure"], str)
    )


class Decrypter:
    """Decrypts a stack's values; raises :class:`PassphraseError` for a wrong passphrase."""

    def __init__(self, passphrase: str, encryption_salt: str) -> None:
        salt_b64, check = salt_of(encryption_salt)
        self._aead = AESGCM(derive_key(passphrase, salt_b64).result())
        try:
            ok = self.decrypt(check) == CHECK_PLAINTEXT
        except PassphraseError:
            ok = False
        if not ok:
            raise PassphraseError(
                f"incorrect passphrase ({PASSPHRASE_ENV} / {PASSPHRASE_FILE_ENV}) for this stack"
            )

    def decrypt(self, ciphertext: str) -> str:
        """Plaintext of one ``v1:<nonce>:<ciphertext>`` value."""
        parts = ciphertext.split(":")
        if len(parts) != 3 or parts[0] != "v1":
            raise PassphraseError("malformed value: expected v1:<nonce>:<ciphertext>")
        nonce = _b64(parts[1])
        if len(nonce) != NONCE_BYTES:
            raise PassphraseError("malformed value: the nonce size is incorrect")
        try:
            plain = self._aead.decrypt(nonce, _b64(parts[2]), None)
        except InvalidTag:
            raise PassphraseError("the value does not decrypt with this passphrase") from None
        try:
            return plain.decode("utf-8")
        except UnicodeDecodeError:
            raise PassphraseError("the value is not UTF-8 text") from None

    def decrypt_tree(self, tree: Any, plaintexts: list[str]) -> Any:
        """``tree`` with every ``{secure: ...}`` replaced by its plaintext (appended to
        ``plaintexts``, so callers can redact them)."""
        if is_secure(tree):
            plain = self.decrypt(tree["secure"])
            plaintexts.append(plain)
            return plain
        if isinstance(tree, Mapping):
            return {key: self.decrypt_tree(value, plaintexts) for key, value in tree.items()}
        if isinstance(tree, list):
            return [self.decrypt_tree(value, plaintexts) for value in tree]
        return tree


def has_secure(tree: Any) -> bool:
    """True if ``tree`` contains any ``{secure: ...}`` value."""
    if is_secure(tree):
        return True
    if isinstance(tree, Mapping):
        return any(has_secure(value) for value in tree.values())
    if isinstance(tree, list):
        return any(has_secure(value) for value in tree)
    return False
