"""Request and response bodies for accounts, tokens and spaces."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import Field, model_validator

from app.auth.models import MemberRole, Role, SpaceKind, TokenKind, Visibility
from app.auth.security import PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH
from app.schema import RequestSchema, Schema, with_examples

# One small, consistent world for the examples: the North East team of a careers service.
_ALICE = {"id": 3, "username": "alice", "display_name": "Alice Okafor"}
_BEN = {"id": 4, "username": "ben", "display_name": "Ben Hughes"}
_NORTH_EAST = {
    "key": "north-east",
    "name": "North East team",
    "description": "Local LMI gathered by the North East advisers for their clients.",
}


USERNAME = Field(min_length=2, max_length=64, pattern=r"^[a-z0-9][a-z0-9._-]*$",
                 description="Lower-case letters, digits, '.', '_' or '-'.", examples=["alice"])
PASSWORD = Field(min_length=PASSWORD_MIN_LENGTH, max_length=PASSWORD_MAX_LENGTH,
                 description=f"At least {PASSWORD_MIN_LENGTH} characters.", examples=["correct horse battery"])


class LoginRequest(RequestSchema):
    model_config = with_examples({"username": "alice", "password": "mature-demo"})

    username: str = Field(min_length=1, max_length=64, examples=["alice"])
    password: str = Field(min_length=1, max_length=256, examples=["mature-demo"])


class TokenIssued(Schema):
    """A new bearer token. The token itself is shown only this once."""

    model_config = with_examples(
        {  # POST /api/auth/token: a sign-in token, valid for the configured hours
            "id": 27,
            "access_token": "mat_e9Qg7V9vDccG6wyBScFFxwAuPnjM-JzVfGSoRaB-qoY",
            "token_type": "bearer",
            "expires_at": "2026-11-09T21:30:00Z",
        },
        {  # POST /api/tokens: a personal access token for a widget
            "id": 31,
            "access_token": "mat_rp62ma0Oq1_IEcMJca-VKd6zL9yYFFJ1VXJqdI1p8DM",
            "token_type": "bearer",
            "expires_at": "2027-02-07T09:45:00Z",
        },
    )

    id: int
    access_token: str = Field(examples=["mat_3q2...x8"])
    token_type: str = "bearer"
    expires_at: datetime | None


class UserRead(Schema):
    model_config = with_examples(
        {**_ALICE, "role": "adviser", "is_active": True, "personal_space_id": None},
        {**_BEN, "role": "adviser", "is_active": True, "personal_space_id": None},
    )

    id: int = Field(examples=[3])
    username: str = Field(examples=["alice"])
    display_name: str = Field(examples=["Alice Okafor"])
    role: Role
    is_active: bool
    personal_space_id: int | None = Field(None, description="Set on /api/users/me only.")


class UserCreate(RequestSchema):
    model_config = with_examples(
        {"username": "alice", "display_name": "Alice Okafor", "role": "adviser", "password": "correct horse battery"},
    )

    username: str = USERNAME
    display_name: str = Field(min_length=1, max_length=200, examples=["Alice Okafor"])
    role: Role = Role.adviser
    password: str = PASSWORD


class UserUpdate(RequestSchema):
    """Admins may change anyone's role and activity; people may change their own name."""

    model_config = with_examples(
        {"display_name": "Alice Okafor-Reid"},
        {"role": "manager"},
        {"is_active": False},
    )

    display_name: str | None = Field(None, min_length=1, max_length=200)
    role: Role | None = None
    is_active: bool | None = Field(None, description="false deactivates the account (admins only): sign-in is "
                                   "refused and every token stops working at once; true reactivates it.")

    @model_validator(mode="before")
    @classmethod
    def _passwords_elsewhere(cls, data: Any) -> Any:
        """A password sent here must not be silently ignored: say where it goes."""
        if isinstance(data, dict) and {"password", "current_password"} & set(data):
            raise ValueError("Passwords are not changed here: use POST /api/users/me/password with "
                             "current_password and new_password for your own, or (admins) POST "
                             "/api/users/{user_id}/password with new_password for someone else's.")
        return data


