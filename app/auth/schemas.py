"""Request and response bodies for accounts, tokens and spaces."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from app.auth.models import MemberRole, Role, SpaceKind, TokenKind, Visibility
from app.auth.rights import Right


class Schema(BaseModel):
    model_config = ConfigDict(from_attributes=True)


USERNAME = Field(min_length=2, max_length=64, pattern=r"^[a-z0-9][a-z0-9._-]*$",
                 description="Lower-case letters, digits, '.', '_' or '-'.", examples=["alice"])
PASSWORD = Field(min_length=10, max_length=256, description="At least 10 characters.",
                 examples=["correct horse battery"])


class LoginRequest(Schema):
    username: str = Field(min_length=1, max_length=64, examples=["alice"])
    password: str = Field(min_length=1, max_length=256, examples=["mature-demo"])


class TokenIssued(Schema):
    """A new bearer token. The token itself is shown only this once."""

    id: int
    access_token: str = Field(examples=["mat_3q2...x8"])
    token_type: str = "bearer"
    expires_at: datetime | None


class UserRead(Schema):
    id: int = Field(examples=[3])
    username: str = Field(examples=["alice"])
    display_name: str = Field(examples=["Alice Okafor"])
    role: Role
    is_active: bool
    personal_space_id: int | None = Field(None, description="Set on /api/users/me only.")


class UserCreate(Schema):
    username: str = USERNAME
    display_name: str = Field(min_length=1, max_length=200, examples=["Alice Okafor"])
    role: Role = Role.adviser
    password: str = PASSWORD


class UserUpdate(Schema):
    """Admins may change anyone's role and activity; people may change their own name and password."""

    display_name: str | None = Field(None, min_length=1, max_length=200)
    role: Role | None = None
    is_active: bool | None = None
    password: str | None = Field(None, min_length=10, max_length=256, description="New password.")
    current_password: str | None = Field(None, description="Required to change your own password.")


class PersonalTokenCreate(Schema):
    name: str = Field(min_length=1, max_length=100, examples=["intranet widget"])
    expires_in_days: int | None = Field(90, ge=1, le=366, description="null for a token that never expires.")


class TokenRead(Schema):
    id: int
    kind: TokenKind
    name: str
    hint: str = Field(description="The token's last characters, to tell tokens apart.")
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None


SPACE_KEY = Field(min_length=2, max_length=64, pattern=r"^[a-z0-9][a-z0-9-]*$",
                  description="Short unique key: lower-case letters, digits and '-'.", examples=["north-east"])


class SpaceCreate(Schema):
    key: str = SPACE_KEY
    name: str = Field(min_length=1, max_length=200, examples=["North East team"])
    description: str = Field("", max_length=5000)
    visibility: Visibility = Visibility.members


class SpaceUpdate(Schema):
    name: str | None = Field(None, min_length=1, max_length=200)
    description: str | None = Field(None, max_length=5000)
    visibility: Visibility | None = None


class SpaceRead(Schema):
    id: int
    key: str
    name: str
    description: str
    kind: SpaceKind
    visibility: Visibility
    owner_id: int | None = Field(description="The person whose personal space this is.")
    my_right: str = Field(description="What the caller may do here: read, edit or own.", examples=["edit"])


class MemberPut(Schema):
    role: MemberRole


class MemberRead(Schema):
    user_id: int
    username: str
    display_name: str
    role: MemberRole


def right_name(right: Right) -> str:
    return right.name
