"""Problems the people API can answer."""

from app.errors import Forbidden, NotFound, ProblemError


class PersonNotFound(NotFound):
    title = "Person not found"


class TagNotFound(NotFound):
    title = "Tag not found"


class NotYours(Forbidden):
    title = "Not allowed"


class InvalidProfileChange(ProblemError):
    status = 422
    title = "Invalid profile change"


class InvalidQuestion(ProblemError):
    status = 422
    title = "Invalid question"
