"""Users, tokens, roles, spaces and memberships, and the one rights rule."""
