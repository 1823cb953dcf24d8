"""Problems the people and topics API can answer."""

from app.errors import Conflict, Forbidden, NotFound, ProblemError


class PersonNotFound(NotFound):
    title = "Person not found"


class TagNotFound(NotFound):
    title = "Tag not found"


class TopicNotFound(NotFound):
    title = "Topic not found"


class NotYours(Forbidden):
    title = "Not allowed"


class InvalidTag(ProblemError):
    status = 422
    title = "Invalid tag"


class InvalidProfileChange(ProblemError):
    status = 422
    title = "Invalid profile change"


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


class InvalidQuestion(ProblemError):
    status = 422
    title = "Invalid question"
