"""Sealing: encryption for the few secrets that the database keeps only to show again,
such as a new API key's raw secret inside an idempotent replay (tenants.idempotency).
The key itself is stored as a hash, so a database dump must not reveal it this way.

Encrypt-then-MAC from HMAC-SHA256 alone (the standard library has no block cipher, and
a dependency for one field is not worth it): the keystream is HMAC(k_enc, nonce ‖ block
number), HMAC being the PRF of counter mode, and the tag is HMAC(k_mac, nonce ‖
ciphertext). Both keys come from SECRET_KEY (`salted_hmac`), so opening needs the
application's secret as well as the row; a token sealed under another SECRET_KEY, or
altered, opens to None.

>>> unseal(seal("bk_secret")) == "bk_secret"
True
"""

from __future__ import annotations

import base64
import binascii
import hmac
import secrets

from django.utils.crypto import salted_hmac

PREFIX = "sealed:v1:"
_NONCE_BYTES = 16
_TAG_BYTES = 32
_STREAM_SALT = "tenants.sealing.stream"
_TAG_SALT = "tenants.sealing.tag"


def _keystream(nonce: bytes, length: int) -> bytes:
    blocks = (length + 31) // 32
    stream = b"".join(
        salted_hmac(_STREAM_SALT, nonce + n.to_bytes(8, "big"), algorithm="sha256").digest() for n in range(blocks)
    )
    return stream[:length]


def _tag(nonce: bytes, ciphertext: bytes) -> bytes:
    return salted_hmac(_TAG_SALT, nonce + ciphertext, algorithm="sha256").digest()


def seal(plaintext: str) -> str:
    nonce = secrets.token_bytes(_NONCE_BYTES)
    data = plaintext.encode()
    ciphertext = bytes(a ^ b for a, b in zip(data, _keystream(nonce, len(data)), strict=True))
    return PREFIX + base64.urlsafe_b64encode(nonce + ciphertext + _tag(nonce, ciphertext)).decode()


def unseal(token: str) -> str | None:
    """The sealed text, or None when `token` is not one `seal` made under this SECRET_KEY."""
    if not token.startswith(PREFIX):
        return None
    try:
        raw = base64.urlsafe_b64decode(token[len(PREFIX) :])
    except (binascii.Error, ValueError):
        return None
    nonce, ciphertext, tag = raw[:_NONCE_BYTES], raw[_NONCE_BYTES:-_TAG_BYTES], raw[-_TAG_BYTES:]
    if len(raw) < _NONCE_BYTES + _TAG_BYTES or not hmac.compare_digest(tag, _tag(nonce, ciphertext)):
        return None
    data = bytes(a ^ b for a, b in zip(ciphertext, _keystream(nonce, len(ciphertext)), strict=True))
    return data.decode()
