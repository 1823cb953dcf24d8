"""Problems the following, feed and webhook API can answer."""

from app.errors import NotFound, ProblemError


class FollowNotFound(NotFound):
    title = "Follow not found"


class InvalidFollow(ProblemError):
    status = 422
    title = "Invalid follow"


class EventNotFound(NotFound):
    title = "Event not found"


class WebhookNotFound(NotFound):
    title = "Webhook not found"


class InvalidWebhook(ProblemError):
    status = 422
    title = "Invalid webhook"
