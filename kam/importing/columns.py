"""Canonical columns of each import and the headers (French and English) that mean them.

Headers are compared after normalisation (case, accents, spaces and punctuation ignored),
so "N° commande", "n_commande" and "NCOMMANDE" are the same header. ``--map
canonical=source`` names the source column of a canonical one for other layouts.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache

from kam.importing.i18n import _


@dataclass(frozen=True)
class ColumnSpec:
    """One canonical column: whether the import needs it, and the headers that mean it.
    ``fallback`` names another canonical column whose source serves when this one is
    absent (a sales file with only a category column uses it as the product)."""

    name: str
    required: bool
    aliases: tuple[str, ...]
    fallback: str | None = None


def _spec(name: str, required: bool, aliases: str, fallback: str | None = None) -> ColumnSpec:
    """A column spec whose aliases are written as one "a | b | c" text (easier to read)."""
    return ColumnSpec(name, required, tuple(a.strip() for a in aliases.split("|")), fallback)


SALES_COLUMNS: tuple[ColumnSpec, ...] = (
    _spec(
        "account_id",
        True,
        "account | account id | account external id | account code | account number | "
        "customer | customer id | customer code | customer number | client | code client | "
        "id client | client id | numero client | n° client | nº client | no client | "
        "num client | compte | code compte | id compte",
    ),
    _spec(
        "order_id",
        True,
        "order | order id | order number | order no | order ref | commande | n° commande | "
        "nº commande | no commande | num commande | numero commande | numero de commande | "
        "id commande | ref commande | invoice | invoice number | invoice id | facture | "
        "n° facture | nº facture | numero de facture | numero facture",
    ),
    _spec(
        "order_date",
        True,
        "date | order date | date de commande | date commande | invoice date | "
        "date de facture | date facture | date de livraison | delivery date",
    ),
    _spec(
        "product",
        True,
        "produit | article | sku | reference | ref | reference produit | product id | "
        "product code | product ref | code produit | code article | item | item code | "
        "ref produit | designation",
        fallback="category",
    ),
    _spec(
        "category",
        False,
        "categorie | category | product category | categorie produit | famille | "
        "famille produit | famille de produits | gamme | product family",
    ),
    _spec(
        "quantity",
        True,
        "quantite | qte | qty | quantity | quantite commandee | units | unites | volume",
    ),
    _spec(
        "amount",
        True,
        "montant | montant ht | montant net | montant net ht | ca | ca ht | "
        "chiffre d'affaires | chiffre d'affaires ht | revenue | amount | net amount | "
        "amount excl tax | sales | net sales | turnover | total ht | prix total",
    ),
    _spec(
        "margin", False, "marge | marge brute | marge ht | margin | gross margin | margin amount"
    ),
)

ACCOUNT_COLUMNS: tuple[ColumnSpec, ...] = (
    _spec(
        "external_id",
        True,
        "external id | id | account id | account | account code | account number | code | "
        "code client | id client | client id | customer id | customer code | numero client | "
        "n° client | nº client | no client | identifiant | identifiant client",
    ),
    _spec(
        "name",
        True,
        "name | nom | raison sociale | account name | company | company name | societe | "
        "entreprise | nom client | nom du client | customer name | denomination",
    ),
    _spec(
        "parent_id",
        False,
        "parent | parent id | parent group | parent account | group | group id | groupe | "
        "id groupe | code groupe | maison mere | societe mere | compte parent | tete de groupe",
    ),
    _spec("sector", False, "sector | secteur | secteur d'activite | industry | activite"),
    _spec(
        "country",
        False,
        "country | pays | country code | code pays | pays du siege | head office country",
    ),
    _spec(
        "countries_of_operation",
        False,
        "countries of operation | countries | operating countries | pays d'operation | "
        "pays d'activite | pays d'implantation | implantations | pays couverts",
    ),
    _spec(
        "employees",
        False,
        "employees | effectif | effectifs | headcount | nombre de salaries | salaries | staff | "
        "employes | nombre d'employes",
    ),
    _spec("market_share", False, "market share | part de marche | pdm | pdm % | part de marche %"),
    _spec(
        "spend_potential",
        False,
        "spend potential | potentiel | potentiel d'achat | potentiel annuel | "
        "potentiel d'achat annuel | potential | wallet | annual spend potential",
    ),
    _spec(
        "strategic_fit",
        False,
        "strategic fit | fit | adequation strategique | interet strategique | strategic | "
        "fit strategique",
    ),
    _spec("status", False, "status | statut | etat | state"),
)

# -- contacts (stakeholders of an account) --
CONTACT_COLUMNS: tuple[ColumnSpec, ...] = (
    _spec(
        "account_external_id",
        True,
        "account | account id | account code | account number | customer | customer id | "
        "customer code | client | code client | id client | client id | numero client | "
        "n° client | nº client | compte | code compte | id compte | societe | entreprise",
    ),
    _spec(
        "external_id",
        True,
        "external id | id | contact id | contact code | contact external id | code contact | "
        "id contact | identifiant | identifiant contact | numero contact | ref contact",
    ),
    _spec("first_name", False, "first name | firstname | given name | prenom"),
    _spec(
        "last_name",
        True,
        "last name | lastname | surname | family name | name | nom | nom de famille",
    ),
    _spec(
        "job_title",
        False,
        "job title | title | job | position | function | fonction | poste | intitule de poste | "
        "titre",
    ),
    _spec(
        "email",
        False,
        "email | e-mail | mail | email address | e-mail address | adresse email | "
        "adresse e-mail | adresse mail | courriel",
    ),
    _spec(
        "phone",
        False,
        "phone | telephone | tel | phone number | mobile | portable | numero de telephone",
    ),
    _spec(
        "buying_role",
        False,
        "buying role | role | role in the buying decision | decision role | role d'achat | "
        "role dans la decision | role dans la decision d'achat | role decisionnel",
    ),
    _spec("influence", False, "influence | influence level | niveau d'influence | poids"),
    _spec(
        "attitude",
        False,
        "attitude | attitude toward us | attitude towards us | stance | attitude envers nous | "
        "attitude vis-a-vis de nous | disposition",
    ),
    _spec(
        "reports_to_external_id",
        False,
        "reports to | reports to id | reports to external id | manager | manager id | boss | "
        "n+1 | superieur | superieur hierarchique | rattache a | responsable | id responsable",
    ),
    _spec(
        "do_not_mail",
        False,
        "do not mail | do not email | no mailing | opt out | opted out | unsubscribed | "
        "ne pas contacter | ne pas envoyer | pas de mailing | refus mailing | opposition mailing | "
        "desabonne | desinscrit",
    ),
    _spec(
        "left_on",
        False,
        "left on | left | left the company on | departure date | date left | date de depart | "
        "parti le | depart | date de sortie | sorti le",
    ),
)

# -- activities (engagement: interactions with accounts) --
ACTIVITY_COLUMNS: tuple[ColumnSpec, ...] = (
    _spec(
        "external_id",
        True,
        "external id | id | activity id | activity external id | activity | interaction id | "
        "id activite | identifiant | identifiant activite | code activite | ref activite",
    ),
    _spec(
        "account_external_id",
        True,
        "account | account id | account external id | account code | account number | "
        "customer | customer id | customer code | client | code client | id client | "
        "client id | numero client | n° client | nº client | compte | code compte | id compte",
    ),
    _spec(
        "channel",
        True,
        "channel | channel code | channel name | canal | code canal | canal de contact | "
        "media | type | activity type | type d'activite | type d'action | action",
    ),
    _spec(
        "date",
        True,
        "date | activity date | occurred on | contact date | date activite | date d'activite | "
        "date de l'action | date action | date de contact | date du contact",
    ),
    _spec(
        "subject",
        False,
        "subject | title | description | objet | sujet | titre | libelle | commentaire | "
        "comment | notes",
    ),
    _spec(
        "outcome",
        False,
        "outcome | result | status | resultat | issue | statut | suite | suite donnee | retour",
    ),
    _spec("cost", False, "cost | activity cost | cout | cout de l'action | depense | expense"),
    _spec(
        "order_amount",
        False,
        "order amount | amount | order value | revenue | montant | montant commande | "
        "montant de la commande | valeur commande | ca | chiffre d'affaires",
    ),
    _spec(
        "order_reference",
        False,
        "order reference | order | order id | order number | order ref | commande | "
        "n° commande | nº commande | no commande | numero commande | numero de commande | "
        "ref commande | reference commande",
    ),
    _spec(
        "contacts",
        False,
        "contacts | contact | contact ids | contact external ids | interlocuteurs | "
        "interlocuteur | participants | personnes",
    ),
)

_DUPLICATE_SUFFIX = re.compile(r"^(?P<base>.*)_duplicated_\d+$")


def normalise_header(header: str) -> str:
    """A header reduced to lowercase ASCII letters and digits: accents, case, spaces and
    punctuation do not matter ("N° Commande" and "no_commande" become "ncommande" and
    "nocommande"; "Nº" keeps its o)."""
    decomposed = unicodedata.normalize("NFKD", header)
    ascii_only = "".join(c for c in decomposed if not unicodedata.combining(c))
    return re.sub(r"[^a-z0-9]", "", ascii_only.lower())


@cache
def _alias_index(specs: tuple[ColumnSpec, ...]) -> dict[str, str]:
    """Normalised header -> canonical name, for one import's columns."""
    index: dict[str, str] = {}
    for spec in specs:
        for alias in (spec.name, *spec.aliases):
            key = normalise_header(alias)
            if index.setdefault(key, spec.name) != spec.name:  # a programming error
                raise ValueError(f"header {alias!r} means both {index[key]} and {spec.name}")
    return index


