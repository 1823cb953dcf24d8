"""Accounts and tokens: creating people, signing in, minting and revoking tokens."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from app.auth import security
from app.auth.exceptions import (
    InvalidCredentials, InvalidToken, OwnAccountChange, PasswordRuleBroken, RoleRequired, TokenNotFound,
    UserNotFound, UsernameTaken, WrongPassword,
)
from app.auth.schemas import UserUpdate
from app import changelog
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
        raise InvalidCredentials("The username or password is wrong, or the account is deactivated.")
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
        raise InvalidToken("This account has been deactivated; an admin can reactivate it.")
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


def revoke_all_tokens(session: Session, user: User, at: datetime | None = None) -> int:
    """Revoke every live token of a person (on deactivating the account); how many were live."""
    return _revoke(session, select(AccessToken).where(AccessToken.user_id == user.id), at)


def revoke_sign_in_tokens(session: Session, user: User, keep_token_id: int | None = None) -> int:
    """Sign a person out everywhere (but the token given) after a new password; personal access tokens stay."""
    query = select(AccessToken).where(AccessToken.user_id == user.id, AccessToken.kind == TokenKind.session)
    if keep_token_id is not None:
        query = query.where(AccessToken.id != keep_token_id)
    return _revoke(session, query)


def _revoke(session: Session, query: Select[tuple[AccessToken]], at: datetime | None = None) -> int:
    records = list(session.scalars(query.where(AccessToken.revoked_at.is_(None))))
    for record in records:
        record.revoked_at = at or utcnow()
    session.flush()
    return len(records)


def set_password(session: Session, target: User, password: str, keep_token_id: int | None = None) -> int:
    """Give an account a new password (the one rule of `security.password_problem`) and revoke its other
    sign-in tokens; returns how many were revoked."""
    if (problem := security.password_problem(password)) is not None:
        raise PasswordRuleBroken(problem)
    target.password_hash = security.hash_password(password)
    return revoke_sign_in_tokens(session, target, keep_token_id)


def change_own_password(session: Session, user: User, current_password: str, new_password: str,
                        token_id: int | None) -> int:
    """A person's own change: the current password proves it is them, not someone holding their token."""
    if not security.verify_password(user.password_hash, current_password):
        raise WrongPassword("The current password is wrong; nothing was changed. Give the password you sign in "
                            "with as current_password.")
    return set_password(session, user, new_password, keep_token_id=token_id)


def reset_password(session: Session, admin: User, target: User, new_password: str) -> int:
    """An admin sets a new password for someone who has forgotten theirs."""
    if admin.id == target.id:
        raise OwnAccountChange("Change your own password with POST /api/users/me/password, which asks for your "
                               "current one.")
    return set_password(session, target, new_password)


def set_active(session: Session, actor: User | None, target: User, active: bool) -> int:
    """Deactivate an account (sign-in refused, every token revoked at once) or reactivate it; returns how many
    tokens were revoked. Revoked tokens stay revoked after reactivation. `actor` is None for the command line."""
    if not active and actor is not None and actor.id == target.id:
        raise OwnAccountChange("You cannot deactivate your own account; another admin can.")
    target.is_active = active
    session.flush()
    return 0 if active else revoke_all_tokens(session, target)


def list_users(session: Session, *, after: str | None, limit: int) -> list[User]:
    query = select(User).order_by(User.username).limit(limit)
    if after is not None:
        query = query.where(User.username > after)
    return list(session.scalars(query))


def update_user(session: Session, actor: User, target: User, data: UserUpdate) -> User:
    """Apply an account change; role and activity are for admins (passwords have their own endpoints)."""
    if (data.role is not None or data.is_active is not None) and actor.role is not Role.admin:
        raise RoleRequired("Only admins may change roles or deactivate accounts.")
    if data.display_name is not None and data.display_name.strip() != target.display_name:
        changelog.record(session, "user.renamed", actor_id=actor.id, summary=f"{target.username} renamed",
                         user_id=target.id, **{"from": target.display_name, "to": data.display_name.strip()})
        target.display_name = data.display_name.strip()
    if data.role is not None:
        target.role = data.role
    if data.is_active is not None:
        set_active(session, actor, target, data.is_active)
    session.flush()
    return target
