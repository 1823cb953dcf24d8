"""Problems the topic scheme can answer."""

from app.errors import Conflict, Forbidden, NotFound, ProblemError


class TopicNotFound(NotFound):
    title = "Topic not found"


class ManagersOnly(Forbidden):
    title = "Not allowed"


class InvalidTag(ProblemError):
    """A tag (of a person or a page) names no topic the scheme has."""

    status = 422
    title = "Invalid tag"


class InvalidTopicChange(ProblemError):
    status = 422
    title = "Invalid topic change"


class LabelTaken(Conflict):
    title = "Label already in use"


class TopicStateConflict(Conflict):
    title = "Topic cannot change this way"


class InvalidScheme(ProblemError):
    status = 422
    title = "Invalid SKOS scheme"