class OwnPasswordChange(RequestSchema):
    model_config = with_examples(
        {"current_password": "correct horse battery", "new_password": "kittiwakes nest on the tyne"})

    current_password: str = Field(min_length=1, max_length=PASSWORD_MAX_LENGTH,
                                  description="The password you sign in with now.")
    new_password: str = PASSWORD


class PasswordReset(RequestSchema):
    model_config = with_examples({"new_password": "kittiwakes nest on the tyne"})

    new_password: str = PASSWORD


class PersonalTokenCreate(RequestSchema):
    # No `"expires_in_days": null` example: FastAPI drops nulls from examples, which would turn it into 90 days.
    model_config = with_examples(
        {"name": "intranet widget", "expires_in_days": 90},
        {"name": "jobs board sync", "expires_in_days": 366},
    )

    name: str = Field(min_length=1, max_length=100, examples=["intranet widget"])
    expires_in_days: int | None = Field(90, ge=1, le=366, description="null for a token that never expires.")


class TokenRead(Schema):
    model_config = with_examples(
        {
            "id": 31, "kind": "personal", "name": "intranet widget", "hint": "p8DM",
            "created_at": "2026-11-09T09:45:00Z", "expires_at": "2027-02-07T09:45:00Z", "revoked_at": None,
        },
        {
            "id": 19, "kind": "personal", "name": "jobs board sync", "hint": "Qk2w",
            "created_at": "2026-06-01T08:00:00Z", "expires_at": "2027-06-02T08:00:00Z",
            "revoked_at": "2026-10-20T16:12:00Z",
        },
    )

    id: int
    kind: TokenKind
    name: str
    hint: str = Field(description="The token's last characters, to tell tokens apart.")
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None


SPACE_KEY = Field(min_length=2, max_length=64, pattern=r"^[a-z0-9][a-z0-9-]*$",
                  description="Short unique key: lower-case letters, digits and '-'.", examples=["north-east"])


class SpaceCreate(RequestSchema):
    model_config = with_examples({**_NORTH_EAST, "visibility": "members"})

    key: str = SPACE_KEY
    name: str = Field(min_length=1, max_length=200, examples=["North East team"])
    description: str = Field("", max_length=5000)
    visibility: Visibility = Visibility.members


class SpaceUpdate(RequestSchema):
    model_config = with_examples(
        {"name": "North East and Cumbria team"},
        {"visibility": "organisation"},
    )

    name: str | None = Field(None, min_length=1, max_length=200)
    description: str | None = Field(None, max_length=5000)
    visibility: Visibility | None = None


class SpaceRead(Schema):
    model_config = with_examples(
        {"id": 1, **_NORTH_EAST, "kind": "organisation", "visibility": "members", "owner_id": None, "my_right": "edit"},
        {
            "id": 3, "key": "~alice", "name": "Alice Okafor (personal)", "description": "Personal notes and drafts.",
            "kind": "personal", "visibility": "members", "owner_id": 3, "my_right": "own",
        },
    )

    id: int
    key: str
    name: str
    description: str
    kind: SpaceKind
    visibility: Visibility
    owner_id: int | None = Field(description="The person whose personal space this is.")
    my_right: str = Field(description="What the caller may do here: read, edit or own.", examples=["edit"])


class MemberPut(RequestSchema):
    model_config = with_examples({"role": "editor"})

    role: MemberRole


class MemberRead(Schema):
    model_config = with_examples(
        {"user_id": 3, "username": "alice", "display_name": "Alice Okafor", "role": "editor"},
        {"user_id": 2, "username": "carol", "display_name": "Carol Singh", "role": "owner"},
    )

    user_id: int
    username: str
    display_name: str
    role: MemberRole
