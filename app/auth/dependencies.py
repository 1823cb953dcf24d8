"""Who is calling: bearer-token authentication and role checks, as FastAPI dependencies."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from app.auth import service
from app.auth.exceptions import InvalidToken, RoleRequired
from app.auth.models import Role, User
from app.db import SessionDep

bearer = HTTPBearer(auto_error=False, description="A token from POST /api/auth/token or a personal access token.")


def current_user(
    request: Request,
    session: SessionDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> User:
    """The signed-in caller; 401 with a reason when the token is missing or dead."""
    if credentials is None or credentials.scheme.lower() != "bearer" or not credentials.credentials:
        raise InvalidToken("Send 'Authorization: Bearer <token>'; get a token from POST /api/auth/token.")
    user, record = service.user_for_token(session, request.app.state.secret_key, credentials.credentials)
    request.state.token_id = record.id
    return user


CurrentUser = Annotated[User, Depends(current_user)]


def require_role(*roles: Role):
    """A dependency that lets only the given roles through."""
    allowed = ", ".join(role.value for role in roles)

    def check(user: CurrentUser) -> User:
        if user.role not in roles:
            raise RoleRequired(f"This needs one of these roles: {allowed}. You are '{user.role.value}'.")
        return user

    return check


AdminUser = Annotated[User, Depends(require_role(Role.admin))]
ManagerUser = Annotated[User, Depends(require_role(Role.manager, Role.admin))]
