"""HTTP: teams, required-expertise profiles, skills-gap reports (JSON, CSV, SVG), snapshots, demand.

Only managers and admins use any of it (403 for everyone else); an unknown team, profile or
snapshot is a 404.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Request, Response, status

from app.auth.dependencies import ManagerUser
from app.db import SessionDep, utcnow
from app.errors import problem_responses
from app.pagination import CursorQuery, LimitQuery, OffsetQuery, Page, page_at, page_of_list, position
from app.reports import charts, csv_export, demand, history, profiles, report, teams
from app.reports.exceptions import InvalidReportRequest
from app.reports.schemas import (
    DemandReport, ProfileRead, ProfileWrite, SkillsGapChanges, SkillsGapReport, SnapshotCreate, SnapshotRead,
    TeamCreate, TeamMemberRead, TeamRead, TeamUpdate,
)

router = APIRouter(prefix="/api", tags=["reports"])
TeamId = Annotated[int, Path(description="The team's id.", examples=[2])]
UserId = Annotated[int, Path(description="The user's id (not the person id).", examples=[3])]
ProfileId = Annotated[int, Path(description="The profile's id.", examples=[5])]
ProfileQuery = Annotated[int, Query(description="The profile to report on (GET /api/reports/profiles).",
                                    examples=[5])]
AtQuery = Annotated[str | None, Query(description="The report as it stood then: the last snapshot on or before "
                                                  "this date (YYYY-MM-DD, end of day UTC) or ISO 8601 time.",
                                      examples=["2026-10-01"])]
CSV = "text/csv"
SVG = "image/svg+xml"
MANAGER_ERRORS = (401, 403)


# ---------------------------------------------------------------- teams


@router.get("/teams", response_model=Page[TeamRead], responses=problem_responses(*MANAGER_ERRORS, 400, 422))
def list_teams(request: Request, user: ManagerUser, session: SessionDep, offset: OffsetQuery = 0,
               limit: LimitQuery = 100, cursor: CursorQuery = None) -> Page[TeamRead]:
    """Teams by name, with how many users each has."""
    start = position(cursor, offset)
    return page_at(request, teams.team_reads(session, teams.list_teams(session, start, limit + 1)), limit, start)


@router.post("/teams", response_model=TeamRead, status_code=status.HTTP_201_CREATED,
             responses=problem_responses(*MANAGER_ERRORS, 409, 422))
def create_team(body: TeamCreate, user: ManagerUser, session: SessionDep, response: Response) -> TeamRead:
    """Create a team (names are unique, ignoring case)."""
    team = teams.create_team(session, user, body)
    response.headers["Location"] = f"/api/teams/{team.id}"
    return teams.team_reads(session, [team])[0]


@router.get("/teams/{team_id}", response_model=TeamRead, responses=problem_responses(*MANAGER_ERRORS, 404))
def read_team(team_id: TeamId, user: ManagerUser, session: SessionDep) -> TeamRead:
    """One team."""
    return teams.team_reads(session, [teams.get_team(session, team_id)])[0]


@router.patch("/teams/{team_id}", response_model=TeamRead, responses=problem_responses(*MANAGER_ERRORS, 404, 409, 422))
def update_team(team_id: TeamId, body: TeamUpdate, user: ManagerUser, session: SessionDep) -> TeamRead:
    """Rename a team or change its description."""
    team = teams.update_team(session, teams.get_team(session, team_id), body)
    return teams.team_reads(session, [team])[0]


@router.delete("/teams/{team_id}", status_code=status.HTTP_204_NO_CONTENT,
               responses=problem_responses(*MANAGER_ERRORS, 404))
def delete_team(team_id: TeamId, user: ManagerUser, session: SessionDep) -> Response:
    """Delete a team, its memberships and its profiles (with their snapshots)."""
    teams.delete_team(session, teams.get_team(session, team_id))
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/teams/{team_id}/members", response_model=Page[TeamMemberRead],
            responses=problem_responses(*MANAGER_ERRORS, 400, 404))
def list_members(request: Request, team_id: TeamId, user: ManagerUser, session: SessionDep, limit: LimitQuery = 50,
                 cursor: CursorQuery = None) -> Page[TeamMemberRead]:
    """The team's users by name."""
    return page_of_list(request, teams.members(session, teams.get_team(session, team_id)), limit, cursor)


