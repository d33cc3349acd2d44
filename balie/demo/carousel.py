"""Demo carousels at Helmond-Peel: two held, one coming (topics as in DOMAIN.md). The
national modules are linked to the topics of the stations, so that the held carousels have a
refresher; attendance of the held ones is marked."""

from __future__ import annotations

from datetime import time, timedelta

from django.utils import timezone

from balie.carousel import actions
from balie.carousel.models import CarouselEvent, SignUp
from balie.learning.models import Module
from balie.orgs.models import Organisation, Topic, User

# Module code -> the topics of the "wie doet wat" pool it is about.
MODULE_TOPICS = {
    "M1": ["boekstart"],
    "M2": ["bibliotheek-op-school"],
    "M3": ["taalhuis", "doelgroepen"],
    "M4": ["doelgroepen"],
    "M5": ["taalhuis", "taalmaatje"],
    "M6": ["ido", "digitaal", "geld"],
}

ROUNDS = [(time(19, 0), time(19, 25)), (time(19, 30), time(19, 55)), (time(20, 5), time(20, 30))]
EVENTS = [
    (
        -250,
        "Kenniscarrousel voorjaar",
        [
            ("Nieuwe digitale ontwikkelingen: DigiD-app en Digisterker", "ruud", "digitaal"),
            ("Partners in het sociaal domein: LEVgroep en schuldhulp", "ilse", "geld"),
            ("Het Informatiepunt Digitale Overheid", "anouk", "ido"),
        ],
    ),
    (
        -70,
        "Kenniscarrousel najaar",
        [
            ("Het Taalhuis: intake, taalmaatje en taalcafé", "anouk", "taalhuis"),
            ("Persona's: wie komt er aan de balie?", "ruud", "doelgroepen"),
            ("BoekStart in de kinderopvang", "ilse", "boekstart"),
        ],
    ),
    (
        40,
        "Kenniscarrousel voorjaar",
        [
            ("Digitaal Hulpplein en Klik & Tik", "ruud", "digitaal"),
            ("Warm doorverwijzen: oefenen met een collega", "anouk", "taalhuis"),
            ("De Bibliotheek op school: de monitor", "ilse", "bibliotheek-op-school"),
        ],
    ),
]
PARTICIPANTS = ["marieke", "jeroen", "fatma", "bas", "linda"]


def person(name: str) -> User | None:
    return User.objects.filter(email=f"{name}@helmond-peel.example").first()


def link_module_topics() -> None:
    topics = {t.slug: t for t in Topic.objects.all()}
    for module in Module.objects.filter(code__in=MODULE_TOPICS):
        module.topics.add(*[topics[s] for s in MODULE_TOPICS[module.code] if s in topics])


def load_carousel_demo() -> None:
    link_module_topics()
    library = Organisation.objects.get(slug="helmond-peel")
    topics = {t.slug: t for t in Topic.objects.all()}
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
                actions.StationPlan(
                    topic=topic, host=person(host), room=f"Zaal {n}", subject=topics.get(subject)
                )
                for n, (topic, host, subject) in enumerate(stations, start=1)
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
            signups = SignUp.objects.filter(event=event).order_by("user__full_name")
            # One person could not come to the first one.
            marks = {su.pk: not (days == -250 and n == 0) for n, su in enumerate(signups)}
            actions.record_attendance(event, marks, today=today)
