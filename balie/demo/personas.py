"""The demo persona's: the four customers and five staff members of DOMAIN.md (d), all made
up. Each gets an abstract picture (initials, a colour, a symbol; no face). Running it again
refreshes the texts and adds what is missing.

Some are linked to demo learning steps and carousel stations; those models are looked up by
name (`apps.get_model`), so that this app still imports nothing but `orgs`.
"""

from __future__ import annotations

from django.apps import apps
from django.core.files.base import ContentFile

from balie.personas.models import Persona, PersonaKind
from balie.personas.pictures import draw

CUSTOMER, STAFF = PersonaKind.CUSTOMER, PersonaKind.STAFF

# name, age, kind, short line, initials, colour, symbol, what the symbol is (for the alt text)
PERSONAS = [
    {
        "name": "Gerrit van Dijk",
        "age": 61,
        "kind": CUSTOMER,
        "tagline": "NT1, Deurne",
        "picture": ("GD", (21, 66, 115), "envelope", "blauwe", "een envelop"),
        "story": (
            "Gerrit is weduwnaar. Hij ging met veertien van school en werkte zijn hele leven "
            "in een fabriek. Zijn vrouw deed altijd de papieren. Sinds zij er niet meer is, "
            "stapelen de brieven zich op. Lezen en schrijven kosten hem veel moeite, en dat "
            "vertelt hij niet zomaar."
        ),
        "signals": (
            "- Komt met een tas vol brieven, sommige nog dicht.\n"
            "- Vraagt naar \u2018dat DigiD-gedoe\u2019.\n"
            "- Zegt dat hij zijn leesbril vergeten is.\n"
            "- Wil een formulier liever thuis invullen."
        ),
        "what_works": (
            "- Een rustig plekje, niet midden in de hal.\n"
            "- Een afspraak bij het Informatiepunt Digitale Overheid, met een vaste persoon "
            "met een naam.\n"
            "- Geen formulieren om in te vullen.\n"
            "- Later, op een rustig moment, het Taalhuis noemen. Met zijn toestemming een "
            "afspraak maken met de Taalhuiscoördinator. Hij krijgt een afsprakenkaartje met "
            "de tijd en een foto van de ruimte."
        ),
        "offer_kinds": ["ido", "klik_tik", "intake"],
    },
    {
        "name": "Samira Haddad",
        "age": 29,
        "kind": CUSTOMER,
        "tagline": "NT2, Helmond",
        "picture": ("SH", (28, 107, 47), "book", "groene", "een open boek"),
        "story": (
            "Samira kwam in 2016 als statushouder naar Nederland. Ze rondde haar inburgering "
            "af en spreekt al aardig Nederlands. Ze wil graag beter leren praten en lezen. "
            "Ze heeft een baby van vier maanden."
        ),
        "signals": (
            "- Komt met de BoekStart-waardebon van het consultatiebureau.\n"
            "- Vraagt of haar baby lid kan worden.\n"
            "- Zoekt soms naar woorden en vraagt of je iets nog eens wilt zeggen."
        ),
        "what_works": (
            "- Maak de baby lid en geef het BoekStartkoffertje mee.\n"
            "- Vertel over het wekelijkse taalcafé en het voorleesmoment van BoekStart.\n"
            "- Ze wil graag een taalmaatje. Zeg eerlijk dat er vaak een wachtlijst is, en wat "
            "ze in de tussentijd kan doen."
        ),
        "offer_kinds": ["boekstart", "taalcafe", "taalmaatje"],
    },
    {
        "name": "Kevin Smits",
        "age": 24,
        "kind": CUSTOMER,
        "tagline": "NT1, Helmond",
        "picture": ("KS", (164, 38, 44), "target", "rode", "een schietschijf als doel"),
        "story": (
            "Kevin heeft een bijstandsuitkering. Zijn klantmanager bij de gemeente deed de "
            "Taalmeter met hem en stuurde hem naar de bibliotheek. Kevin wil zijn rijbewijs "
            "halen (het theorie-examen) en werk vinden in de logistiek."
        ),
        "signals": (
            "- Komt binnen via de gemeente, soms met een briefje van zijn klantmanager.\n"
            "- Wil niet gezien worden in een \u2018klas\u2019.\n"
            "- Kan niet ver vooruit plannen: elke week ziet er anders uit."
        ),
        "what_works": (
            "- Begin bij zijn doel: het theorie-examen en een baan.\n"
            "- Een aanbod met een praktische titel, waarin het oefenen met taal zit.\n"
            "- Afspraken en herinneringen via WhatsApp.\n"
            "- Een intake bij het Taalhuis, met de gemeente als verwijzer."
        ),
        "offer_kinds": ["intake", "materials"],
    },
    {
        "name": "Ria Verhoeven",
        "age": 73,
        "kind": CUSTOMER,
        "tagline": "NT1, Someren",
        "picture": ("RV", (107, 63, 160), "phone", "paarse", "een mobiele telefoon"),
        "story": (
            "Ria leest korte teksten goed, maar de DigiD-app en haar bank-app krijgt ze niet "
            "aan de praat. Ze zegt vaak: \u2018Computers zijn niets voor mij.\u2019 Zo gaat het "
            "vaker: mensen boven de 65 stellen ongeveer zes van de tien vragen bij het "
            "Informatiepunt Digitale Overheid."
        ),
        "signals": (
            "- Vraagt hulp bij de DigiD-app of de bank-app.\n"
            "- Zegt dat computers niets voor haar zijn.\n"
            "- Heeft haar telefoon bij zich, maar laat een ander liever drukken."
        ),
        "what_works": (
            "- Eerst Klik & Tik, daarna een cursus Digisterker.\n"
            "- Hand-outs in grote letters en in eenvoudige taal.\n"
            "- Een telefoontje de dag voor de afspraak."
        ),
        "offer_kinds": ["klik_tik", "digisterker", "ido"],
    },
    {
        "name": "Marieke",
        "age": 54,
        "kind": STAFF,
        "tagline": "Medewerker publieksservice, 24 uur per week",
        "picture": ("M", (15, 110, 110), "card", "blauwgroene", "een kaart met regels tekst"),
        "story": (
            "Marieke werkt al meer dan twintig jaar aan de balie en kent de vaste bezoekers. "
            "Ze is kritisch op \u2018nog meer administratie\u2019. De e-learning kostte haar "
            "meer dan de geschatte 40 minuten; een deel deed ze thuis. Het meest had ze aan "
            "collega's die vertelden hoe het hier werkt."
        ),
        "signals": (
            "- \u2018Moet ik dat nu ook nog bijhouden?\u2019\n"
            "- Stuurt iemand liever naar een collega die ze kent dan dat ze een folder meegeeft.\n"
            "- Vindt de tijd om te leren binnen werktijd krap."
        ),
        "what_works": (
            "- Eén kaart \u2018wie doet wat\u2019: naar wie stuur je iemand door?\n"
            "- Eén tik om een doorverwijzing anoniem te turven.\n"
            "- Geen etiketten op klanten.\n"
            "- Collega's die vertellen hoe het in hun vestiging gaat."
        ),
        "offer_kinds": [],
    },
    {
        "name": "Jeroen",
        "age": 27,
        "kind": STAFF,
        "tagline": "Nieuw aan de balie en bij het IDO, flexcontract",
        "picture": ("J", (179, 71, 0), "bubble", "oranje", "een tekstballon"),
        "story": (
            "Jeroen is net begonnen aan de balie en bij het Informatiepunt Digitale Overheid. "
            "Hij heeft een flexibel contract en leert het liefst op zijn telefoon, tussen "
            "twee diensten door."
        ),
        "signals": (
            "- Weet nog niet wie in de bibliotheek waarover gaat.\n"
            "- Vindt het lastig om een gevoelig gesprek te beginnen.\n"
            "- Doet een module op zijn telefoon in een rustig kwartier."
        ),
        "what_works": (
            "- Een goede inwerkperiode.\n"
            "- Modules die goed werken op een telefoon.\n"
            "- Zinnen om een gesprek te openen, zoals: \u2018Vindt u het soms lastig om …?\u2019"
        ),
        "offer_kinds": ["ido", "klik_tik"],
    },
    {
        "name": "Anouk",
        "age": 41,
        "kind": STAFF,
        "tagline": "Taalhuiscoördinator",
        "picture": ("A", (58, 74, 92), "house", "grijsblauwe", "een huis"),
        "story": (
            "Anouk coördineert het Taalhuis. Haar werk draait op doorverwijzingen: de meeste "
            "deelnemers komen via iemand die ze vertrouwen. Voor haar verslag aan de gemeente "
            "wil ze weten waar deelnemers vandaan komen."
        ),
        "signals": (
            "- Vraagt of een klant toestemming gaf om gegevens door te geven.\n"
            "- Wil weten: kwam deze deelnemer via de balie?\n"
            "- Heeft vaste tijden waarin de balie een afspraak voor een klant kan maken."
        ),
        "what_works": (
            "- Een warme afspraak, met toestemming van de klant.\n"
            "- Alleen de gegevens die nodig zijn, en niet langer bewaard dan nodig.\n"
            "- Tellingen per team of vestiging voor haar verslag."
        ),
        "offer_kinds": ["intake", "taalmaatje", "taalcafe", "materials"],
    },
    {
        "name": "Hans",
        "age": 50,
        "kind": STAFF,
        "tagline": "Manager publieksservice",
        "picture": ("H", (122, 47, 91), "bars", "paarsrode", "drie staven van een grafiek"),
        "story": (
            "Hans stuurt zijn team op de training en is verantwoordelijk voor de kwaliteit "
            "aan de balie. \u2018Ik merk het verschil, maar ik kan het niet bewijzen.\u2019"
        ),
        "signals": (
            "- Vraagt naar cijfers van voor en na de training.\n"
            "- Wil geen overzicht per medewerker: daarvoor is instemming van de "
            "ondernemingsraad nodig."
        ),
        "what_works": (
            "- Cijfers per team en per vestiging, niet per persoon.\n"
            "- Kleine aantallen worden niet getoond.\n"
            "- Doorverwijzingen naar het Taalhuis en het IDO tellen, als bijdrage en niet als "
            "bewijs."
        ),
        "offer_kinds": [],
    },
    {
        "name": "Sanne",
        "age": 45,
        "kind": STAFF,
        "tagline": "POI-adviseur Basisvaardigheden en Educatie",
        "picture": ("S", (11, 43, 79), "network", "donkerblauwe", "drie verbonden punten"),
        "story": (
            "Sanne begeleidt de teambijeenkomsten van de training in verschillende "
            "bibliotheken in de regio."
        ),
        "signals": (
            "- Zoekt een draaiboek dat ze in elke bibliotheek kan gebruiken.\n"
            "- Wil de evaluaties van groepen met elkaar vergelijken."
        ),
        "what_works": (
            "- Gedeelde sjablonen voor de bijeenkomsten.\n"
            "- Evaluaties die je over groepen heen kunt vergelijken: reactie, leren en gedrag.\n"
            "- Inbreng van de bibliotheek zelf: \u2018zo doen wij het hier\u2019."
        ),
        "offer_kinds": [],
    },
]

