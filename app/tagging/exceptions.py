"""Problems the page-tag and bookmark API can answer."""

from app.errors import Conflict, NotFound, ProblemError


class PageTagNotFound(NotFound):
    title = "Tag not found"


class InvalidBookmark(ProblemError):
    status = 422
    title = "Invalid bookmark"


class DuplicateBookmark(Conflict):
    title = "Already bookmarked"
