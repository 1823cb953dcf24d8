"""Ratings, the knowledge-maturing model (pure functions), quality overviews and approvals."""
