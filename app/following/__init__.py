"""Following pages, spaces, topics and people; the personal feed; webhooks for integrations."""
