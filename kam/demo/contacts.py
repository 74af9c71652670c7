"""The demo's contacts: the stakeholders of the larger accounts, with their org charts.

Key-ish accounts (the top quarter by trailing-12-month revenue, up to a bound) get 3 to 8
contacts: a managing director on top (the decision maker), directors below (usually the
CFO as economic buyer), and buyers, engineers and managers further down, one of them
often the champion. Other accounts (the next largest, up to a bound) get one or two
contacts. About 5 % refuse mailings and a few have left the company.

Some accounts are built for the stories kam tells about them (the largest first):
the first key account is fully covered; the second's champion left; the third's champion
turned opponent; the fourth has no economic buyer. Deterministic: the same spec gives the
same contacts. The generator is Django-free; :func:`demo_contacts` stores the frame
through the contacts import, like anyone's file.
"""

from __future__ import annotations

import unicodedata
import zlib
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

import numpy as np
import polars as pl

from kam.demo.assign import key_accounts_by_revenue

if TYPE_CHECKING:
    from kam.demo.generate import DemoData
    from kam.importing.report import ImportResult

KEY_SHARE = 0.25
MAX_KEY_ACCOUNTS = 2000
MAX_OTHER_ACCOUNTS = 1000
DO_NOT_MAIL_RATE = 0.05
LEFT_RATE = 0.04
CONTACT_COLUMNS = (
    "account_external_id",
    "external_id",
    "first_name",
    "last_name",
    "job_title",
    "email",
    "phone",
    "buying_role",
    "influence",
    "attitude",
    "reports_to_external_id",
    "do_not_mail",
    "left_on",
)


def _names(text: str) -> tuple[str, ...]:
    """Names written as one space-separated text (easier to read)."""
    return tuple(text.split())


FIRST_NAMES = _names(
    "Camille Julie Sophie Claire Nathalie Isabelle Émilie Léa Anne Sandrine Marie Laura "
    "Nicolas Thomas Julien Pierre Antoine Laurent Olivier Marc Stéphane Hugo Vincent David "
    "Anna Sabine Katrin Giulia Elena Sarah Jan Lukas Marco Pablo Jonas Peter"
)
LAST_NAMES = _names(
    "Martin Bernard Durand Lefèvre Moreau Simon Laurent Michel Garcia David Bertrand Roux "
    "Vincent Fournier Morel Girard André Mercier Dupont Lambert Bonnet François Legrand "
    "Faure Rousseau Blanc Guérin Muller Henry Roussel Perrin Morin Mathieu Clément Gauthier "
    "Schneider Fischer Weber Wagner Becker Rossi Russo Ferrari Esposito Bianchi Romano "
    "Fernández López Martínez Sánchez Janssen Visser Smith Johnson Brown"
)


@dataclass(frozen=True)
class Position:
    """A job in a customer's org chart: its titles, level and usual buying role."""

    title_fr: str
    title_en: str
    level: int
    roles: tuple[str, ...]  # drawn from, in proportion
    influence: tuple[int, int]  # lowest, highest


TOP = Position("Directeur général", "Managing Director", 0, ("decision_maker",), (4, 5))
DIRECTORS = (
    Position("Directeur financier", "Chief Financial Officer", 1, ("economic_buyer",), (4, 5)),
    Position(
        "Directeur des achats", "Purchasing Director", 1, ("economic_buyer", "influencer"), (3, 5)
    ),
    Position(
        "Directeur des opérations", "Operations Director", 1, ("influencer", "champion"), (3, 4)
    ),
    Position("Directeur technique", "Technical Director", 1, ("influencer", "blocker"), (3, 4)),
)
STAFF = (
    Position("Acheteur", "Buyer", 2, ("user", "influencer", ""), (1, 3)),
    Position("Responsable maintenance", "Maintenance Manager", 2, ("user", "champion"), (2, 3)),
    Position("Chef de projet", "Project Manager", 2, ("champion", "influencer", "user"), (2, 3)),
    Position("Ingénieur méthodes", "Process Engineer", 2, ("user", ""), (1, 2)),
    Position(
        "Responsable qualité", "Quality Manager", 2, ("blocker", "influencer", "user"), (2, 3)
    ),
    Position("Contrôleur de gestion", "Financial Controller", 2, ("influencer", ""), (1, 3)),
)
SMALL_ACCOUNT = (
    Position("Acheteur", "Buyer", 0, ("economic_buyer", "user", ""), (2, 4)),
    Position("Gérant", "Owner-manager", 0, ("decision_maker",), (4, 5)),
)


