"""The fixed vocabulary of the demo data set: sectors, countries, name parts, products.

Everything here is invented or generic (no external data): company names are built from
syllables, products are the kind of things an industrial supplies-and-services company
sells to other companies. Changing anything here changes the generated data: bump
``kam.demo.generate.GENERATOR_VERSION`` with it.
"""

from __future__ import annotations

from dataclasses import dataclass


def _words(text: str) -> tuple[str, ...]:
    """The space-separated words of ``text`` (keeps long word lists compact)."""
    return tuple(text.split())


# -- sectors ------------------------------------------------------------------------------

SECTORS: tuple[str, ...] = (
    "Manufacturing",
    "Automotive",
    "Food & Beverage",
    "Pharmaceuticals",
    "Construction",
    "Energy & Utilities",
    "Logistics & Transport",
    "Retail & Distribution",
)
SECTOR_WEIGHTS = (0.20, 0.10, 0.15, 0.08, 0.13, 0.08, 0.12, 0.14)

# A word a company of that sector often carries in its name ("Veltron Logistics").
SECTOR_WORDS: tuple[tuple[str, ...], ...] = (
    ("Industries", "Technologies", "Mechanics", "Systems"),
    ("Automotive", "Motors", "Mobility", "Auto Parts"),
    ("Foods", "Farms", "Beverages", "Dairy"),
    ("Pharma", "Labs", "Biosciences", "Health"),
    ("Construction", "Building", "Structures", "Works"),
    ("Energy", "Power", "Utilities", "Renewables"),
    ("Logistics", "Freight", "Transport", "Shipping"),
    ("Retail", "Distribution", "Stores", "Trading"),
)


# -- countries ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Country:
    """A country where demo accounts are based: how companies there are named."""

    code: str
    weight: float  # share of head offices
    abroad: float  # share of the subsidiaries that groups open abroad
    legal_forms: tuple[str, ...]
    local_name: str  # "Veltron Deutschland GmbH"
    cities: tuple[str, ...]  # "Veltron München GmbH" (a local branch)


# Mostly French customers (the seed's company is French), with a European tail and a few
# North American ones; groups open subsidiaries mostly in the big neighbouring countries.
COUNTRIES: tuple[Country, ...] = (
    Country(
        "FR",
        0.55,
        0.12,
        ("SAS", "SA", "SARL"),
        "France",
        _words("Lyon Lille Nantes Toulouse Bordeaux Strasbourg Rennes"),
    ),
    Country(
        "DE",
        0.09,
        0.18,
        ("GmbH", "AG"),
        "Deutschland",
        _words("München Hamburg Köln Stuttgart Frankfurt Leipzig"),
    ),
    Country(
        "ES",
        0.06,
        0.12,
        ("S.L.", "S.A."),
        "España",
        _words("Madrid Barcelona Valencia Sevilla Bilbao"),
    ),
    Country(
        "IT",
        0.06,
        0.11,
        ("S.p.A.", "S.r.l."),
        "Italia",
        _words("Milano Torino Bologna Verona Napoli"),
    ),
    Country("BE", 0.06, 0.10, ("NV", "SA"), "Belgium", _words("Antwerpen Liège Gent Charleroi")),
    Country("GB", 0.05, 0.11, ("Ltd", "plc"), "UK", _words("Manchester Birmingham Leeds Bristol")),
    Country(
        "NL",
        0.04,
        0.08,
        ("B.V.", "N.V."),
        "Nederland",
        _words("Rotterdam Eindhoven Utrecht Groningen"),
    ),
    Country("US", 0.04, 0.08, ("Inc.", "LLC"), "USA", _words("Chicago Houston Atlanta Detroit")),
    Country("CH", 0.03, 0.05, ("AG", "SA"), "Schweiz", _words("Zürich Genève Basel Lausanne")),
    Country("PL", 0.01, 0.03, ("Sp. z o.o.",), "Polska", _words("Warszawa Kraków")),
    Country("SE", 0.005, 0.01, ("AB",), "Sverige", _words("Göteborg Malmö")),
    Country("PT", 0.005, 0.01, ("Lda", "S.A."), "Portugal", _words("Porto Lisboa")),
)

# -- company names ------------------------------------------------------------------------


