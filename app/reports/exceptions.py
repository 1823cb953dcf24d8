"""Problems the reports API can answer."""

from app.errors import Conflict, NotFound, ProblemError


class TeamNotFound(NotFound):
    title = "Team not found"


class MemberNotFound(NotFound):
    title = "Not a team member"


class UserNotFound(NotFound):
    title = "User not found"


class ProfileNotFound(NotFound):
    title = "Profile not found"


class SnapshotNotFound(NotFound):
    title = "No snapshot"


class TeamNameTaken(Conflict):
    title = "Team name in use"


class InvalidProfile(ProblemError):
    status = 422
    title = "Invalid profile"


class InvalidReportRequest(ProblemError):
    status = 422
    title = "Invalid report request"
