"""Sealing: encryption for the few secrets that the database keeps only to show again,
such as a new API key's raw secret inside an idempotent replay (tenants.idempotency).
The key itself is stored as a hash, so a database dump must not reveal it this way.

A sealed value is a Fernet token (the `cryptography` library: AES-128-CBC with
HMAC-SHA256, encrypt-then-MAC, a random IV each time) behind PREFIX. The Fernet key is
derived from SECRET_KEY with HKDF-SHA256 and a context string of its own, so opening
needs the application's secret as well as the row, and no other use of SECRET_KEY
shares the key. Tokens sealed under a key of SECRET_KEY_FALLBACKS still open (Django's
key rotation); a token sealed under another key, or altered, opens to None.

>>> unseal(seal("bk_secret")) == "bk_secret"
True
"""

from __future__ import annotations

import base64
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

PREFIX = "sealed:v1:"
_CONTEXT = b"billing tenants.sealing v1"


@lru_cache(maxsize=8)
def _fernet(secret_key: str) -> Fernet:
    """The Fernet of `secret_key`: 32 bytes from HKDF-SHA256, urlsafe base64 as Fernet takes them."""
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_CONTEXT).derive(secret_key.encode())
    return Fernet(base64.urlsafe_b64encode(derived))


def _keys() -> MultiFernet:
    """Seals with SECRET_KEY; opens with it or any of SECRET_KEY_FALLBACKS."""
    secrets = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return MultiFernet([_fernet(secret) for secret in secrets])


def seal(plaintext: str) -> str:
    return PREFIX + _keys().encrypt(plaintext.encode()).decode()


def unseal(token: str) -> str | None:
    """The sealed text, or None when `token` is not one `seal` made under this SECRET_KEY
    (or one of its fallbacks), unaltered."""
    if not token.startswith(PREFIX):
        return None
    try:
        return _keys().decrypt(token[len(PREFIX) :].encode()).decode()
    except (InvalidToken, UnicodeError):
        return None
