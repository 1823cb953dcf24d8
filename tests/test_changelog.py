"""The one log follower every derived store uses: rows after a position, rows that commit late behind it, nothing
consumed, and a position that survives a restart."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.changelog import Change, LogFollower, Position


def logged(session: Session, *ids: int) -> None:
    """Rows with chosen ids, as PostgreSQL commits them: an id taken earlier may commit later."""
    session.add_all(Change(id=row_id, kind="test.row", actor_id=None) for row_id in ids)
    session.flush()


def test_rows_after_the_position_then_a_late_commit_behind_it(session: Session):
    base = (session.scalar(select(func.max(Change.id))) or 0) + 100
    follower = LogFollower(window=50)
    follower.start_here(session)
    assert follower.pending_ids(session) == [] and not follower.has_pending(session)

    logged(session, base + 1, base + 3)  # base + 2 was taken by a transaction still running
    assert follower.pending_ids(session) == [base + 1, base + 3]
    follower.applied([base + 1, base + 3])
    assert follower.pending_ids(session) == [] and follower.backlog(session) == 0

    logged(session, base + 2)  # it commits now, behind the newest applied row
    assert follower.has_pending(session) and follower.backlog(session) == 1
    assert [change.id for change in follower.pending(session)] == [base + 2]
    follower.applied([base + 2])
    assert follower.pending_ids(session) == []


def test_two_followers_each_see_every_row(session: Session):
    """Nothing is consumed: a second host applies the rows the first one applied."""
    base = (session.scalar(select(func.max(Change.id))) or 0) + 100
    first, second = LogFollower(), LogFollower()
    first.start_here(session)
    second.position = Position(first.position.newest, set(first.position.seen))
    logged(session, base + 1, base + 2)
    first.applied(first.pending_ids(session))
    assert second.pending_ids(session) == [base + 1, base + 2]


def test_a_position_survives_a_restart_and_forgets_what_left_the_window(session: Session):
    base = (session.scalar(select(func.max(Change.id))) or 0) + 100
    follower = LogFollower(window=10)
    follower.start_here(session)
    logged(session, base + 1, base + 30)
    follower.applied(follower.pending_ids(session))
    assert follower.position.seen == {base + 30}  # base + 1 is more than the window behind base + 30
    restarted = LogFollower(window=10, position=Position.from_json(follower.position.to_json()))
    assert restarted.position == follower.position
    assert restarted.pending_ids(session) == []
    logged(session, base + 25)  # late, but inside the window: found after the restart too
    assert restarted.pending_ids(session) == [base + 25]
