"""Problems the pages API can answer."""

from app.errors import Conflict, NotFound, ProblemError


class PageNotFound(NotFound):
    title = "Page not found"


class RevisionNotFound(NotFound):
    title = "Revision not found"


class PageGone(ProblemError):
    status = 410
    title = "Page deleted"


class TitleTaken(Conflict):
    title = "Title already in use"


class PageNotDeleted(Conflict):
    title = "Page not deleted"


class NothingToChange(Conflict):
    """The page is already in the state asked for (revert to its current content, move to its own title)."""

    title = "Nothing to change"


class EditConflict(Conflict):
    title = "Edit conflict"


class InvalidPageInput(ProblemError):
    status = 422
    title = "Invalid page input"


class BaseRevisionRequired(ProblemError):
    status = 428
    title = "Base revision required"


class StaleETag(ProblemError):
    status = 412
    title = "Precondition failed"


class SourceAlreadyBookmarked(Conflict):
    title = "Already bookmarked there"


class PageTextTooLarge(ProblemError):
    status = 413
    title = "Page text too large"


class TooManyFacts(ProblemError):
    status = 422
    title = "Too many facts on one page"
