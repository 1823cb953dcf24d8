"""Accounts and tokens: creating people, signing in, minting and revoking tokens."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth import security
from app.auth.exceptions import (
    InvalidCredentials, InvalidToken, RoleRequired, TokenNotFound, UserNotFound, UsernameTaken,
)
from app.auth.schemas import UserUpdate
from app.auth.models import AccessToken, MemberRole, Role, Space, SpaceKind, SpaceMembership, TokenKind, User
from app.db import utcnow


@dataclass(frozen=True)
class IssuedToken:
    record: AccessToken
    token: str


def create_user(session: Session, username: str, display_name: str, role: Role, password: str | None) -> User:
    """Create a person and their private personal space."""
    username = username.strip().lower()
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise UsernameTaken(f"The username '{username}' is already in use; choose another.")
    user = User(
        username=username,
        display_name=display_name.strip(),
        role=role,
        password_hash=security.hash_password(password) if password else None,
    )
    session.add(user)
    session.flush()
    space = Space(
        key=f"~{username}", name=f"{user.display_name} (personal)", description="Personal notes and drafts.",
        kind=SpaceKind.personal, owner_id=user.id,
    )
    session.add(space)
    session.flush()
    session.add(SpaceMembership(space_id=space.id, user_id=user.id, role=MemberRole.owner))
    session.flush()
    return user


def get_user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise UserNotFound(f"There is no user {user_id}.")
    return user


def get_user_by_username(session: Session, username: str) -> User:
    user = session.scalar(select(User).where(User.username == username.strip().lower()))
    if user is None:
        raise UserNotFound(f"There is no user '{username}'.")
    return user


def personal_space_id(session: Session, user: User) -> int | None:
    return session.scalar(select(Space.id).where(Space.owner_id == user.id))


def authenticate(session: Session, username: str, password: str) -> User:
    """Check a username and password; the same answer whatever was wrong."""
    user = session.scalar(select(User).where(User.username == username.strip().lower()))
    ok = security.verify_password(user.password_hash if user else None, password)
    if user is None or not ok or not user.is_active:
        raise InvalidCredentials("The username or password is wrong, or the account is disabled.")
    return user


def issue_token(
    session: Session, secret_key: str, user: User, kind: TokenKind, name: str, lifetime: timedelta | None
) -> IssuedToken:
    """Mint a token; only its keyed hash is stored."""
    token = security.new_token()
    record = AccessToken(
        user_id=user.id, kind=kind, name=name, token_hash=security.hash_token(secret_key, token),
        hint=token[-4:], expires_at=utcnow() + lifetime if lifetime else None,
    )
    session.add(record)
    session.flush()
    return IssuedToken(record, token)


def user_for_token(session: Session, secret_key: str, token: str) -> tuple[User, AccessToken]:
    """The active user behind a live token, or 401."""
    row = session.execute(
        select(User, AccessToken)
        .join(AccessToken, AccessToken.user_id == User.id)
        .where(AccessToken.token_hash == security.hash_token(secret_key, token))
    ).first()
    if row is None:
        raise InvalidToken("The bearer token is not recognised. Sign in again or create a new token.")
    user, record = row
    now = utcnow()
    if record.revoked_at is not None:
        raise InvalidToken("This token has been revoked. Sign in again or create a new token.")
    if record.expires_at is not None and record.expires_at <= now:
        raise InvalidToken("This token has expired. Sign in again or create a new token.")
    if not user.is_active:
        raise InvalidToken("This account is disabled; ask an administrator.")
    return user, record


def list_personal_tokens(session: Session, user: User) -> list[AccessToken]:
    return list(session.scalars(
        select(AccessToken)
        .where(AccessToken.user_id == user.id, AccessToken.kind == TokenKind.personal)
        .order_by(AccessToken.id.desc())
    ))


def revoke_token(session: Session, user: User, token_id: int) -> AccessToken:
    """Revoke one of the caller's tokens (admins may revoke anyone's)."""
    record = session.get(AccessToken, token_id)
    if record is None or (record.user_id != user.id and user.role is not Role.admin):
        raise TokenNotFound(f"You have no token {token_id}.")
    if record.revoked_at is None:
        record.revoked_at = utcnow()
    return record


def revoke_all_tokens(session: Session, user: User, at: datetime | None = None) -> None:
    """Revoke every live token of a person (on disabling the account or a password change)."""
    for record in session.scalars(
        select(AccessToken).where(AccessToken.user_id == user.id, AccessToken.revoked_at.is_(None))
    ):
        record.revoked_at = at or utcnow()


def list_users(session: Session, *, after: str | None, limit: int) -> list[User]:
    query = select(User).order_by(User.username).limit(limit)
    if after is not None:
        query = query.where(User.username > after)
    return list(session.scalars(query))


def update_user(session: Session, actor: User, target: User, data: UserUpdate) -> User:
    """Apply an account change; role and activity are for admins, a new password needs the old one."""
    if (data.role is not None or data.is_active is not None) and actor.role is not Role.admin:
        raise RoleRequired("Only admins may change roles or disable accounts.")
    if data.display_name is not None:
        target.display_name = data.display_name.strip()
    if data.role is not None:
        target.role = data.role
    if data.is_active is not None:
        target.is_active = data.is_active
        if not data.is_active:
            revoke_all_tokens(session, target)
    if data.password is not None:
        if actor.id == target.id and not security.verify_password(target.password_hash, data.current_password or ""):
            raise InvalidCredentials("To change your password, give your current password as current_password.")
        target.password_hash = security.hash_password(data.password)
    session.flush()
    return target
