"""Demo data for "how we do it here": the local blocks of two demo libraries in the national
modules. Bibliotheek Helmond-Peel has one for every module, Het Markiezaat for three.

Facts about Helmond-Peel (branches, Taalhuizen and Taalpunten, the weekly taalcafé, partners)
follow the public sources about the library; times, rooms and details are demo fiction. The
colleagues are the fictional demo people of `load_demo`, found by e-mail; anyone missing, or
without a role in the library, is left out. Running it again changes nothing but the texts.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from balie.learning.models import LocalBlock, Programme
from balie.orgs.models import Membership, Organisation, User

PROGRAMME_SLUG = "fo-publieksservice-emb"


@dataclass(frozen=True)
class DemoBlock:
    library: str  # organisation slug
    module: str  # module code
    by: str  # e-mail of who wrote it
    colleagues: tuple[str, ...]  # e-mails
    how_we_do_it: str
    activities: str
    partners: str


HP = "helmond-peel"
ANOUK = "anouk@helmond-peel.example"
ILSE = "ilse@helmond-peel.example"
RUUD = "ruud@helmond-peel.example"
HANS = "hans@helmond-peel.example"
JEROEN = "jeroen@helmond-peel.example"
MARIEKE = "marieke@helmond-peel.example"
PETRA = "petra@markiezaat.example"

TAALCAFE = (
    "- **Taalcafé**: elke woensdag van 14:00 tot 15:30, vestiging Helmond, leestafel op de "
    "begane grond. Gratis, zonder aanmelden. Vrijwilligers van LEVgroep praten mee."
)
INLOOP = (
    "- **Inloopspreekuur Taalhuis**: elke dinsdag van 10:00 tot 12:00, Taalhuis Helmond. "
    "Zonder afspraak; de coördinator of een vrijwilliger is er."
)
IDO = (
    "- **Informatiepunt Digitale Overheid (IDO)**: elke werkdag 's middags van 13:30 tot "
    "16:30 in Helmond. In Deurne, Asten en Someren op de middagen dat de vestiging open is."
)

BLOCKS = [
    DemoBlock(
        library=HP,
        module="M1",
        by=ILSE,
        colleagues=(ILSE, RUUD),
        how_we_do_it="""\
Ouders krijgen de BoekStartbon van het consultatiebureau als hun baby ongeveer 3 maanden is.
Zo werkt het bij ons:

1. Komt een ouder met de bon? Maak de baby gratis lid. Dat kan in alle vier vestigingen:
   Helmond, Deurne, Asten en Someren.
2. Geef het BoekStartkoffertje mee. De koffertjes staan in de kast achter de balie van de
   jeugdafdeling. Is de kast bijna leeg? Zeg het tegen Ilse.
3. Vertel wanneer het volgende voorleesmoment is en geef de flyer mee.

Merk je dat de ouder zelf graag beter Nederlands wil leren? Noem dan rustig het taalcafé of
het Taalhuis. Dring niet aan: de baby staat vandaag centraal.""",
        activities="""\
- **BoekStart-voorleesmoment** voor ouders met kinderen van 0 tot 4 jaar: één keer per maand
  op zaterdag van 10:30 tot 11:00, in Helmond en in Deurne. De data staan op de
  activiteitenkalender.
"""
        + TAALCAFE,
        partners="""\
- **Consultatiebureaus** in Helmond en de Peelgemeenten: zij geven ouders de BoekStartbon.
- **Kinderopvang** met BoekStart in de kinderopvang: leeshoeken en training van de
  pedagogisch medewerkers. Ilse weet welke locaties meedoen.
- **Gemeente Helmond**: betaalt mee aan BoekStart.""",
    ),
    DemoBlock(
        library=HP,
        module="M2",
        by=RUUD,
        colleagues=(ILSE, RUUD),
        how_we_do_it="""\
In ons werkgebied hebben 44 scholen een Bibliotheek op school (telling 2018). Een
leesconsulent helpt daar de leerkrachten; de school beslist zelf over haar leesbeleid.

Aan de balie krijg je vragen van ouders, kinderen en leerkrachten:

- *"Doet de school van mijn kind mee?"* Kijk op de lijst op intranet, onder Onderwijs.
- *Een leerkracht wil een klassenbezoek of een wisselcollectie?* Noteer naam, school en
  telefoonnummer en mail het naar Ilse. Beloof geen datum.
- *Een school wil een contract of heeft een vraag over de kosten?* Dat is voor Ruud.""",
        activities="""\
- **Klassenbezoeken**: dinsdag- en donderdagochtend in Helmond en Deurne, alleen op afspraak
  via de leesconsulent.
- **Monitor de Bibliotheek op school**: één keer per jaar vullen leerlingen, leerkrachten en
  de leesconsulent een vragenlijst in. De leesconsulent bespreekt de uitkomst met de school.""",
        partners="""\
