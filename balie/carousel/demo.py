"""Demo carousels at Helmond-Peel: two held, one coming (topics as in DOMAIN.md)."""

from __future__ import annotations

from datetime import time, timedelta

from django.utils import timezone

from balie.carousel import actions
from balie.carousel.models import CarouselEvent
from balie.orgs.models import Organisation, User

ROUNDS = [(time(19, 0), time(19, 25)), (time(19, 30), time(19, 55)), (time(20, 5), time(20, 30))]
EVENTS = [
    (
        -250,
        "Kenniscarrousel voorjaar",
        [
            ("Nieuwe digitale ontwikkelingen: DigiD-app en Digisterker", "ruud"),
            ("Partners in het sociaal domein: LEVgroep en schuldhulp", "ilse"),
            ("Het Informatiepunt Digitale Overheid", "anouk"),
        ],
    ),
    (
        -70,
        "Kenniscarrousel najaar",
        [
            ("Het Taalhuis: intake, taalmaatje en taalcafé", "anouk"),
            ("Persona's: wie komt er aan de balie?", "ruud"),
            ("BoekStart in de kinderopvang", "ilse"),
        ],
    ),
    (
        40,
        "Kenniscarrousel voorjaar",
        [
            ("Digitaal Hulpplein en Klik & Tik", "ruud"),
            ("Warm doorverwijzen: oefenen met een collega", "anouk"),
            ("De Bibliotheek op school: de monitor", "ilse"),
        ],
    ),
]
PARTICIPANTS = ["marieke", "jeroen", "fatma", "bas", "linda"]


def person(name: str) -> User | None:
    return User.objects.filter(email=f"{name}@helmond-peel.example").first()


def load_carousel_demo() -> None:
    library = Organisation.objects.get(slug="helmond-peel")
    today = timezone.localdate()
    for days, title, stations in EVENTS:
        day = today + timedelta(days=days)
        if CarouselEvent.objects.filter(organiser=library, date=day).exists():
            continue
        event = actions.create_event(
            library,
            title=title,
            date=day,
            place="Bibliotheek Helmond, Speelhuisplein",
            capacity=30,
            stations=[
                actions.StationPlan(topic=topic, host=person(host), room=f"Zaal {n}")
                for n, (topic, host) in enumerate(stations, start=1)
            ],
            rounds=ROUNDS,
        )
        rounds = list(event.rounds.all())
        for name in PARTICIPANTS:
            someone = person(name)
            if someone is None:
                continue
            actions.sign_up(event, someone, free_rounds=rounds, chosen_stations=[], by=someone)
        if days < 0:
            actions.make_schedule(event)
