"""HTTP: spaces and their members."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response, status

from app.auth import service as account_service
from app.auth import space_service
from app.auth.dependencies import CurrentUser, ManagerUser
from app.auth.models import Space, SpaceMembership
from app.auth.rights import Right
from app.auth.schemas import MemberPut, MemberRead, SpaceCreate, SpaceRead, SpaceUpdate
from app.db import SessionDep
from app.errors import problem_responses
from app.pagination import CursorQuery, LimitQuery, Page, page_at, page_of_list, position

router = APIRouter(prefix="/api/spaces", tags=["spaces"])


def _space_read(space: Space, right: Right) -> SpaceRead:
    return SpaceRead(
        id=space.id, key=space.key, name=space.name, description=space.description, kind=space.kind,
        visibility=space.visibility, owner_id=space.owner_id, my_right=right.name,
    )


def _member_read(membership: SpaceMembership) -> MemberRead:
    return MemberRead(user_id=membership.user_id, username=membership.user.username,
                      display_name=membership.user.display_name, role=membership.role)


@router.get("", response_model=Page[SpaceRead], responses=problem_responses(400, 401))
def list_spaces(request: Request, user: CurrentUser, session: SessionDep, limit: LimitQuery = 50,
                cursor: CursorQuery = None) -> Page[SpaceRead]:
    """The spaces you may read, with your right in each (organisational ones first, then by name)."""
    start = position(cursor)
    rows = space_service.list_readable(session, user, offset=start, limit=limit + 1)
    return page_at(request, [_space_read(space, right) for space, right in rows], limit, start)


# OpenAPI links: what a client (or Schemathesis's state machine) can do next with the space it created.
_CREATED_SPACE_LINKS = {201: {"description": "Created", "links": {
    "CreatePage": {"operationRef": "#/paths/~1api~1pages/post",
                   "description": "Write the first page of the new space.",
                   "requestBody": {"space_id": "$response.body#/id", "title": "Welcome",
                                   "content": "[[Sector::Retail]] notes; see [[Routes in]].\n"}},
    "ReadSpace": {"operationRef": "#/paths/~1api~1spaces~1{space_id}/get",
                  "parameters": {"space_id": "$response.body#/id"}},
}}}


@router.post("", response_model=SpaceRead, status_code=status.HTTP_201_CREATED,
             responses={**problem_responses(401, 403, 409, 422), **_CREATED_SPACE_LINKS})
def create_space(body: SpaceCreate, user: ManagerUser, session: SessionDep, response: Response) -> SpaceRead:
    """Create an organisational space (managers and admins); you become its owner."""
    space = space_service.create_space(session, user, body)
    response.headers["Location"] = f"/api/spaces/{space.id}"
    return _space_read(space, Right.own)


@router.get("/{space_id}", response_model=SpaceRead, responses=problem_responses(401, 404))
def read_space(space_id: int, user: CurrentUser, session: SessionDep) -> SpaceRead:
    """One space you may read."""
    return _space_read(*space_service.get_space(session, user, space_id))


@router.patch("/{space_id}", response_model=SpaceRead, responses=problem_responses(401, 403, 404, 422))
def update_space(space_id: int, body: SpaceUpdate, user: CurrentUser, session: SessionDep) -> SpaceRead:
    """Rename a space, or change who may read it (owners)."""
    space, right = space_service.get_space(session, user, space_id, need=Right.own)
    return _space_read(space_service.update_space(session, user, space, body), right)


@router.get("/{space_id}/members", response_model=Page[MemberRead], responses=problem_responses(400, 401, 404))
def list_members(request: Request, space_id: int, user: CurrentUser, session: SessionDep, limit: LimitQuery = 50,
                 cursor: CursorQuery = None) -> Page[MemberRead]:
    """Who belongs to a space and with what right, by username."""
    space, _ = space_service.get_space(session, user, space_id)
    return page_of_list(request, [_member_read(m) for m in space_service.list_members(session, space)], limit, cursor)


@router.put("/{space_id}/members/{user_id}", response_model=MemberRead,
            responses=problem_responses(401, 403, 404, 422))
def put_member(space_id: int, user_id: int, body: MemberPut, user: CurrentUser, session: SessionDep) -> MemberRead:
    """Add a member or change their role (owners); this is also how a personal space is shared."""
    space, _ = space_service.get_space(session, user, space_id, need=Right.own)
    member = account_service.get_user(session, user_id)
    membership = space_service.put_member(session, space, member, body.role, actor=user)
    return MemberRead(user_id=member.id, username=member.username, display_name=member.display_name,
                      role=membership.role)


@router.delete("/{space_id}/members/{user_id}", status_code=status.HTTP_204_NO_CONTENT,
               responses=problem_responses(401, 403, 404, 422))
def remove_member(space_id: int, user_id: int, user: CurrentUser, session: SessionDep) -> Response:
    """Remove a member (owners); a space always keeps an owner."""
    space, _ = space_service.get_space(session, user, space_id, need=Right.own)
    space_service.remove_member(session, space, account_service.get_user(session, user_id), actor=user)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
