"""HTTP: sign-in, users and personal access tokens."""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Request, Response, status
from fastapi.responses import JSONResponse

from app.auth import service
from app.auth.dependencies import AdminUser, CurrentUser
from app.auth.exceptions import InvalidCredentials, RoleRequired, WrongPassword
from app.auth.models import Role, TokenKind
from app.auth.schemas import (
    LoginRequest, OwnPasswordChange, PasswordReset, PersonalTokenCreate, TokenIssued, TokenRead, UserCreate,
    UserRead, UserUpdate,
)
from app.db import SessionDep
from app.errors import problem_response, problem_responses
from app.security import login_limit
from app.pagination import CursorQuery, LimitQuery, Page, decode_cursor, page_of, page_of_list

router = APIRouter(prefix="/api", tags=["accounts"])


def client_address(request: Request) -> str:
    """The caller's address: the connecting one, or the client a trusted proxy names (MATURE_TRUSTED_PROXIES)."""
    return request.client.host if request.client else "unknown"


@router.post("/auth/token", response_model=TokenIssued, responses=problem_responses(401, 422, 429))
def login(body: LoginRequest, request: Request, session: SessionDep) -> TokenIssued | JSONResponse:
    """Sign in with a username and password; returns a bearer token that expires. Failed tries slow down the
    address that makes them (429 with Retry-After, growing with each failure); they never lock the account."""
    settings, client = request.app.state.settings, client_address(request)
    login_limit.refuse_if_limited(session, settings, body.username, client)
    try:
        user = service.authenticate(session, body.username, body.password)
    except InvalidCredentials as exc:  # answered, not raised, so the failure is committed and counted
        login_limit.record_failure(session, settings, body.username, client)
        return problem_response(request, exc.status, exc.title, exc.detail, exc.headers)
    login_limit.forget_client(session, body.username, client)
    hours = request.app.state.settings.session_token_hours
    issued = service.issue_token(
        session, request.app.state.secret_key, user, TokenKind.session, "sign-in", timedelta(hours=hours)
    )
    return TokenIssued(id=issued.record.id, access_token=issued.token, expires_at=issued.record.expires_at)


@router.post("/auth/logout", status_code=status.HTTP_204_NO_CONTENT, responses=problem_responses(401))
def logout(request: Request, user: CurrentUser, session: SessionDep) -> Response:
    """Revoke the token this request was made with."""
    service.revoke_token(session, user, request.state.token_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/users/me", response_model=UserRead, responses=problem_responses(401))
def read_me(user: CurrentUser, session: SessionDep) -> UserRead:
    """The signed-in person, with the id of their personal space."""
    read = UserRead.model_validate(user)
    read.personal_space_id = service.personal_space_id(session, user)
    return read


@router.post("/users/me/password", status_code=status.HTTP_204_NO_CONTENT,
             responses=problem_responses(401, 403, 422, 429))
def change_own_password(body: OwnPasswordChange, request: Request, user: CurrentUser, session: SessionDep) -> Response:
    """Change your own password, giving the current one. Your other sign-in tokens are revoked; personal access
    tokens keep working. A wrong current password (403) counts as a failed sign-in, slowed down the same way."""
    settings, client = request.app.state.settings, client_address(request)
    login_limit.refuse_if_limited(session, settings, user.username, client)
    try:
        service.change_own_password(session, user, body.current_password, body.new_password, request.state.token_id)
    except WrongPassword as exc:  # answered, not raised, so the failure is committed and counted
        login_limit.record_failure(session, settings, user.username, client)
        return problem_response(request, exc.status, exc.title, exc.detail)
    login_limit.forget_client(session, user.username, client)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/users", response_model=Page[UserRead], responses=problem_responses(400, 401))
def list_users(request: Request, _user: CurrentUser, session: SessionDep,
               limit: LimitQuery = 50, cursor: CursorQuery = None) -> Page[UserRead]:
    """Colleagues, by username (to share spaces and find authors)."""
    after = decode_cursor(cursor, str)
    users = service.list_users(session, after=str(after[0]) if after else None, limit=limit + 1)
    return page_of(request, [UserRead.model_validate(u) for u in users], limit, lambda u: [u.username])


@router.post("/users", response_model=UserRead, status_code=status.HTTP_201_CREATED,
             responses=problem_responses(401, 403, 409, 422))
def create_user(body: UserCreate, _admin: AdminUser, session: SessionDep, response: Response) -> UserRead:
    """Create an account (admins only); it gets a private personal space."""
    user = service.create_user(session, body.username, body.display_name, body.role, body.password)
    response.headers["Location"] = f"/api/users/{user.id}"
    return UserRead.model_validate(user)


@router.get("/users/{user_id}", response_model=UserRead, responses=problem_responses(401, 404))
def read_user(user_id: int, _user: CurrentUser, session: SessionDep) -> UserRead:
    """One colleague."""
    return UserRead.model_validate(service.get_user(session, user_id))


@router.patch("/users/{user_id}", response_model=UserRead, responses=problem_responses(401, 403, 404, 409, 422))
def update_user(user_id: int, body: UserUpdate, user: CurrentUser, session: SessionDep) -> UserRead:
    """Change your name, or (admins) anyone's name, role or activity: `is_active: false` deactivates an account,
    refusing its sign-ins and every token at once; `true` reactivates it."""
    target = service.get_user(session, user_id)
    if target.id != user.id and user.role is not Role.admin:
        raise RoleRequired("Only admins may change other people's accounts.")
    return UserRead.model_validate(service.update_user(session, user, target, body))


@router.post("/users/{user_id}/password", status_code=status.HTTP_204_NO_CONTENT,
             responses=problem_responses(401, 403, 404, 409, 422))
def reset_password(user_id: int, body: PasswordReset, admin: AdminUser, session: SessionDep) -> Response:
    """Set a new password for someone who has forgotten theirs (admins only; your own goes through
    /api/users/me/password). Their sign-in tokens are revoked and any sign-in delays for their username end;
    personal access tokens keep working."""
    target = service.get_user(session, user_id)
    service.reset_password(session, admin, target, body.new_password)
    login_limit.forget_account(session, target.username)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/tokens", response_model=Page[TokenRead], responses=problem_responses(400, 401))
def list_tokens(request: Request, user: CurrentUser, session: SessionDep, limit: LimitQuery = 50,
                cursor: CursorQuery = None) -> Page[TokenRead]:
    """Your personal access tokens (never the secrets themselves)."""
    tokens = [TokenRead.model_validate(t) for t in service.list_personal_tokens(session, user)]
    return page_of_list(request, tokens, limit, cursor)


@router.post("/tokens", response_model=TokenIssued, status_code=status.HTTP_201_CREATED,
             responses=problem_responses(401, 422))
def create_token(body: PersonalTokenCreate, request: Request, user: CurrentUser, session: SessionDep) -> TokenIssued:
    """Create a personal access token for a widget or script; it is shown only in this answer."""
    lifetime = timedelta(days=body.expires_in_days) if body.expires_in_days else None
    issued = service.issue_token(session, request.app.state.secret_key, user, TokenKind.personal, body.name, lifetime)
    return TokenIssued(id=issued.record.id, access_token=issued.token, expires_at=issued.record.expires_at)


@router.delete("/tokens/{token_id}", status_code=status.HTTP_204_NO_CONTENT, responses=problem_responses(401, 404))
def revoke_token(token_id: int, user: CurrentUser, session: SessionDep) -> Response:
    """Revoke a token at once; requests with it get 401 from then on."""
    service.revoke_token(session, user, token_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