def contacts_draw(rng: np.random.Generator, data: DemoData) -> pl.DataFrame:
    """The demo's contacts as a frame with the canonical columns of the contacts import."""
    _, period_end = data.period
    key = key_accounts_by_revenue(
        data.accounts, data.sales, period_end=period_end, share=KEY_SHARE
    ).head(MAX_KEY_ACCOUNTS)
    key_ids = key["external_id"].to_list()
    others = _other_accounts(data, period_end, exclude=key_ids)
    countries = dict(data.accounts.select("external_id", "country").iter_rows())
    names = dict(data.accounts.select("external_id", "name").iter_rows())
    rows: list[dict[str, object]] = []
    for rank, account in enumerate(key_ids):
        people = _key_account(rng, account, countries.get(account) or "", rank)
        rows += _finish(rng, people, names[account], data.spec.as_of)
    for account in others:
        people = _small_account(rng, account, countries.get(account) or "")
        rows += _finish(rng, people, names[account], data.spec.as_of)
    return pl.DataFrame(
        rows,
        schema={
            **{c: pl.String for c in CONTACT_COLUMNS},
            "influence": pl.Int64,
            "do_not_mail": pl.Boolean,
            "left_on": pl.Date,
        },
        orient="row",
    ).select(CONTACT_COLUMNS)


def _other_accounts(data: DemoData, period_end: date, *, exclude: list[str]) -> list[str]:
    """The accounts after the key ones, largest first (all bought or not), up to a bound."""
    ranked = key_accounts_by_revenue(data.accounts, data.sales, period_end=period_end, share=1.0)
    excluded = set(exclude)
    chosen = [a for a in ranked["external_id"].to_list() if a not in excluded]
    return chosen[:MAX_OTHER_ACCOUNTS]


def _draw(rng: np.random.Generator, options: tuple[str, ...]) -> str:
    return options[int(rng.integers(len(options)))]


def _person(
    rng: np.random.Generator, account: str, index: int, position: Position, french: bool
) -> dict[str, object]:
    low, high = position.influence
    return {
        "account_external_id": account,
        "external_id": f"{account}-C{index + 1:02d}",
        "first_name": _draw(rng, FIRST_NAMES),
        "last_name": _draw(rng, LAST_NAMES),
        "job_title": position.title_fr if french else position.title_en,
        "buying_role": _draw(rng, position.roles),
        "influence": int(rng.integers(low, high + 1)),
        "reports_to_external_id": None,
    }


def _key_account(
    rng: np.random.Generator, account: str, country: str, rank: int
) -> list[dict[str, object]]:
    """3 to 8 people over three levels; the largest accounts get their stories."""
    french = country == "FR"
    size = int(rng.integers(3, 9))
    directors_count = min(size - 1, int(rng.integers(1, 4)))
    order = rng.permutation(len(DIRECTORS))
    if rank == 0 or rng.random() < 0.8:  # usually the CFO is there, as economic buyer
        order = np.concatenate([[0], order[order != 0]])
    people = [_person(rng, account, 0, TOP, french)]
    directors = [DIRECTORS[int(i)] for i in order[:directors_count]]
    for position in directors:
        person = _person(rng, account, len(people), position, french)
        person["reports_to_external_id"] = people[0]["external_id"]
        people.append(person)
    bosses = people[1:] or people[:1]
    for _ in range(size - len(people)):
        person = _person(rng, account, len(people), _draw_position(rng), french)
        person["reports_to_external_id"] = bosses[int(rng.integers(len(bosses)))]["external_id"]
        people.append(person)
    if rank == 0:  # the showcase: fully covered, and nobody leaves
        people[1]["buying_role"] = "economic_buyer"
        for person in people:
            person["stays"] = True
    champion = _champion(rng, people, always=rank < 3)
    if rank == 1 and champion is not None:  # the champion left
        champion["left_on_days"] = 40
    elif rank == 2 and champion is not None:  # the champion turned against us
        champion["attitude"] = "opponent"
    elif rank == 3:  # nobody holds the budget
        for person in people:
            if person["buying_role"] == "economic_buyer":
                person["buying_role"] = "influencer"
    return people


