"""Problems the search API can answer."""

from app.errors import ProblemError


class InvalidSearch(ProblemError):
    status = 422
    title = "Invalid search"


class SearchUnavailable(ProblemError):
    status = 503
    title = "Search unavailable"
