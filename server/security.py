"""Passwords (argon2id) and bearer tokens (random, stored as sha256)."""

from __future__ import annotations

import hashlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from huiyin.core import schemas

_hasher = PasswordHasher()


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