- **Basisscholen** in Helmond, Deurne, Asten en Someren, met hun leescoördinator.
- **Gemeenten** in ons werkgebied: zij betalen mee aan de Bibliotheek op school.""",
    ),
    DemoBlock(
        library=HP,
        module="M3",
        by=ANOUK,
        colleagues=(ANOUK, HANS),
        how_we_do_it="""\
Klanten die moeite hebben met lezen, schrijven, rekenen of de computer laten dat vaak niet
merken. Bij ons kunnen ze op vier plekken terecht:

- **Taalhuis Helmond** en **Taalhuis Deurne**: informatie, een intakegesprek, begeleiding
  en cursussen.
- **Taalpunt Asten** en **Taalpunt Someren**: informatie en een afspraak met het Taalhuis.

Spreek altijd over *wat iemand wil leren*, niet over wat iemand niet kan. We schrijven nergens
op, ook niet in het klantsysteem, dat iemand moeite heeft met lezen.""",
        activities=INLOOP
        + "\n"
        + TAALCAFE
        + """
- **Oefenen.nl**: klanten oefenen thuis of in de bibliotheek met taal, rekenen en de
  computer. Een account maak je samen met het Taalhuis, want iedereen hoort bij een groep.""",
        partners="""\
- **Gemeente Helmond**: partner van het Taalhuis en opdrachtgever.
- **LEVgroep**: werft en begeleidt de taalvrijwilligers, zo'n 100 mensen.
- **ROC Ter AA**: taallessen voor wie meer nodig heeft, voor Nederlanders en nieuwkomers.
- **Stichting Lezen & Schrijven**: de Taalmeter en lesmateriaal.""",
    ),
    DemoBlock(
        library=HP,
        module="M4",
        by=ANOUK,
        colleagues=(ANOUK, HANS),
        how_we_do_it="""\
Signalen zie je vaak bij de balie: een tas vol ongeopende brieven, "ik ben mijn bril
vergeten", of de vraag of jij het formulier even wilt invullen. Zo doen we het bij ons:

1. Neem de tijd. Ga zo nodig samen naar de rustige tafel naast de balie (in Helmond bij het
   raam, in de andere vestigingen bij de studieplekken).
2. Help eerst met de vraag waarvoor de klant kwam.
3. Begin daarna het gesprek, bijvoorbeeld: *"Vindt u het soms lastig om brieven te lezen?
   Dat hebben meer mensen. Wij kunnen daarbij helpen."*
4. Wil de klant meer weten? Bied een afspraak aan bij het Taalhuis (zie module M5). Wil de
   klant dat niet? Geef dan alleen het kaartje van het Taalhuis mee.

Twijfel je of je het goed aanpakt? Bespreek het achteraf met Anouk, zonder de naam van de
klant te noemen.""",
        activities=INLOOP
        + "\n"
        + IDO
        + """
- **Teamoverleg publieksservice**: elke eerste maandag van de maand om 9:00. Zet lastige
  gesprekken van die maand op de agenda, zonder namen.""",
        partners="""\
- **LEVgroep** (Helmond) en **Onis Welzijn** (Peelgemeenten): welzijnswerk. Verwijs naar hen
  bij vragen over geld, eenzaamheid of zorg.
- **Gemeente Helmond**: het Wmo-loket en de schuldhulpverlening.""",
    ),
    DemoBlock(
        library=HP,
        module="M5",
        by=ANOUK,
        colleagues=(ANOUK,),
        how_we_do_it="""\
Een warme doorverwijzing werkt veel beter dan een folder. Zo doen we het:

1. **Vraag toestemming**: *"Mag ik uw naam en telefoonnummer doorgeven aan de coördinator
   van het Taalhuis? Zij belt u dan op."* Zegt de klant nee? Dan geef je niets door.
2. **Maak meteen een afspraak** in de agenda van het Taalhuis (gedeelde agenda *Taalhuis
   intake*). Of loop even mee naar de inloop op dinsdag.
3. **Geef het afspraakkaartje mee**, met de dag, de tijd en de foto van de ruimte.

Een **taalmaatje** is populair. Na de intake koppelt LEVgroep de klant aan een vrijwilliger.
Zeg eerlijk dat er een wachtlijst is van 4 tot 10 weken. In de tussentijd is de klant
welkom in het taalcafé.""",
        activities=INLOOP
        + "\n"
        + TAALCAFE
        + """
- **Taalhuis Deurne**: op afspraak, via de gedeelde agenda.
- **Taalpunten Asten en Someren**: informatie en een afspraak maken, tijdens de openingsuren
  van de vestiging.""",
        partners="""\
- **LEVgroep**: koppelt taalmaatjes en begeleidt de vrijwilligers.
- **ROC Ter AA**: taallessen. Het Taalhuis meldt klanten aan na de intake.
- **Gemeente Helmond**: partner van het Taalhuis; krijgt elk jaar de cijfers, zonder namen.""",
    ),
    DemoBlock(
        library=HP,
        module="M6",
        by=ANOUK,
        colleagues=(ANOUK, JEROEN, MARIEKE),
        how_we_do_it="""\
