"""Passwords (argon2id) and bearer tokens (random, stored as sha256)."""

from __future__ import annotations

import hashlib
import os
import secrets

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError

from huiyin.core import schemas

#: ``HUIYIN_PASSWORD_HASHING``: the argon2id parameters new hashes take, by the name of one of argon2-cffi's
#: profiles; unset, its default (RFC 9106's low-memory profile: 64 MiB, 3 passes). A stored hash names its own
#: parameters, so every hash verifies whatever this says. The test suite sets ``CHEAPEST`` for its servers (a
#: sign-in costs ~0.1 ms instead of ~130 ms); the tests of the password checks' limits run at the default.
PROFILES = ("RFC_9106_LOW_MEMORY", "RFC_9106_HIGH_MEMORY", "CHEAPEST")


def _hasher_from_env() -> PasswordHasher:
    name = os.environ.get("HUIYIN_PASSWORD_HASHING", "").strip()
    if not name:
        return PasswordHasher()
    if name not in PROFILES:
        raise SystemExit(f"huiyin: HUIYIN_PASSWORD_HASHING={name!r}: must be one of {', '.join(PROFILES)} (or unset)")
    return PasswordHasher.from_parameters(getattr(profiles, name))


_hasher = _hasher_from_env()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


#: a hash to verify against when the username is unknown, so both cases take the same time
DUMMY_HASH = hash_password("huiyin-no-such-operator")


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def password_problem(password: str) -> str | None:
    """Why a new password is unacceptable (English), or ``None``; the rule is core's
    (:func:`huiyin.core.schemas.password_problem`)."""
    problem = schemas.password_problem(password)
    return None if problem is None else schemas.PASSWORD_PROBLEMS[problem]
