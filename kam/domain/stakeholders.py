"""The stakeholder map of an account: its contacts' org chart (who reports to whom) and
the coverage rules a key account should meet. No Django import.

Coverage rules: a key account should have, among the people still there, a decision
maker, an economic buyer and a champion who is not against us, and contacts at more
than one level of its org chart. The level of a contact is their depth in the
reports-to tree (0 for someone who reports to no known contact). People who left keep
their place in the tree (their reports are still one level below them) but cover
nothing: the rules only count current contacts.

The org chart never loops: the services refuse a reporting cycle (:func:`would_make_cycle`),
and should stored data hold one anyway, the layout breaks it at its smallest id.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

# Buying roles and attitudes: the values of kam.accounts.models.BuyingRole and Attitude.
DECISION_MAKER = "decision_maker"
ECONOMIC_BUYER = "economic_buyer"
INFLUENCER = "influencer"
CHAMPION = "champion"
USER = "user"
BLOCKER = "blocker"
BUYING_ROLES = (DECISION_MAKER, ECONOMIC_BUYER, INFLUENCER, CHAMPION, USER, BLOCKER)
SUPPORTER = "supporter"
NEUTRAL = "neutral"
OPPONENT = "opponent"
ATTITUDES = (SUPPORTER, NEUTRAL, OPPONENT)


def _(text: str) -> str:
    """Marks a text for translation (``makemessages`` finds it); the Django layer shows it
    in the active language with ``gettext(gap.text)``."""
    return text


# Gap codes, in the order they are listed.
NO_CONTACTS = "no_contacts"
NO_DECISION_MAKER = "no_decision_maker"
NO_ECONOMIC_BUYER = "no_economic_buyer"
NO_CHAMPION = "no_champion"
SINGLE_LEVEL = "single_level"
GAP_TEXTS: dict[str, str] = {
    NO_CONTACTS: _("No current contact: nobody is known at this account."),
    NO_DECISION_MAKER: _("No decision maker identified among current contacts."),
    NO_ECONOMIC_BUYER: _("No economic buyer identified among current contacts."),
    NO_CHAMPION: _("No champion / sponsor who supports us among current contacts."),
    SINGLE_LEVEL: _("All current contacts sit at one level of the org chart."),
}
COVERAGE_RULES = 4  # decision maker, economic buyer, champion, more than one level


@dataclass(frozen=True)
class Stakeholder:
    """One contact as the map sees it. ``reports_to`` is another stakeholder's id (or an
    id not in the list, which makes this one a root: an orphan)."""

    id: int
    name: str
    buying_role: str = ""
    influence: int | None = None
    attitude: str = NEUTRAL
    reports_to: int | None = None
    current: bool = True
    job_title: str = ""


@dataclass(frozen=True)
class OrgNode:
    """A stakeholder in the org chart, at ``level`` (0 = top), with their reports."""

    person: Stakeholder
    level: int
    children: tuple[OrgNode, ...] = ()

    def walk(self) -> Iterable[OrgNode]:
        """This node and every node below it, depth first, in display order."""
        yield self
        for child in self.children:
            yield from child.walk()


@dataclass(frozen=True)
class CoverageGap:
    """One coverage rule the account does not meet: a stable code and an English text
    (marked for translation)."""

    code: str
    text: str


@dataclass(frozen=True)
class Coverage:
    """Which coverage rules an account meets: ``gaps`` lists the unmet ones."""

    gaps: tuple[CoverageGap, ...]
    rules_met: int
    levels: int  # distinct org-chart levels of the current contacts
    current_contacts: int
    roles: Mapping[str, int] = field(default_factory=dict)  # current contacts per role
    rules_total: int = COVERAGE_RULES

    @property
    def complete(self) -> bool:
        return not self.gaps


def _gap(code: str) -> CoverageGap:
    return CoverageGap(code, GAP_TEXTS[code])


# -- the tree ------------------------------------------------------------------------------


def _display_order(person: Stakeholder) -> tuple[int, str, int]:
    """Most influential first, then by name: the people who matter are read first."""
    return (-(person.influence or 0), person.name.casefold(), person.id)


def _bosses(people: Mapping[int, Stakeholder]) -> dict[int, int | None]:
    """Each person's boss among ``people``; an unknown boss (or oneself) is none."""
    bosses: dict[int, int | None] = {}
    for pid, person in people.items():
        boss = person.reports_to
        bosses[pid] = boss if boss is not None and boss in people and boss != pid else None
    return bosses