NAME_STARTS = _words(
    "Al Bel Cor Del Ev Fal Gal Hel Ival Jor Kal Lum Mar Nor Om Pra Quan Ros Sol Tal "
    "Ul Val Ver Xan Zel Ar Bra Cal Dor Fer Gra Lor Mon Nex Or Pol Sar Tor Vol Ast"
)
NAME_MIDDLES = ("", "", "", *_words("a e i o an er in or ra"))
NAME_ENDS = _words(
    "tec tron via nis lix dor max gen ris nova line par tek vis ton "
    "mond dis sys por con ium ex on is ar eo ent ik ia el"
)
# Family businesses ("Moreau & Fils", "Weber Logistics").
SURNAMES = _words(
    "Martin Bernard Dubois Lefèvre Moreau Laurent Girard Roux "
    "Fournier Morel Schmidt Weber Rossi García Janssens Müller"
)

# -- products -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Category:
    """A product category of the demo supplier, with its list prices and gross margin."""

    name: str
    margin_rate: float  # gross margin at list price
    products: tuple[tuple[str, float], ...]  # (product name, unit list price)


CATEGORIES: tuple[Category, ...] = (
    Category(
        "Maintenance supplies",
        0.35,
        (
            ("Industrial lubricant 5 L", 42.0),
            ("Bearing set", 126.0),
            ("V-belt", 17.5),
            ("Degreaser 20 L", 68.0),
            ("Filter cartridge", 34.0),
            ("Sealant kit", 27.0),
            ("Fastener assortment", 49.0),
        ),
    ),
    Category(
        "Hydraulics & pneumatics",
        0.33,
        (
            ("Hydraulic hose 1 m", 29.0),
            ("Pneumatic cylinder", 145.0),
            ("Solenoid valve", 118.0),
            ("Quick coupling set", 36.0),
            ("Pressure regulator", 87.0),
            ("Compressor service kit", 240.0),
        ),
    ),
    Category(
        "Tools",
        0.27,
        (
            ("Cordless drill", 219.0),
            ("Torque wrench", 164.0),
            ("Tool trolley", 690.0),
            ("Drill bit set", 58.0),
            ("Angle grinder", 149.0),
            ("Hand tool kit", 275.0),
        ),
    ),
    Category(
        "Safety equipment",
        0.38,
        (
            ("Nitrile gloves (box of 100)", 12.5),
            ("Safety helmet", 18.0),
            ("Hi-vis vest", 6.5),
            ("Safety shoes S3", 79.0),
            ("Ear defenders", 22.0),
            ("Safety goggles", 9.8),
            ("First-aid kit", 54.0),
        ),
    ),
    Category(
        "Electrical components",
        0.30,
        (
            ("Circuit breaker 16 A", 23.0),
            ("Cable 3G2.5 (100 m)", 96.0),
            ("LED panel 60x60", 58.0),
            ("Contactor 25 A", 71.0),
            ("Terminal blocks (50)", 31.0),
            ("Industrial socket", 44.0),
            ("Motor starter", 189.0),
        ),
    ),
    Category(
        "Packaging",
        0.28,
        (
            ("Corrugated boxes (50)", 38.0),
            ("Stretch film roll", 24.5),
            ("Void fill paper", 45.0),
            ("Shipping labels (1000)", 19.9),
            ("Strapping kit", 89.0),
            ("Bubble wrap roll", 32.0),
            ("Pallet covers (100)", 61.0),
        ),
    ),
    Category(
        "Cleaning & hygiene",
        0.40,
        (
            ("Hand soap 5 L", 14.0),
            ("Paper towel rolls (6)", 21.0),
            ("Floor cleaner 10 L", 33.0),
            ("Wiping cloths (box)", 27.0),
            ("Disinfectant spray (12)", 46.0),
        ),
    ),
    Category(
        "Services",
        0.45,
        (
            ("Preventive maintenance visit", 850.0),
            ("Installation day", 1200.0),
            ("Safety training session", 1450.0),
            ("Calibration service", 380.0),
            ("Equipment rental (week)", 520.0),
            ("Technical audit", 2400.0),
        ),
    ),
)

# The category each sector buys most (index in CATEGORIES): an account's purchases
# cluster around it, so product breadth and mix differ by sector.
SECTOR_MAIN_CATEGORY: tuple[int, ...] = (0, 1, 5, 6, 3, 4, 5, 5)

# Relative monthly activity, January first: quarter ends are busy, August is not.
SEASONALITY = (0.92, 1.00, 1.12, 1.00, 0.97, 1.10, 0.88, 0.55, 1.08, 1.06, 1.10, 0.90)

# Lines per order: 1 to 5, small orders more frequent.
ORDER_SIZE_WEIGHTS = (0.35, 0.25, 0.18, 0.12, 0.10)
