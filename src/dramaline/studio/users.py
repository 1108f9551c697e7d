"""Studio accounts: users with roles and argon2-hashed passwords, sign-in sessions and API tokens.

Session and API tokens are random and shown once; only their SHA-256 is stored, so a copy of the
database signs nobody in. Passwords are hashed with argon2id (argon2-cffi's defaults).
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from dramaline.errors import InvalidInputError
from dramaline.studio.db import Database, transaction

__all__ = [
    "SESSION_LIFETIME",
    "ApiToken",
    "Role",
    "User",
    "Users",
]

SESSION_LIFETIME = timedelta(days=7)
MIN_PASSWORD_CHARS = 10
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")


class Role(StrEnum):
    """What a person or a token may do; each role includes the ones before it (ingest stands apart)."""

    VIEWER = "viewer"
    WRITER = "writer"
    PRODUCER = "producer"
    ADMIN = "admin"
    INGEST = "ingest"  # API tokens only: may post audience events and nothing else

    @property
    def rank(self) -> int:
        return -1 if self is Role.INGEST else _RANKS.index(self)

    def allows(self, needed: Role) -> bool:
        """True when this role may do what `needed` may."""
        if needed is Role.INGEST:
            return self in (Role.INGEST, Role.ADMIN)
        return self.rank >= needed.rank


_RANKS = (Role.VIEWER, Role.WRITER, Role.PRODUCER, Role.ADMIN)
PERSON_ROLES = _RANKS


@dataclass(frozen=True)
class User:
    id: int
    name: str
    role: Role
    created_at: str
    disabled: bool


@dataclass(frozen=True)
class ApiToken:
    id: int
    name: str
    role: Role
    created_by: str
    created_at: str
    last_used_at: str | None
    revoked: bool


def _now() -> datetime:
    return datetime.now(UTC)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _user(row: object) -> User:
    r = dict(row)  # type: ignore[call-overload]
    return User(r["id"], r["name"], Role(r["role"]), r["created_at"], bool(r["disabled"]))


def _token(row: object) -> ApiToken:
    r = dict(row)  # type: ignore[call-overload]
    return ApiToken(
        r["id"], r["name"], Role(r["role"]), r["created_by"], r["created_at"], r["last_used_at"], bool(r["revoked"])
    )


def check_name(name: str) -> str:
    """The user name, or an error saying which names are allowed."""
    if not _NAME.match(name):
        raise InvalidInputError(
            f"user name {name!r}: use 1-64 letters, digits, '.', '_', '@' or '-', starting with a letter or digit"
        )
    return name


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_CHARS:
        raise InvalidInputError(f"the password needs at least {MIN_PASSWORD_CHARS} characters")
    return password


def person_role(text: str) -> Role:
    """A role a person can hold, from its name (the ingest role is for API tokens only)."""
    names = [r.value for r in PERSON_ROLES]
    if text not in names:
        raise InvalidInputError(f"role {text!r}: a person is one of {', '.join(names)}")
    return Role(text)


def token_role(text: str) -> Role:
    """A role an API token can hold, from its name."""
    names = [r.value for r in Role]
    if text not in names:
        raise InvalidInputError(f"role {text!r}: a token is one of {', '.join(names)}")
    return Role(text)


class Users:
    """The accounts in a studio database; `hasher` sets argon2's cost (the defaults suit a server)."""

    def __init__(self, db: Database, hasher: PasswordHasher | None = None) -> None:
        self.db = db
        self.hasher = hasher or PasswordHasher()
        self._dummy: str | None = None

    def _dummy_hash(self) -> str:
        # Verifying against this keeps a sign-in for an unknown name as slow as one with a wrong
        # password, so response times do not tell which names exist. Made on first use, not at import.
        if self._dummy is None:
            self._dummy = self.hasher.hash("not a password of anyone")
        return self._dummy

    # -- users -------------------------------------------------------------------------------------

    def count(self) -> int:
        return int(self.db.connect().execute("SELECT count(*) FROM users WHERE NOT disabled").fetchone()[0])

    def all(self) -> list[User]:
        return [_user(r) for r in self.db.connect().execute("SELECT * FROM users ORDER BY name")]

    def get(self, name: str) -> User | None:
        row = self.db.connect().execute("SELECT * FROM users WHERE name = ?", [name]).fetchone()
        return _user(row) if row else None

    def add(self, name: str, role: Role, password: str) -> User:
        """Create a user; an error if the name is taken or the password too short."""
        check_name(name)
        check_password(password)
        conn = self.db.connect()
        with transaction(conn):
            if conn.execute("SELECT 1 FROM users WHERE name = ?", [name]).fetchone():
                raise InvalidInputError(f"user {name!r} exists already; pick another name or change their role")
            conn.execute(
                "INSERT INTO users (name, role, password_hash, created_at) VALUES (?, ?, ?, ?)",
                [name, role.value, self.hasher.hash(password), _now().isoformat()],
            )
        found = self.get(name)
        assert found is not None
        return found

    def update(
        self, name: str, *, role: Role | None = None, password: str | None = None, disabled: bool | None = None
    ) -> User:
        """Change a user's role, password or access; sessions end when the password changes or access stops."""
        conn = self.db.connect()
        with transaction(conn):
            row = conn.execute("SELECT id FROM users WHERE name = ?", [name]).fetchone()
            if row is None:
                raise InvalidInputError(f"no user {name!r}; `dramaline studio users list` shows who exists")
            if role is not None:
                conn.execute("UPDATE users SET role = ? WHERE id = ?", [role.value, row["id"]])
            if password is not None:
                conn.execute(
                    "UPDATE users SET password_hash = ? WHERE id = ?",
                    [self.hasher.hash(check_password(password)), row["id"]],
                )
            if disabled is not None:
                conn.execute("UPDATE users SET disabled = ? WHERE id = ?", [int(disabled), row["id"]])
            if password is not None or disabled:
                conn.execute("DELETE FROM sessions WHERE user_id = ?", [row["id"]])
        found = self.get(name)
        assert found is not None
        return found

    def verify(self, name: str, password: str) -> User | None:
        """The user if `password` is theirs and they may sign in, else None (in the same time either way)."""
        row = self.db.connect().execute("SELECT * FROM users WHERE name = ?", [name]).fetchone()
        stored = row["password_hash"] if row else self._dummy_hash()
        try:
            self.hasher.verify(stored, password)
        except (VerificationError, InvalidHashError):
            return None
        if row is None or row["disabled"]:
            return None
        return _user(row)

    # -- sessions ----------------------------------------------------------------------------------

    def start_session(self, user: User) -> str:
        """A new session token for `user` (for the cookie); only its hash is stored."""
        token = secrets.token_urlsafe(32)
        now = _now()
        conn = self.db.connect()
        with transaction(conn):
            conn.execute("DELETE FROM sessions WHERE expires_at < ?", [now.isoformat()])
            conn.execute(
                "INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)",
                [_digest(token), user.id, now.isoformat(), (now + SESSION_LIFETIME).isoformat()],
            )
        return token

    def session_user(self, token: str) -> User | None:
        row = (
            self.db.connect()
            .execute(
                "SELECT u.* FROM sessions s JOIN users u ON u.id = s.user_id "
                "WHERE s.token_hash = ? AND s.expires_at > ? AND NOT u.disabled",
                [_digest(token), _now().isoformat()],
            )
            .fetchone()
        )
        return _user(row) if row else None

    def end_session(self, token: str) -> None:
        conn = self.db.connect()
        with transaction(conn):
            conn.execute("DELETE FROM sessions WHERE token_hash = ?", [_digest(token)])

    # -- API tokens --------------------------------------------------------------------------------

    def add_token(self, name: str, role: Role, created_by: str) -> tuple[ApiToken, str]:
        """A new API token with `role`: its record and the secret, which is shown this once."""
        if not name.strip() or len(name) > 100:
            raise InvalidInputError("give the token a name of 1-100 characters (what script or client uses it)")
        secret = "dl_" + secrets.token_urlsafe(32)
        conn = self.db.connect()
        with transaction(conn):
            cur = conn.execute(
                "INSERT INTO api_tokens (name, token_hash, role, created_by, created_at) VALUES (?, ?, ?, ?, ?)",
                [name.strip(), _digest(secret), role.value, created_by, _now().isoformat()],
            )
            row = conn.execute("SELECT * FROM api_tokens WHERE id = ?", [cur.lastrowid]).fetchone()
        return _token(row), secret

    def tokens(self) -> list[ApiToken]:
        return [_token(r) for r in self.db.connect().execute("SELECT * FROM api_tokens ORDER BY id")]

    def revoke_token(self, token_id: int) -> ApiToken:
        conn = self.db.connect()
        with transaction(conn):
            row = conn.execute("SELECT * FROM api_tokens WHERE id = ?", [token_id]).fetchone()
            if row is None:
                raise InvalidInputError(f"no API token {token_id}")
            conn.execute("UPDATE api_tokens SET revoked = 1 WHERE id = ?", [token_id])
        return _token({**dict(row), "revoked": 1})

    def token_role(self, secret: str) -> tuple[ApiToken, Role] | None:
        """The token and its role for a bearer secret, or None when unknown or revoked."""
        conn = self.db.connect()
        row = conn.execute(
            "SELECT * FROM api_tokens WHERE token_hash = ? AND NOT revoked", [_digest(secret)]
        ).fetchone()
        if row is None:
            return None
        token = _token(row)
        # Only noted once a minute: a busy ingestion client must not turn every request into a write.
        if token.last_used_at is None or token.last_used_at < (_now() - timedelta(minutes=1)).isoformat():
            with transaction(conn):
                conn.execute("UPDATE api_tokens SET last_used_at = ? WHERE id = ?", [_now().isoformat(), token.id])
        return token, token.role
