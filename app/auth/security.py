"""Password hashing (Argon2id) and bearer-token minting and hashing."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

TOKEN_PREFIX = "mat_"
PASSWORD_MIN_LENGTH = 10
PASSWORD_MAX_LENGTH = 256  # Argon2 hashes any length; this only bounds the work a request can ask for

_hasher = PasswordHasher()
# Verified when the username is unknown, so a login takes as long either way.
_DUMMY_HASH = _hasher.hash("not-a-real-password")


def set_hasher(hasher: PasswordHasher) -> None:
    """Swap the hasher (tests use cheap parameters)."""
    global _hasher, _DUMMY_HASH
    _hasher = hasher
    _DUMMY_HASH = hasher.hash("not-a-real-password")


def password_problem(password: str) -> str | None:
    """What is wrong with a new password, in words, or None: the one rule for the API and `mature user`."""
    if len(password) < PASSWORD_MIN_LENGTH:
        return f"The password needs at least {PASSWORD_MIN_LENGTH} characters."
    if len(password) > PASSWORD_MAX_LENGTH:
        return f"The password may have at most {PASSWORD_MAX_LENGTH} characters."
    return None


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Constant-work check; a missing hash still costs one verification."""
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def new_token() -> str:
    """A fresh bearer token: 256 random bits behind a recognisable prefix (for secret scanners)."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def hash_token(secret_key: str, token: str) -> str:
    """Keyed hash of a token: tokens have full entropy, so HMAC-SHA256 is enough and fast."""
    return hmac.new(secret_key.encode(), token.encode(), hashlib.sha256).hexdigest()
