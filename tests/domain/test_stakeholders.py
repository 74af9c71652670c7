"""The stakeholder map, without a database: org chart layout, levels, cycles, coverage."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from kam.domain.stakeholders import (
    ATTITUDES,
    BUYING_ROLES,
    CHAMPION,
    DECISION_MAKER,
    ECONOMIC_BUYER,
    NO_CHAMPION,
    NO_CONTACTS,
    NO_DECISION_MAKER,
    NO_ECONOMIC_BUYER,
    OPPONENT,
    SINGLE_LEVEL,
    SUPPORTER,
    USER,
    Stakeholder,
    champions_lost,
    coverage,
    org_chart,
    org_levels,
    would_make_cycle,
)


def person(pid: int, boss: int | None = None, **kwargs: object) -> Stakeholder:
    return Stakeholder(id=pid, name=f"P{pid}", reports_to=boss, **kwargs)  # type: ignore[arg-type]


def shape(nodes) -> list:
    """A chart as nested (id, level, [children]) for readable assertions."""
    return [(n.person.id, n.level, shape(n.children)) for n in nodes]


def codes(people) -> list[str]:
    return [g.code for g in coverage(people).gaps]


def full_team() -> list[Stakeholder]:
    """A well-covered account: a decision maker on top, a buyer and a champion below."""
    return [
        person(1, buying_role=DECISION_MAKER, influence=5),
        person(2, 1, buying_role=ECONOMIC_BUYER, influence=4),
        person(3, 1, buying_role=CHAMPION, attitude=SUPPORTER, influence=3),
    ]


# -- layout ----------------------------------------------------------------------------------


def test_chart_nests_reports_under_their_boss_most_influential_first():
    # given a boss with two reports (the second more influential) and one below
    people = [
        person(1, influence=5),
        person(2, 1, influence=2),
        person(3, 1, influence=4),
        person(4, 3),
    ]
    # then the chart has one root, its reports sorted by influence, levels by depth
    assert shape(org_chart(people)) == [(1, 0, [(3, 1, [(4, 2, [])]), (2, 1, [])])]
    assert org_levels(people) == {1: 0, 2: 1, 3: 1, 4: 2}


def test_an_orphan_whose_boss_is_unknown_is_a_root():
    # given a contact reporting to someone not in the list (another account, deleted)
    people = [person(1), person(2, 99)]
    # then both are at the top
    assert shape(org_chart(people)) == [(1, 0, []), (2, 0, [])]


def test_reporting_to_oneself_counts_as_no_boss():
    assert org_levels([person(7, 7)]) == {7: 0}


def test_a_stored_cycle_is_cut_at_its_smallest_id_and_the_layout_ends():
    # given corrupted data: 1 -> 2 -> 3 -> 1, and 4 reporting into the loop
    people = [person(1, 3), person(2, 1), person(3, 2), person(4, 2)]
    # then 1 becomes the top, everyone appears once
    assert shape(org_chart(people)) == [(1, 0, [(2, 1, [(3, 2, []), (4, 2, [])])])]


def test_left_people_keep_their_place_unless_hidden():
    # given a boss who left, with one report
    people = [person(1, current=False), person(2, 1), person(3, 2)]
    # then the full chart keeps the boss (level 0) and the report one level below
    assert shape(org_chart(people)) == [(1, 0, [(2, 1, [(3, 2, [])])])]
    # and without people who left, the report moves up to the top
    assert shape(org_chart(people, include_left=False)) == [(2, 0, [(3, 1, [])])]


def test_hidden_leaver_in_the_middle_hands_reports_to_the_next_boss_up():
    people = [person(1), person(2, 1, current=False), person(3, 2)]
    assert shape(org_chart(people, include_left=False)) == [(1, 0, [(3, 1, [])])]


people_graphs = st.integers(min_value=0, max_value=25).flatmap(
    lambda n: st.lists(
        st.one_of(st.none(), st.integers(min_value=0, max_value=n + 2)), min_size=n, max_size=n
    )
)


@given(bosses=people_graphs, left=st.lists(st.booleans(), max_size=25))
def test_any_links_lay_out_everyone_once_one_level_below_their_boss(bosses, left):
    # given any reports-to links, cycles and unknown bosses included
    people = [
        person(i, boss, current=not (left[i] if i < len(left) else False))
        for i, boss in enumerate(bosses)
    ]
    for include_left in (True, False):
        # when the chart is laid out
        chart = org_chart(people, include_left=include_left)
        nodes = [n for root in chart for n in root.walk()]
        # then each (shown) person appears exactly once
        shown = [p.id for p in people if include_left or p.current]
        assert sorted(n.person.id for n in nodes) == sorted(shown)
        # and each child sits one level below its parent, roots at 0
        assert all(root.level == 0 for root in chart)
        for node in nodes:
            assert all(child.level == node.level + 1 for child in node.children)


# -- cycles ----------------------------------------------------------------------------------


def test_a_new_link_that_closes_a_loop_is_a_cycle():
    links = {1: None, 2: 1, 3: 2}
    assert would_make_cycle(links, 1, 3)  # 1 -> 3 -> 2 -> 1
    assert would_make_cycle(links, 2, 2)  # oneself
    assert not would_make_cycle(links, 3, 1)  # 3 moves up: fine
    assert not would_make_cycle(links, 1, None)
    assert not would_make_cycle(links, 4, 3)  # a new person below 3


def test_a_cycle_check_ends_on_links_that_already_loop():
    assert not would_make_cycle({1: 2, 2: 1}, 5, 1)


@given(bosses=people_graphs, who=st.integers(0, 27), boss=st.integers(0, 27))
def test_refusing_cycles_keeps_every_chain_finite(bosses, who, boss):
    # given links built one by one, each refused when it would close a cycle
    links: dict[int, int | None] = {}
    for pid, wanted in enumerate([*bosses, boss]):
        target = who if pid == len(bosses) else pid
        if not would_make_cycle(links, target, wanted):
            links[target] = wanted
    # then every chain reaches the top without meeting a person twice
    for start in links:
        seen, node = set(), start
        while node is not None:
            assert node not in seen
            seen.add(node)
            node = links.get(node)


# -- coverage --------------------------------------------------------------------------------


def test_a_decision_maker_a_buyer_and_a_champion_on_two_levels_is_complete():
    result = coverage(full_team())
    assert result.complete and result.gaps == ()
    assert result.rules_met == result.rules_total == 4
    assert result.levels == 2 and result.current_contacts == 3


def test_no_contact_at_all_meets_no_rule():
    result = coverage([])
    assert [g.code for g in result.gaps] == [
        NO_CONTACTS,
        NO_DECISION_MAKER,
        NO_ECONOMIC_BUYER,
        NO_CHAMPION,
    ]
    assert result.rules_met == 0
    assert all(g.text for g in result.gaps)


def test_missing_roles_and_a_flat_org_chart_are_gaps():
    # given two users side by side, nobody above them
    people = [person(1, buying_role=USER), person(2, buying_role=USER)]
    assert codes(people) == [NO_DECISION_MAKER, NO_ECONOMIC_BUYER, NO_CHAMPION, SINGLE_LEVEL]
    assert coverage(people).rules_met == 0


def test_people_who_left_cover_nothing():
    # given the champion left
    people = full_team()
    people[2] = person(3, 1, buying_role=CHAMPION, attitude=SUPPORTER, current=False)
    # then the champion is a gap, and only one level of current contacts remains
    assert codes(people) == [NO_CHAMPION]
    people[1] = person(2, 1, buying_role=ECONOMIC_BUYER, current=False)
    assert codes(people) == [NO_ECONOMIC_BUYER, NO_CHAMPION, SINGLE_LEVEL]


def test_a_leaver_still_places_their_reports_one_level_down():
    # given the top person left; the remaining two are at levels 1 and 2
    people = [
        person(1, buying_role=DECISION_MAKER, current=False),
        person(2, 1, buying_role=DECISION_MAKER),
        person(3, 2, buying_role=ECONOMIC_BUYER),
        person(4, 2, buying_role=CHAMPION),
    ]
    result = coverage(people)
    assert result.complete and result.levels == 2


def test_a_champion_against_us_is_no_champion():
    people = full_team()
    people[2] = person(3, 1, buying_role=CHAMPION, attitude=OPPONENT)
    assert codes(people) == [NO_CHAMPION]
    assert [p.id for p in champions_lost(people)] == [3]


def test_champions_lost_lists_those_who_left_or_oppose_only():
    people = [
        person(1, buying_role=CHAMPION, attitude=SUPPORTER),
        person(2, buying_role=CHAMPION, current=False),
        person(3, buying_role=CHAMPION, attitude=OPPONENT),
        person(4, buying_role=DECISION_MAKER, attitude=OPPONENT),
    ]
    assert [p.id for p in champions_lost(people)] == [2, 3]


def test_the_codes_match_the_model_choices():
    # the Django models use the same values (checked here without a database)
    from kam.accounts.models import Attitude, BuyingRole

    assert tuple(BuyingRole.values) == BUYING_ROLES
    assert tuple(Attitude.values) == ATTITUDES
