"""Full-text search: a Whoosh index derived from the database, fed by a durable queue."""
