"""The local offer of the three pilot libraries (DOMAIN.md (g) "Local offer per library").

Idempotent: each offer is found by library and name and brought up to date.
"""

from __future__ import annotations

from balie.desk.models import Need, Offer, OfferKind
from balie.orgs.models import Organisation, User

LIBRARIES = ["helmond-peel", "markiezaat", "hilversum"]

# (kind, name, schedule, needs, at the main branch, takes appointments, owner's e-mail name,
#  description). "{place}" is the main branch's place.
OFFERS = [
    (
        OfferKind.TAALCAFE,
        "Taalcafé {place}",
        "elke woensdag om 14:00",
        [Need.LANGUAGE],
        True,
        False,
        "anouk",
        "Samen Nederlands praten, in een kleine groep met een vrijwilliger. **Gratis**, "
        "zonder aanmelden. Zeg: *kom gerust een keer kijken, er is koffie.*",
    ),
    (
        OfferKind.INTAKE,
        "Taalhuis-inloopspreekuur",
        "dinsdag 10:00–12:00",
        [Need.LANGUAGE, Need.READING, Need.LETTER, Need.JOB],
        True,
        True,
        "anouk",
        "Een gesprek met de Taalhuis-coördinator: wat wil iemand leren, en wat past? "
        "Loop warm mee, of maak een afspraak in een vrije tijd.",
    ),
    (
        OfferKind.IDO,
        "Informatiepunt Digitale Overheid (IDO)",
        "elke middag",
        [Need.DIGID, Need.LETTER, Need.MONEY],
        False,
        False,
        "",
        "Hulp bij DigiD, toeslagen, belastingen en andere zaken van de overheid. "
        "Gratis en zonder afspraak.",
    ),
    (
        OfferKind.KLIK_TIK,
        "Klik & Tik",
        "6 bijeenkomsten",
        [Need.COMPUTER, Need.DIGID, Need.JOB],
        True,
        False,
        "ruud",
        "Voor wie net begint met de computer: muis, toetsenbord, internet en e-mail.",
    ),
    (
        OfferKind.DIGISTERKER,
        "Digisterker: werken met de e-overheid",
        "4 × 2 uur, maximaal 8 deelnemers",
        [Need.DIGID, Need.COMPUTER],
        True,
        False,
        "ruud",
        "Cursus over DigiD en websites van de overheid. Eerst een kort intakegesprek.",
    ),
    (
        OfferKind.BOEKSTART,
        "BoekStart-voorleesmoment",
        "elke maand",
        [Need.CHILD],
        True,
        False,
        "ilse",
        "Voorlezen voor baby's en peuters met hun ouders. Geef het BoekStartkoffertje mee.",
    ),
    (
        OfferKind.TAALMAATJE,
        "Taalmaatje",
        "wachttijd 4 tot 10 weken",
        [Need.LANGUAGE, Need.READING],
        False,
        False,
        "anouk",
        "Een vrijwilliger oefent één keer per week met iemand, een half jaar lang. "
        "Aanmelden gaat via het Taalhuis.",
    ),
    (
        OfferKind.MATERIALS,
        "Makkelijk lezen-plein",
        "tijdens openingstijden",
        [Need.READING, Need.LANGUAGE, Need.CHILD],
        True,
        False,
        "",
        "Boeken in eenvoudige taal en oefenmateriaal van het Taalhuis, om mee te nemen.",
    ),
    (
        OfferKind.PARTNER,
        "Geld- en belastingspreekuur",
        "met een partner, op afspraak",
        [Need.MONEY, Need.LETTER],
        False,
        False,
        "",
        "Vrijwilligers van een welzijnspartner helpen met geldzaken, post en de belastingaangifte.",
    ),
]


def load_desk_offers_demo() -> None:
    for slug in LIBRARIES:
        library = Organisation.objects.filter(slug=slug, kind=Organisation.Kind.LIBRARY).first()
        if library is None:
            continue
        main = library.children.filter(kind=Organisation.Kind.BRANCH).order_by("pk").first()
        place = (main.place or main.name) if main else library.place
        for position, (
            kind,
            name,
            schedule,
            needs,
            at_main,
            appointments,
            owner,
            text,
        ) in enumerate(OFFERS, start=1):
            colleague = (
                User.objects.filter(
                    email=f"{owner}@{slug}.example", memberships__organisation=library
                ).first()
                if owner
                else None
            )
            Offer.objects.update_or_create(
                library=library,
                name=name.format(place=place),
                defaults={
                    "kind": kind,
                    "schedule": schedule,
                    "needs": [str(n) for n in needs],
                    "branch": main if at_main else None,
                    "takes_appointments": appointments,
                    "owner": colleague,
                    "description": text,
                    "position": position,
                },
            )
