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
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC

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


def is_secure(value: object) -> bool:
    """True for a ``{secure: "v1:..."}`` mapping, Pulumi's form of an encrypted value."""
    return (
        isinstance(value, Mapping) and set(value) == {"secure"} and isinstance(value["secure"], str)
    )


class Decrypter:
    """Decrypts a stack's values; raises :class:`PassphraseError` for a wrong passphrase."""

    def __init__(self, passphrase: str, encryption_salt: str) -> None:
        version, _, rest = encryption_salt.partition(":")
        salt_b64, _, check = rest.partition(":")
        if version != "v1" or not salt_b64 or not check:
            raise PassphraseError("malformed encryptionsalt in the stack file")
        kdf = PBKDF2HMAC(
            algorithm=hashes.SHA256(), length=KEY_BYTES, salt=_b64(salt_b64), iterations=ITERATIONS
        )
        self._aead = AESGCM(kdf.derive(passphrase.encode("utf-8")))
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
