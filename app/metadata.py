"""Every table of the service in one `MetaData`: Alembic, backups and the migration tests compare against it.

It imports every package's models, so it sits above all of them; `app.db` (which every models module
imports) cannot do this without importing the whole service.
"""

from __future__ import annotations

import app.annotations.models
import app.auth.models
import app.changelog
import app.following.models
import app.pages.models
import app.people.models
import app.quality.models
import app.reports.models
import app.security.models
import app.tagging.models
import app.topics.models
import app.wikiimport.models  # noqa: F401
from app.db import Base


def load_models() -> type[Base]:
    """The declarative base with every table registered (the imports above register them)."""
    return Base
