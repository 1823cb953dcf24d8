"""Problems the MediaWiki import can answer."""

from app.errors import ProblemError


class InvalidDump(ProblemError):
    status = 422
    title = "Unreadable MediaWiki export"


class InvalidMapping(ProblemError):
    status = 422
    title = "Invalid property mapping"


class ConverterUnavailable(ProblemError):
    status = 503
    title = "The wikitext converter cannot run"