# Demo learning steps (by title) and the persona shown beside each.
STEPS = {
    "Aan de balie: Samira en haar waardebon": "Samira Haddad",
    "Gerrit aan de balie: een voorbeeldgesprek": "Gerrit van Dijk",
    "Warm doorverwijzen in vijf stappen": "Gerrit van Dijk",
    "Ria en haar DigiD-app": "Ria Verhoeven",
    "Kevin en zijn doel": "Kevin Smits",
}
# Demo carousel stations (by topic) and their persona's.
STATIONS = {
    "Persona's: wie komt er aan de balie?": [
        "Gerrit van Dijk",
        "Samira Haddad",
        "Kevin Smits",
        "Ria Verhoeven",
    ],
    "Het Taalhuis: intake, taalmaatje en taalcafé": ["Gerrit van Dijk", "Kevin Smits"],
    "Warm doorverwijzen: oefenen met een collega": ["Gerrit van Dijk", "Samira Haddad"],
    "Digitaal Hulpplein en Klik & Tik": ["Ria Verhoeven"],
}


def alt_text(initials: str, colour_name: str, symbol: str) -> str:
    letters = " en ".join(initials) if len(initials) > 1 else initials
    word = "de letters" if len(initials) > 1 else "de letter"
    return f"Tekening zonder gezicht: {word} {letters} op een {colour_name} cirkel, met {symbol}."


