"""Problems with page annotations the API can answer."""

from app.errors import ProblemError


class InvalidAnnotations(ProblemError):
    status = 422
    title = "Invalid annotation"