Vragen over DigiD, toeslagen of de belastingaangifte gaan naar het IDO. Jeroen en de andere
IDO-medewerkers helpen daar. Wil iemand zelf beter met de computer leren werken? Dan past een
cursus:

- **Klik & Tik** voor wie net begint: 6 bijeenkomsten.
- **Digisterker** voor wie de computer al een beetje kent en zaken wil regelen met de
  overheid: 4 bijeenkomsten van 2 uur, met hoogstens 8 deelnemers. Eerst is er een kort
  intakegesprek.

Aanmelden gaat via de balie; geef naam en telefoonnummer met toestemming door aan het
Taalhuis.""",
        activities=IDO
        + """
- **Klik & Tik**: 6 ochtenden, op maandag van 10:00 tot 12:00, in Helmond en in Deurne.
  Nieuwe groepen starten in september en februari.
- **Digisterker**: 4 × 2 uur, op donderdag van 13:30 tot 15:30, afwisselend in Asten en
  Someren. Hoogstens 8 deelnemers.""",
        partners="""\
- **Gemeente Helmond**: regelt het IDO mee, en heeft het Wmo-loket en de schuldhulp.
- **LEVgroep** en **Onis Welzijn**: welzijnswerk en vrijwilligers die bij cursussen helpen.
- **ROC Ter AA**: vervolgcursussen.
- **Digitaal Hulpplein**: een landelijke website met oefenplekken in de buurt.""",
    ),
    DemoBlock(
        library="markiezaat",
        module="M1",
        by=PETRA,
        colleagues=(PETRA,),
        how_we_do_it="""\
De BoekStartkoffertjes liggen in alle vijf vestigingen achter de balie. Maak de baby gratis
lid en geef het koffertje mee. Vertel erbij wanneer het voorleesmoment in Bergen op Zoom is.""",
        activities="""\
- **Voorleesmoment voor peuters**: één keer per maand op woensdag om 10:00, vestiging
  Bergen op Zoom.""",
        partners="- **Consultatiebureaus** in de regio: zij geven ouders de BoekStartbon.",
    ),
    DemoBlock(
        library="markiezaat",
        module="M3",
        by=PETRA,
        colleagues=(PETRA,),
        how_we_do_it="""\
Ons Taalhuis zit in de vestiging Bergen op Zoom. In Halsteren, Hoogerheide, Steenbergen en
Dinteloord maak je aan de balie een afspraak voor de klant.""",
        activities="""\
- **Taalcafé**: elke donderdag van 10:00 tot 11:30, vestiging Bergen op Zoom.""",
        partners="""\
- **Gemeente Bergen op Zoom**: partner van het Taalhuis.
- **Het wijkteam**: verwijst klanten naar het Taalhuis, en wij naar het wijkteam.""",
    ),
    DemoBlock(
        library="markiezaat",
        module="M5",
        by=PETRA,
        colleagues=(PETRA,),
        how_we_do_it="""\
Vraag de klant of je naam en telefoonnummer mag doorgeven aan het Taalhuis. Zegt de klant
ja? Zet de afspraak dan in de agenda van het Taalhuis en geef een afspraakkaartje mee.""",
        activities="""\
- **Inloop Taalhuis**: elke maandag van 13:30 tot 15:30, vestiging Bergen op Zoom.""",
        partners="",
    ),
]


@transaction.atomic
def load_local_blocks_demo() -> int:
    """Create or refresh the demo local blocks; returns how many there are. Libraries,
    modules or people that are not there are skipped."""
    programme = Programme.objects.filter(slug=PROGRAMME_SLUG).first()
    if programme is None:
        return 0
    modules = {module.code: module for module in programme.modules.all()}
    libraries = {
        library.slug: library
        for library in Organisation.objects.filter(
            kind=Organisation.Kind.LIBRARY, slug__in={b.library for b in BLOCKS}
        )
    }
    emails = {b.by for b in BLOCKS} | {e for b in BLOCKS for e in b.colleagues}
    people = {person.email: person for person in User.objects.filter(email__in=emails)}
    works_in = set(
        Membership.objects.filter(user__email__in=emails).values_list("user_id", "organisation_id")
    )
    count = 0
    for item in BLOCKS:
        library, module = libraries.get(item.library), modules.get(item.module)
        if library is None or module is None:
            continue
        texts = {
            "how_we_do_it": item.how_we_do_it,
            "activities": item.activities,
            "partners": item.partners,
        }
        author = people.get(item.by)
        if author is not None and (author.pk, library.pk) not in works_in:
            author = None
        LocalBlock(library=library, module=module, **texts).full_clean(validate_constraints=False)
        block, _ = LocalBlock.objects.update_or_create(
            library=library, module=module, defaults={**texts, "updated_by": author}
        )
        block.colleagues.set(
            [
                people[email]
                for email in item.colleagues
                if email in people and (people[email].pk, library.pk) in works_in
            ]
        )
        count += 1
    return count