def _draw_position(rng: np.random.Generator) -> Position:
    return STAFF[int(rng.integers(len(STAFF)))]


def _champion(
    rng: np.random.Generator, people: list[dict[str, object]], *, always: bool
) -> dict[str, object] | None:
    """One champion below the top (most accounts have one), a supporter, chosen among
    those who do not hold the budget; others drawn as champions become influencers."""
    below = people[1:]
    for person in below:
        if person["buying_role"] == "champion":
            person["buying_role"] = "influencer"
    candidates = [p for p in below if p["buying_role"] != "economic_buyer"] or below
    if not candidates or not (always or rng.random() < 0.8):
        return None
    champion = candidates[int(rng.integers(len(candidates)))]
    champion["buying_role"] = "champion"
    champion["attitude"] = "supporter"
    return champion


def _small_account(rng: np.random.Generator, account: str, country: str) -> list[dict[str, object]]:
    french = country == "FR"
    people = [_person(rng, account, 0, SMALL_ACCOUNT[0], french)]
    if rng.random() < 0.5:
        boss = _person(rng, account, 1, SMALL_ACCOUNT[1], french)
        people[0]["reports_to_external_id"] = boss["external_id"]
        people.append(boss)
    return people


def _finish(
    rng: np.random.Generator, people: list[dict[str, object]], account_name: str, as_of: date
) -> list[dict[str, object]]:
    """Attitudes, e-mails, phones, consent and departures; the rows of the frame."""
    domain = _ascii(account_name).lower()
    domain = "".join(c for c in domain if c.isalnum())[:30] or "customer"
    rows = []
    for person in people:
        attitude = person.get("attitude") or str(
            rng.choice(["supporter", "neutral", "opponent"], p=[0.35, 0.5, 0.15])
        )
        if person["buying_role"] == "blocker" and rng.random() < 0.6:
            attitude = "opponent"
        story = person.get("left_on_days")  # the story of the second key account
        left_days = story if isinstance(story, int) else None
        may_leave = not person.get("stays") and person["buying_role"] != "decision_maker"
        if left_days is None and rng.random() < LEFT_RATE and may_leave:
            left_days = int(rng.integers(10, 365))
        first, last = str(person["first_name"]), str(person["last_name"])
        email = f"{_ascii(first)}.{_ascii(last)}".lower().replace(" ", "-")
        rows.append(
            {
                "account_external_id": person["account_external_id"],
                "external_id": person["external_id"],
                "first_name": first,
                "last_name": last,
                "job_title": person["job_title"],
                "email": f"{email}@{domain}.example",
                "phone": f"+33 1 {int(rng.integers(10, 100))} {int(rng.integers(10, 100))} "
                f"{int(rng.integers(10, 100))} {int(rng.integers(10, 100))}"
                if rng.random() < 0.7
                else None,
                "buying_role": person["buying_role"] or None,
                "influence": person["influence"],
                "attitude": attitude,
                "reports_to_external_id": person["reports_to_external_id"],
                "do_not_mail": bool(rng.random() < DO_NOT_MAIL_RATE),
                "left_on": None if left_days is None else as_of - timedelta(days=left_days),
            }
        )
    return rows


def _ascii(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c) and c.isascii())


def demo_contacts(data: DemoData) -> ImportResult:
    """Generate the demo's contacts and store them through the contacts import (as kam
    itself). Their own random stream: the accounts and sales do not change with them."""
    from kam.accounts.contacts.imports import contacts_import_frame

    rng = np.random.Generator(
        np.random.PCG64(np.random.SeedSequence([data.spec.seed, zlib.crc32(b"contacts")]))
    )
    spec = data.spec
    return contacts_import_frame(
        frame=contacts_draw(rng, data),
        source_name=f"kam demo (seed {spec.seed}, as of {spec.as_of.isoformat()}): contacts",
        user=None,
    )
