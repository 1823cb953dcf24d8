"""HTTP: the people directory, tags, profiles and "who knows about X".

Everyone signed in may read the directory, tag anyone they can see (themselves included) and add
external contacts. Only the person a tag is about may hide it; only a person (or, for a contact,
who added it and managers) may hide a profile.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, BackgroundTasks, Path, Query, Request, Response, status

from app.auth.dependencies import CurrentUser
from app.db import SessionDep
from app.errors import problem_responses
from app.pagination import CursorQuery, LimitQuery, decode_cursor, encode_cursor
from app.people import experts, profile, service
from app.people.exceptions import InvalidQuestion
from app.people.schemas import (
    ExpertContribution,
    ExpertRead,
    ExpertResults,
    PersonCreate,
    PersonList,
    PersonProfile,
    PersonRead,
    PersonTags,
    PersonUpdate,
    TagCreate,
    TagRead,
)

router = APIRouter(prefix="/api", tags=["people"])
PersonId = Annotated[int, Path(description="The person's id (not the user id).", examples=[3])]
TagId = Annotated[int, Path(description="Any version's id of the tag.", examples=[57])]
Kind = Annotated[Literal["internal", "external"] | None, Query(description="internal: colleagues (users); "
                                                                           "external: contacts.")]


@router.get("/people", response_model=PersonList, responses=problem_responses(400, 401, 422))
def list_people(request: Request, user: CurrentUser, session: SessionDep, limit: LimitQuery = 50,
                cursor: CursorQuery = None,
                q: Annotated[str | None, Query(max_length=200, description="Part of a name or organisation.")] = None,
                kind: Kind = None) -> PersonList:
    """The directory in name order (hidden profiles are not listed). Contacts' details are shown to signed-in
    colleagues only, as is everything here."""
    service.ensure_people(session)
    after = decode_cursor(cursor, str, int)
    people = service.directory(session, query=q, kind=kind, after=tuple(after) if after else None, limit=limit)
    items = service.person_reads(session, user, people[:limit])
    if len(people) <= limit:
        return PersonList(items=items)
    next_cursor = encode_cursor(service.sort_key(session, people[limit - 1]))
    return PersonList(items=items, next_cursor=next_cursor,
                      next=str(request.url.include_query_params(cursor=next_cursor)))


@router.post("/people", response_model=PersonRead, status_code=status.HTTP_201_CREATED,
             responses=problem_responses(401, 422))
def add_contact(body: PersonCreate, user: CurrentUser, session: SessionDep, response: Response) -> PersonRead:
    """Add an external contact (someone outside the organisation who cannot sign in)."""
    person = service.create_contact(session, user, body)
    response.headers["Location"] = f"/api/people/{person.id}"
    return service.person_reads(session, user, [person])[0]


@router.get("/people/me", response_model=PersonProfile, responses=problem_responses(401))
def my_profile(user: CurrentUser, session: SessionDep) -> PersonProfile:
    """Your own profile (also when hidden from the directory); every tag about you is at .../tags."""
    return profile.profile(session, user, service.me(session, user))


@router.get("/people/{person_id}", response_model=PersonProfile, responses=problem_responses(401, 404))
def read_profile(person_id: PersonId, user: CurrentUser, session: SessionDep) -> PersonProfile:
    """A person's profile: topics, how many colleagues tagged them, levels, evidence, and the pages they wrote
    on each topic (that you may read) with those pages' maturity."""
    return profile.profile(session, user, service.get_person(session, user, person_id))


@router.patch("/people/{person_id}", response_model=PersonRead, responses=problem_responses(401, 403, 404, 422))
def update_person(person_id: PersonId, body: PersonUpdate, user: CurrentUser, session: SessionDep) -> PersonRead:
    """Hide or show your profile; change or hide an external contact (who added it, or managers)."""
    person = service.update_person(session, user, service.get_person(session, user, person_id), body)
    return service.person_reads(session, user, [person])[0]


@router.delete("/people/{person_id}", status_code=status.HTTP_204_NO_CONTENT,
               responses=problem_responses(401, 403, 404))
def delete_contact(person_id: PersonId, user: CurrentUser, session: SessionDep) -> Response:
    """Delete an external contact and the tags about them (who added it, or managers)."""
    service.delete_contact(session, user, service.get_person(session, user, person_id))
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/people/{person_id}/tags", response_model=PersonTags, responses=problem_responses(401, 404))
def list_tags(person_id: PersonId, user: CurrentUser, session: SessionDep,
              history: Annotated[bool, Query(description="Include changed and withdrawn versions.")] = False,
              ) -> PersonTags:
    """Tags about the person, newest first, self-tags apart from colleagues' tags. The person sees every tag
    about them, hidden ones included; nobody else sees hidden tags."""
    person = service.get_person(session, user, person_id)
    reads = service.tag_reads(session, user, service.tags_about(session, user, person, history))
    return PersonTags(person_id=person.id, self_tags=[t for t in reads if t.by_self],
                      colleague_tags=[t for t in reads if not t.by_self])


