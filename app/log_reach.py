"""Which pages a logged change reaches: what the stores that follow the log (search, SPARQL) refresh.

A page change names its page. A change to something pages show -- a space's name or visibility, a
person's display name, a topic's labels or identity -- names that thing, and reaches every page that
shows it.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from app.pages import access
from app.changelog import Change
from app.pages.models import Page, Revision
from app.topics.models import TopicConcept
from app.tagging.models import PageTag


# What pages show of their space (the name in the RDF). Visibility and membership are applied when a store is
# asked (its readable spaces), so those changes reach no stored page.
SPACE_SHOWN = frozenset({"space.renamed"})


def pages_reached(session: Session, changes: Iterable[Change]) -> set[int]:
    """Ids of the pages whose derived entries these changes make out of date (a page change: live or deleted;
    the others: the live pages showing the changed thing, as the stores hold no deleted page)."""
    page_ids: set[int] = set()
    space_ids: set[int] = set()
    user_ids: set[int] = set()
    topic_ids: set[int] = set()
    for change in changes:
        if change.page_id is not None:
            page_ids.add(change.page_id)
        elif change.kind in SPACE_SHOWN and change.space_id is not None:
            space_ids.add(change.space_id)
        elif change.kind.startswith("user."):
            user_ids.add(int((change.details or {}).get("user_id", change.actor_id or 0)))
        elif change.kind.startswith("topic."):
            topic_ids.update(int(i) for i in (change.details or {}).get("topic_ids", ()))
    if space_ids:
        page_ids.update(session.scalars(access.all_live_pages(Page.id).where(Page.space_id.in_(space_ids))))
    if user_ids:
        wrote = select(Revision.page_id).where(Revision.author_id.in_(user_ids))  # the outer query keeps live pages
        page_ids.update(session.scalars(access.all_live_pages(Page.id).where(
            or_(Page.created_by_id.in_(user_ids), Page.id.in_(wrote)))))
    if topic_ids:
        merged = select(TopicConcept.id).where(TopicConcept.merged_into_id.in_(topic_ids))
        page_ids.update(session.scalars(select(PageTag.page_id).distinct().where(
            access.live_page_filter(PageTag.page_id),
            or_(PageTag.concept_id.in_(topic_ids), PageTag.concept_id.in_(merged)))))
    return page_ids
