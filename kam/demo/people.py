"""The demo's users: one of each role, six KAMs (one of them a team lead) and two GAMs.

All of them log in with :data:`DEMO_PASSWORD`. It is printed by ``kam demo`` and written
in the README: the demo data set is for trying kam out, never for production.
"""

from __future__ import annotations

from dataclasses import dataclass, field

DEMO_PASSWORD = "kam-demo-2026"


@dataclass(frozen=True)
class DemoUser:
    """One demo login and, for KAMs and GAMs, their manager profile."""

    username: str
    role: str  # a `kam user add --role` name: director, kam, gam, marketing, analyst
    first_name: str
    last_name: str
    capacity: int | None = None
    sectors: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    reports_to: str | None = None  # username of their team lead
    note: str = field(default="", compare=False)

    @property
    def is_manager(self) -> bool:
        return self.role in ("kam", "gam")


_LEAD = "claire.dubois"

DEMO_USERS: tuple[DemoUser, ...] = (
    DemoUser("director", "director", "Hélène", "Marchand", note="sales director, imports"),
    DemoUser("analyst", "analyst", "Thomas", "Petit", note="read-only, KPIs and API"),
    DemoUser("marketing", "marketing", "Inès", "Garnier", note="channels and campaigns"),
    DemoUser(
        _LEAD,
        "kam",
        "Claire",
        "Dubois",
        capacity=8,
        sectors=("Manufacturing", "Automotive"),
        languages=("fr", "en", "de"),
        countries=("FR", "DE"),
        note="KAM team lead",
    ),
    DemoUser(
        "julien.moreau",
        "kam",
        "Julien",
        "Moreau",
        capacity=10,
        sectors=("Food & Beverage", "Retail & Distribution"),
        languages=("fr", "en"),
        countries=("FR", "BE"),
        reports_to=_LEAD,
    ),
    DemoUser(
        "sarah.lambert",
        "kam",
        "Sarah",
        "Lambert",
        capacity=8,
        sectors=("Pharmaceuticals", "Energy & Utilities"),
        languages=("fr", "en"),
        countries=("FR", "CH"),
        reports_to=_LEAD,
    ),
    DemoUser(
        "nicolas.fabre",
        "kam",
        "Nicolas",
        "Fabre",
        capacity=10,
        sectors=("Construction", "Manufacturing"),
        languages=("fr", "es"),
        countries=("FR", "ES"),
        reports_to=_LEAD,
    ),
    DemoUser(
        "emma.roussel",
        "kam",
        "Emma",
        "Roussel",
        capacity=8,
        sectors=("Logistics & Transport", "Retail & Distribution"),
        languages=("fr", "en", "nl"),
        countries=("FR", "BE", "NL"),
    ),
    DemoUser(
        "lucas.giraud",
        "kam",
        "Lucas",
        "Giraud",
        capacity=8,
        sectors=("Energy & Utilities", "Construction", "Automotive"),
        languages=("fr", "it"),
        countries=("FR", "IT"),
    ),
    DemoUser(
        "sophie.keller",
        "gam",
        "Sophie",
        "Keller",
        capacity=9,
        sectors=("Manufacturing", "Automotive", "Pharmaceuticals", "Energy & Utilities"),
        languages=("fr", "en", "de"),
        countries=("FR", "DE", "CH", "GB", "US"),
        note="GAM",
    ),
    DemoUser(
        "marco.bianchi",
        "gam",
        "Marco",
        "Bianchi",
        capacity=9,
        sectors=(
            "Food & Beverage",
            "Retail & Distribution",
            "Logistics & Transport",
            "Construction",
        ),
        languages=("en", "it", "es", "fr"),
        countries=("IT", "ES", "GB", "NL", "US"),
        note="GAM",
    ),
)
