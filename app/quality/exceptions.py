"""Problems the quality API can answer."""

from app.errors import NotFound, ProblemError


class RatingNotFound(NotFound):
    title = "Rating not found"


class ApprovalNotFound(NotFound):
    title = "No approval"


class InvalidApproval(ProblemError):
    status = 422
    title = "Invalid approval"


class ClientUseNotFound(NotFound):
    title = "No 'used with a client' mark"