def _store_picture(persona: Persona, content: bytes) -> None:
    """Use the stored file of an earlier run when it holds exactly this picture."""
    storage = persona.image.storage
    name = f"personas/{persona.name.lower().replace(' ', '-')}.png"
    if storage.exists(name):
        with storage.open(name, "rb") as stored:
            if stored.read() == content:
                persona.image.name = name
                return
    persona.image.save(name.removeprefix("personas/"), ContentFile(content), save=False)


def load_personas_demo() -> None:
    by_name: dict[str, Persona] = {}
    for position, data in enumerate(PERSONAS, start=1):
        data = dict(data)
        initials, colour, symbol, colour_name, symbol_text = data.pop("picture")
        persona, _ = Persona.objects.update_or_create(
            name=data["name"], library=None, defaults={**data, "position": position}
        )
        if not persona.image or not persona.image.storage.exists(persona.image.name):
            _store_picture(persona, draw(initials, colour, symbol))
        persona.image_alt = alt_text(initials, colour_name, symbol_text)
        persona.full_clean()
        persona.save()
        by_name[persona.name] = persona

    step_model = apps.get_model("learning", "Step")
    for title, name in STEPS.items():
        step_model.objects.filter(title=title, persona__isnull=True).update(persona=by_name[name])

    station_model = apps.get_model("carousel", "Station")
    for topic, names in STATIONS.items():
        for station in station_model.objects.filter(topic=topic):
            station.personas.add(*(by_name[n] for n in names))