@dataclass(frozen=True)
class ColumnMatch:
    """Which source column (as named in the file) feeds each canonical column."""

    sources: dict[str, str]  # canonical name -> source column name in the frame
    headers: dict[str, str]  # canonical name -> header as the user wrote it
    problems: tuple[tuple[str | None, str], ...]  # (column, reason) of the whole file


def display_header(column: str, columns: list[str]) -> str:
    """The header as written in the file: Polars renames a repeated header "X" to
    "X_duplicated_0"; users know it as "X"."""
    found = _DUPLICATE_SUFFIX.match(column)
    if found and found["base"] in columns:
        return found["base"]
    return column


def match_columns(
    columns: list[str],
    specs: tuple[ColumnSpec, ...],
    column_map: dict[str, str] | None = None,
) -> ColumnMatch:
    """Find the source column of every canonical column, by ``column_map`` first, then by
    alias. Problems: an unknown canonical name or source column in the map, two source
    columns meaning the same canonical one, a required column missing."""
    index = _alias_index(specs)
    canonical = {s.name for s in specs}
    problems: list[tuple[str | None, str]] = []
    shown = {c: display_header(c, columns) for c in columns}
    position = {c: i + 1 for i, c in enumerate(columns)}
    sources: dict[str, str] = {}
    mapped_sources: set[str] = set()

    for target, source in (column_map or {}).items():
        if target not in canonical:
            problems.append(
                (
                    None,
                    _('--map names an unknown column "%(name)s"; known columns: %(known)s')
                    % {"name": target, "known": ", ".join(s.name for s in specs)},
                )
            )
            continue
        found = _find_source(source, columns)
        if found is None:
            problems.append(
                (
                    source,
                    _('--map %(target)s=%(source)s: the file has no column "%(source)s"')
                    % {"target": target, "source": source},
                )
            )
            continue
        sources[target] = found
        mapped_sources.add(found)

    candidates: dict[str, list[str]] = {}
    for column in columns:
        if column in mapped_sources:
            continue
        target_name = index.get(normalise_header(shown[column]))
        if target_name is not None and target_name not in sources:
            candidates.setdefault(target_name, []).append(column)
    for target, found_columns in candidates.items():
        if len(found_columns) > 1:
            names = _(" and ").join(
                f'"{shown[c]}" ({_("column")} {position[c]})' for c in found_columns
            )
            problems.append(
                (
                    shown[found_columns[0]],
                    _(
                        "ambiguous header: %(names)s both mean %(target)s; remove one or choose "
                        "with --map %(target)s=COLUMN"
                    )
                    % {"names": names, "target": target},
                )
            )
        else:
            sources[target] = found_columns[0]

    for spec in specs:
        if spec.name not in sources and spec.fallback and spec.fallback in sources:
            sources[spec.name] = sources[spec.fallback]
    for spec in specs:
        if spec.required and spec.name not in sources and spec.name not in candidates:
            examples = ", ".join(f'"{a}"' for a in spec.aliases[:4])
            problems.append(
                (
                    spec.name,
                    _(
                        "missing required column %(name)s (a header such as %(examples)s, or "
                        "--map %(name)s=COLUMN)"
                    )
                    % {"name": spec.name, "examples": examples},
                )
            )
    return ColumnMatch(
        sources=sources,
        headers={name: shown[source] for name, source in sources.items()},
        problems=tuple(problems),
    )


def _find_source(source: str, columns: list[str]) -> str | None:
    """A ``--map`` source: the exact header, else the one header equal once normalised."""
    if source in columns:
        return source
    wanted = normalise_header(source)
    same = [c for c in columns if normalise_header(c) == wanted]
    return same[0] if len(same) == 1 else None