@router.post("/people/{person_id}/tags", response_model=TagRead, status_code=status.HTTP_201_CREATED,
             responses={200: {"description": "Your existing tag was changed or reconfirmed", "model": TagRead},
                        **problem_responses(401, 404, 409, 422)})
def tag_person(person_id: PersonId, body: TagCreate, user: CurrentUser, session: SessionDep,
               response: Response) -> TagRead:
    """Tag a person (or yourself) with a topic: a topic of the scheme, or free text that becomes a candidate
    topic. One tag per tagger, person and topic: tagging again changes it (201 new, 200 changed; the old
    version stays in the history) or, unchanged, reconfirms it so that it does not fade."""
    outcome = service.put_tag(session, user, service.get_person(session, user, person_id), body)
    if not outcome.created:
        response.status_code = status.HTTP_200_OK
    return service.tag_reads(session, user, [outcome.tag])[0]


@router.delete("/people/{person_id}/tags/{tag_id}", status_code=status.HTTP_204_NO_CONTENT,
               responses=problem_responses(401, 403, 404))
def withdraw_tag(person_id: PersonId, tag_id: TagId, user: CurrentUser, session: SessionDep) -> Response:
    """Withdraw your tag (it stays in the history)."""
    service.withdraw_tag(session, user, service.get_person(session, user, person_id), tag_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/people/{person_id}/tags/{tag_id}/hide", response_model=TagRead,
             responses=problem_responses(401, 403, 404, 422))
def hide_tag(person_id: PersonId, tag_id: TagId, user: CurrentUser, session: SessionDep) -> TagRead:
    """Hide a colleague's tag about you: from then on only you see it, and it counts nowhere."""
    tag = service.hide_tag(session, user, service.get_person(session, user, person_id), tag_id, hidden=True)
    return service.tag_reads(session, user, [tag])[0]


@router.post("/people/{person_id}/tags/{tag_id}/unhide", response_model=TagRead,
             responses=problem_responses(401, 403, 404, 422))
def unhide_tag(person_id: PersonId, tag_id: TagId, user: CurrentUser, session: SessionDep) -> TagRead:
    """Show a tag about you again."""
    tag = service.hide_tag(session, user, service.get_person(session, user, person_id), tag_id, hidden=False)
    return service.tag_reads(session, user, [tag])[0]


@router.get("/experts", response_model=ExpertResults, responses=problem_responses(401, 422))
def who_knows(request: Request, user: CurrentUser, session: SessionDep, background: BackgroundTasks,
              q: Annotated[str, Query(min_length=1, max_length=200, description="A topic (label, synonym or IRI) "
                                                                               "or any text.")],
              kind: Kind = None, offset: Annotated[int, Query(ge=0)] = 0,
              limit: Annotated[int, Query(ge=1, le=100)] = 20) -> ExpertResults:
    """Who knows about X: people tagged with the topic, a synonym or a narrower topic, ranked by colleagues'
    tags (more than self-tags), levels, how recently tags were confirmed (they fade over months) and pages
    they wrote on it (their maturity); each result says why. Unanswered and weak questions are recorded."""
    if not q.strip():
        raise InvalidQuestion("q: ask about a topic or some words, not only spaces.")
    answer = experts.find(session, user, q.strip(), kind, offset, limit)
    if offset == 0:
        background.add_task(experts.record_gap, request.app.state.database, user.id, answer, kind)
    shown = answer.experts
    people = service.person_reads(session, user, [e.person for e in shown])
    refs = service.topic_refs(session, {t for e in shown for t in e.topic_ids})
    items = [ExpertRead(rank=offset + number + 1, person=person, score=expert.ranked.score,
                        topics=[refs[t] for t in expert.topic_ids], why=expert.ranked.why,
                        contributions=[ExpertContribution(key=c.key, points=c.points, explanation=c.explanation)
                                       for c in expert.ranked.contributions])
             for number, (expert, person) in enumerate(zip(shown, people, strict=True))]
    more = offset + limit < answer.total
    return ExpertResults(
        query=q, topics=[service.topic_ref(t) for t in answer.asked], narrower_topics=answer.narrower_count,
        outcome=answer.outcome, total=answer.total, items=items,
        next=str(request.url.include_query_params(offset=offset + limit)) if more else None)