def _break_cycles(bosses: dict[int, int | None]) -> dict[int, int | None]:
    """``bosses`` with each reporting cycle cut at its smallest id (which becomes a root).
    Stored data never has a cycle; this only guarantees that the layout terminates."""
    result = dict(bosses)
    settled: set[int] = set()  # people whose chain is known to reach a root
    for start in sorted(result):
        path: list[int] = []
        on_path: set[int] = set()
        node: int | None = start
        while node is not None and node not in settled and node not in on_path:
            path.append(node)
            on_path.add(node)
            node = result[node]
        if node is not None and node in on_path:  # a cycle: from node back to node
            cycle = path[path.index(node) :]
            result[min(cycle)] = None
        settled.update(path)
    return result


def org_chart(people: Iterable[Stakeholder], *, include_left: bool = True) -> tuple[OrgNode, ...]:
    """The org chart as trees, roots and children in display order (most influential
    first). With ``include_left`` false, people who left are dropped and their reports
    move up to the nearest current boss; levels are then those of the reduced tree."""
    everyone = {p.id: p for p in people}
    bosses = _break_cycles(_bosses(everyone))
    if not include_left:
        bosses = _skip_left(everyone, bosses)
        everyone = {pid: p for pid, p in everyone.items() if p.current}
    children: dict[int | None, list[Stakeholder]] = {}
    for pid, person in everyone.items():
        children.setdefault(bosses[pid], []).append(person)

    def build(person: Stakeholder, level: int) -> OrgNode:
        below = sorted(children.get(person.id, []), key=_display_order)
        return OrgNode(person, level, tuple(build(c, level + 1) for c in below))

    return tuple(build(p, 0) for p in sorted(children.get(None, []), key=_display_order))


def _skip_left(
    everyone: Mapping[int, Stakeholder], bosses: Mapping[int, int | None]
) -> dict[int, int | None]:
    """Each current person's nearest boss who is still there (bosses has no cycle)."""
    result: dict[int, int | None] = {}
    for pid, person in everyone.items():
        if not person.current:
            continue
        boss = bosses[pid]
        while boss is not None and not everyone[boss].current:
            boss = bosses[boss]
        result[pid] = boss
    return result


def org_levels(people: Iterable[Stakeholder]) -> dict[int, int]:
    """Each stakeholder's level (depth in the full reports-to tree, 0 = top)."""
    return {node.person.id: node.level for root in org_chart(people) for node in root.walk()}


def would_make_cycle(reports_to: Mapping[int, int | None], person: int, boss: int | None) -> bool:
    """Whether making ``person`` report to ``boss`` closes a reporting cycle, given the
    current links ``reports_to`` (id -> boss id). Reporting to oneself is a cycle."""
    seen: set[int] = set()
    node = boss
    while node is not None and node not in seen:
        if node == person:
            return True
        seen.add(node)
        node = reports_to.get(node)
    return False


# -- coverage ------------------------------------------------------------------------------


def coverage(people: Iterable[Stakeholder]) -> Coverage:
    """The coverage rules the account meets and the gaps, from all its contacts (people
    who left count for the levels of the others, never as coverage themselves)."""
    everyone = list(people)
    levels = org_levels(everyone)
    current = [p for p in everyone if p.current]
    roles: dict[str, int] = {}
    for person in current:
        if person.buying_role:
            roles[person.buying_role] = roles.get(person.buying_role, 0) + 1
    champions = [p for p in current if p.buying_role == CHAMPION and p.attitude != OPPONENT]
    distinct_levels = len({levels[p.id] for p in current})
    unmet = [
        code
        for code, met in (
            (NO_DECISION_MAKER, bool(roles.get(DECISION_MAKER))),
            (NO_ECONOMIC_BUYER, bool(roles.get(ECONOMIC_BUYER))),
            (NO_CHAMPION, bool(champions)),
            (SINGLE_LEVEL, distinct_levels >= 2),
        )
        if not met
    ]
    if not current:  # the levels rule is unmet too: "nobody known" says it better
        unmet = [NO_CONTACTS, *unmet[:-1]]
    return Coverage(
        gaps=tuple(_gap(code) for code in unmet),
        rules_met=COVERAGE_RULES - len(unmet),
        levels=distinct_levels,
        current_contacts=len(current),
        roles=roles,
    )


def champions_lost(people: Iterable[Stakeholder]) -> list[Stakeholder]:
    """Champions who left or are marked opponent: what the "champion lost" alert reads."""
    return [
        p for p in people if p.buying_role == CHAMPION and (not p.current or p.attitude == OPPONENT)
    ]
