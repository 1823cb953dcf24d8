"""The gap arithmetic without a database: levels from tags, narrower topics, scope, hidden people."""

from __future__ import annotations

import pytest

from app.reports.gap import Requirement, Someone, Tag, descendants, levels, ordered, topic_gap

# Topics: 1 Apprenticeships > 2 Degree apprenticeships > 3 Nursing degree apprenticeships; 4 Pay (alone).
EDGES = [(2, 1), (3, 2)]


def test_descendants_follow_every_level_and_survive_cycles():
    assert descendants(EDGES, [1, 2, 4]) == {1: {1, 2, 3}, 2: {2, 3}, 4: {4}}
    assert descendants([(1, 2), (2, 1)], [1]) == {1: {1, 2}}


@pytest.mark.parametrize(("tags", "expected"), [
    ([Tag(10, 100, 1, 4)], {10: 4.0}),                                          # one colleague
    ([Tag(10, 100, 1, 4), Tag(10, 101, 1, 2)], {10: 3.0}),                      # mean over colleagues
    ([Tag(10, 100, 1, 2), Tag(10, 100, 3, 5)], {10: 5.0}),                      # a colleague's strongest tag, narrower too
    ([Tag(10, 100, 3, 5), Tag(10, 101, 1, None)], {10: 4.0}),                   # no level counts 3
    ([Tag(10, 100, 4, 5)], {}),                                                 # another topic
    ([Tag(10, 100, 1, 1), Tag(11, 100, 2, 5)], {10: 1.0, 11: 5.0}),
])
def test_levels_per_person(tags, expected):
    assert levels(tags, descendants(EDGES, [1]))[1] == expected


def test_one_tag_counts_for_every_required_topic_above_it():
    found = levels([Tag(10, 100, 3, 4)], descendants(EDGES, [1, 2, 3, 4]))
    assert found == {1: {10: 4.0}, 2: {10: 4.0}, 3: {10: 4.0}, 4: {}}


PEOPLE = {
    1: Someone(1, "Alice"), 2: Someone(2, "Ben"), 3: Someone(3, "Hana", hidden=True), 4: Someone(4, "Dan"),
    5: Someone(5, "Priya", external=True, organisation="Chamber"), 6: Someone(6, "Quinn", external=True, hidden=True),
    7: Someone(7, "Gita", hidden=True),
}


@pytest.mark.parametrize(("level_of", "requirement", "scope", "expected"), [
    # available, gap, single point of failure, named, hidden, candidates, hidden candidates, contacts, hidden contacts
    ({1: 4.5, 2: 3.0, 3: 4.0, 4: 2.0}, Requirement(1, 3, 3), {1, 2, 3, 4},
     (3, 0, False, ["Alice", "Ben"], 1, ["Dan"], 0, [], 0)),
    ({1: 4.5, 2: 3.0, 3: 4.0, 4: 2.0}, Requirement(1, 4, 4), {1, 2, 3, 4},
     (2, 2, False, ["Alice"], 1, ["Ben"], 0, [], 0)),
    ({1: 4.5, 2: 3.0, 3: 4.0, 4: 2.0}, Requirement(1, 5, 2), {1, 2, 3, 4},
     (0, 2, False, [], 0, ["Alice"], 1, [], 0)),                               # 4.0 is close to 5, hidden
    ({1: 4.5, 2: 3.0}, Requirement(1, 3, 5), {2},                               # a team: only Ben counts
     (1, 4, True, ["Ben"], 0, [], 0, [], 0)),
    ({5: 5.0, 6: 4.0, 7: 2.9}, Requirement(1, 3, 1), {1, 2, 7},                # contacts cover, never count
     (0, 1, False, [], 0, [], 1, ["Priya"], 1)),
    ({99: 5.0}, Requirement(1, 1, 1), {1}, (0, 1, False, [], 0, [], 0, [], 0)),  # not a person covered
])
def test_topic_gap(level_of, requirement, scope, expected):
    found = topic_gap(requirement, level_of, PEOPLE, scope)
    assert (found.available, found.gap, found.single_point_of_failure, [h.name for h in found.holders],
            found.hidden_holders, [h.name for h in found.candidates], found.hidden_candidates,
            [h.name for h in found.contacts], found.hidden_contacts) == expected


def test_holders_best_first_and_order_of_topics():
    found = topic_gap(Requirement(1, 1, 1), {1: 2.0, 2: 5.0, 4: 2.0}, PEOPLE, {1, 2, 4})
    assert [h.name for h in found.holders] == ["Ben", "Alice", "Dan"]
    gaps = [topic_gap(Requirement(t, 3, 2, p), {}, PEOPLE, set()) for t, p in ((1, "low"), (2, "high"), (3, "high"))]
    gaps.append(topic_gap(Requirement(4, 3, 5, "high"), {}, PEOPLE, set()))
    assert [g.requirement.topic_id for g in ordered(gaps, {1: "a", 2: "b", 3: "a", 4: "z"})] == [4, 3, 2, 1]
