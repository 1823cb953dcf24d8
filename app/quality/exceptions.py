"""Problems the quality API can answer."""

from app.errors import NotFound, ProblemError


class RatingNotFound(NotFound):
    title = "Rating not found"


class ApprovalNotFound(NotFound):
    title = "No approval"


class InvalidApproval(ProblemError):
    status = 422
    title = "Invalid approval"


class NotInQueue(ProblemError):
    status = 409
    title = "Not in this review queue"


class ReviewTaken(ProblemError):
    status = 409
    title = "Review already claimed"


class ReviewNotYours(ProblemError):
    status = 403
    title = "Not your review"


class InvalidReview(ProblemError):
    status = 422
    title = "Invalid review"


class ClientUseNotFound(NotFound):
    title = "No 'used with a client' mark"
