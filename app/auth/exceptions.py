"""Problems the accounts and spaces API can answer."""

from app.errors import Conflict, Forbidden, NotFound, ProblemError, Unauthorized


class InvalidCredentials(Unauthorized):
    title = "Sign-in failed"


class WrongPassword(Forbidden):
    title = "Current password is wrong"


class PasswordRuleBroken(ProblemError):
    status = 422
    title = "Password not accepted"


class OwnAccountChange(Conflict):
    title = "Not for your own account"


class InvalidToken(Unauthorized):
    title = "Invalid token"


class RoleRequired(Forbidden):
    title = "Not allowed for your role"


class UserNotFound(NotFound):
    title = "User not found"


class UsernameTaken(Conflict):
    title = "Username taken"


class TokenNotFound(NotFound):
    title = "Token not found"


class SpaceNotFound(NotFound):
    title = "Space not found"


class SpaceKeyTaken(Conflict):
    title = "Space key taken"


class SpaceRightRequired(Forbidden):
    title = "Not allowed in this space"


class MembershipRuleBroken(ProblemError):
    status = 422
    title = "Membership change not allowed"
