"""Defences the HTTP layer needs beyond the rights rule: request body limits and the sign-in attempt limiter."""