@router.put("/teams/{team_id}/members/{user_id}", response_model=TeamMemberRead,
            responses=problem_responses(*MANAGER_ERRORS, 404))
def add_member(team_id: TeamId, user_id: UserId, user: ManagerUser, session: SessionDep) -> TeamMemberRead:
    """Put a user in the team (again: no change)."""
    return teams.add_member(session, teams.get_team(session, team_id), user_id)


@router.delete("/teams/{team_id}/members/{user_id}", status_code=status.HTTP_204_NO_CONTENT,
               responses=problem_responses(*MANAGER_ERRORS, 404))
def remove_member(team_id: TeamId, user_id: UserId, user: ManagerUser, session: SessionDep) -> Response:
    """Take a user out of the team."""
    teams.remove_member(session, teams.get_team(session, team_id), user_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# ---------------------------------------------------------------- profiles


@router.get("/reports/profiles", response_model=Page[ProfileRead],
            responses=problem_responses(*MANAGER_ERRORS, 400, 422))
def list_profiles(request: Request, user: ManagerUser, session: SessionDep, offset: OffsetQuery = 0,
                  limit: LimitQuery = 100, cursor: CursorQuery = None,
                  team_id: Annotated[int | None, Query(description="Only this team's profiles.")] = None,
                  ) -> Page[ProfileRead]:
    """Required-expertise profiles by name."""
    start = position(cursor, offset)
    found = profiles.list_profiles(session, team_id, start, limit + 1)
    return page_at(request, [profiles.profile_read(session, p) for p in found], limit, start)


@router.post("/reports/profiles", response_model=ProfileRead, status_code=status.HTTP_201_CREATED,
             responses=problem_responses(*MANAGER_ERRORS, 422))
def create_profile(body: ProfileWrite, user: ManagerUser, session: SessionDep, response: Response) -> ProfileRead:
    """Define what the organisation (no team_id) or a team needs: per topic, how many people at which level
    (1-5) or above, and a priority."""
    profile = profiles.create_profile(session, user, body)
    response.headers["Location"] = f"/api/reports/profiles/{profile.id}"
    return profiles.profile_read(session, profile)


@router.get("/reports/profiles/{profile_id}", response_model=ProfileRead,
            responses=problem_responses(*MANAGER_ERRORS, 404))
def read_profile(profile_id: ProfileId, user: ManagerUser, session: SessionDep) -> ProfileRead:
    """One profile with its topics."""
    return profiles.profile_read(session, profiles.get_profile(session, profile_id))


@router.put("/reports/profiles/{profile_id}", response_model=ProfileRead,
            responses=problem_responses(*MANAGER_ERRORS, 404, 422))
def replace_profile(profile_id: ProfileId, body: ProfileWrite, user: ManagerUser, session: SessionDep) -> ProfileRead:
    """Replace the profile (its topics too); earlier snapshots keep what it was."""
    profile = profiles.replace_profile(session, user, profiles.get_profile(session, profile_id), body)
    return profiles.profile_read(session, profile)


@router.delete("/reports/profiles/{profile_id}", status_code=status.HTTP_204_NO_CONTENT,
               responses=problem_responses(*MANAGER_ERRORS, 404))
def delete_profile(profile_id: ProfileId, user: ManagerUser, session: SessionDep) -> Response:
    """Delete the profile and its snapshots."""
    profiles.delete_profile(session, profiles.get_profile(session, profile_id))
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# ---------------------------------------------------------------- reports


def _wants_csv(request: Request, format: str | None) -> bool:
    if format is not None:
        return format == "csv"
    accept = request.headers.get("accept", "")
    return CSV in accept and "application/json" not in accept.split(",")[0]


@router.get("/reports/skills-gap", response_model=SkillsGapReport,
            responses={200: {"content": {CSV: {"schema": {"type": "string"}}},
                             "description": "JSON, or CSV (format=csv or Accept: text/csv): one row per topic."},
                       **problem_responses(*MANAGER_ERRORS, 404, 422)})
def skills_gap(request: Request, profile_id: ProfileQuery, user: ManagerUser, session: SessionDep, at: AtQuery = None,
               format: Annotated[Literal["json", "csv"] | None, Query(
                   description="csv for spreadsheets; default: by the Accept header, else JSON.")] = None,
               ) -> SkillsGapReport | Response:
    """Per required topic: people required and available at the level (tags on narrower topics count), the
    gap, single points of failure, training candidates, external contacts who could cover it and the pages
    on it. People who hid their profile are counted, never named."""
    found = history.report_at(session, user, profiles.get_profile(session, profile_id), at)
    if _wants_csv(request, format):
        return Response(csv_export.render(found), media_type=f"{CSV}; charset=utf-8", headers={
            "Content-Disposition": f'attachment; filename="{csv_export.filename(found)}"'})
    return found


@router.get("/reports/skills-gap/chart.svg", response_class=Response,
            responses={200: {"content": {SVG: {"schema": {"type": "string"}}}, "description": "An SVG chart."},
                       **problem_responses(*MANAGER_ERRORS, 404, 422)})
def skills_gap_chart(profile_id: ProfileQuery, user: ManagerUser, session: SessionDep,
                     kind: Annotated[Literal["gap", "heatmap"], Query(
                         description="gap: required vs available per topic; heatmap: teams x topics, people at "
                                     "each topic's level.")] = "gap",
                     at: AtQuery = None) -> Response:
    """The report as an SVG chart to drop into a slide."""
    profile = profiles.get_profile(session, profile_id)
    if kind == "gap":
        svg = charts.gap_chart(history.report_at(session, user, profile, at))
    else:
        if at is not None:
            raise InvalidReportRequest("at: the heatmap shows teams as they are now; leave `at` out.")
        columns, rows = report.heatmap(session, profile)
        svg = charts.heatmap(f"People at the required level by team: {profile.name}", columns,
                             [charts.HeatmapRow(label, counts) for label, counts in rows])
    return Response(svg, media_type=SVG)


@router.get("/reports/skills-gap/changes", response_model=SkillsGapChanges,
            responses=problem_responses(*MANAGER_ERRORS, 404, 422))
def skills_gap_changes(profile_id: ProfileQuery, user: ManagerUser, session: SessionDep,
                       since: Annotated[str, Query(alias="from", description="YYYY-MM-DD or ISO 8601 time: the last "
                                                   "snapshot on or before it is the starting point.",
                                                   examples=["2026-10-01"])],
                       until: Annotated[str | None, Query(alias="to", description="Default: now (the live "
                                                          "report).", examples=["2026-11-20"])] = None,
                       ) -> SkillsGapChanges:
    """How the gaps changed between two dates: per topic the counts then and now, and who reached or left the
    level (named only if their profile is visible now)."""
    return history.changes(session, user, profiles.get_profile(session, profile_id), since, until)


@router.post("/reports/snapshots", response_model=list[SnapshotRead], status_code=status.HTTP_201_CREATED,
             responses=problem_responses(*MANAGER_ERRORS, 404, 422))
def take_snapshots(body: SnapshotCreate, user: ManagerUser, session: SessionDep) -> list[SnapshotRead]:
    """Keep the report as it is now, for one profile or every profile (also taken nightly by
    `mature reports snapshot`)."""
    if body.profile_id is not None:
        taken = [history.take(session, user, profiles.get_profile(session, body.profile_id), user)]
    else:
        taken = history.take_all(session, user, user)
    return [SnapshotRead(id=s.id, profile_id=s.profile_id, taken_at=s.taken_at, taken_by_id=s.taken_by_id)
            for s in taken]


@router.get("/reports/snapshots", response_model=Page[SnapshotRead],
            responses=problem_responses(*MANAGER_ERRORS, 400, 404, 422))
def list_snapshots(request: Request, profile_id: ProfileQuery, user: ManagerUser, session: SessionDep,
                   offset: OffsetQuery = 0, limit: LimitQuery = 100, cursor: CursorQuery = None) -> Page[SnapshotRead]:
    """The profile's snapshots, newest first."""
    start = position(cursor, offset)
    found = history.list_snapshots(session, profiles.get_profile(session, profile_id), start, limit + 1)
    return page_at(request, found, limit, start)


@router.get("/reports/demand", response_model=DemandReport, responses=problem_responses(*MANAGER_ERRORS, 422))
def demand_signals(user: ManagerUser, session: SessionDep,
                   days: Annotated[int, Query(ge=1, le=3650, description="Searches of the last N days.")] = 90,
                   limit: Annotated[int, Query(ge=1, le=200, description="At most this many of each.")] = 20,
                   ) -> DemandReport:
    """Where expertise is wanted: expert searches with no or weak answers (by topic, askers never shown), and
    topics whose pages are stale or immature."""
    return demand.demand(session, user, utcnow() - timedelta(days=days), limit)
