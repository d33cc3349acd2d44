"""Demo data for "wie doet wat": the national topics, and who does what in the three pilot
libraries of the demo. All names are fictional (they are the demo people of `load_demo`);
phone extensions and hours are invented."""

from __future__ import annotations

from django.db import transaction

from balie.orgs.models import DirectoryEntry, Membership, Organisation, Topic, User

# (slug, name, the plain words a desk worker might type)
TOPICS = [
    (
        "boekstart",
        "BoekStart",
        "baby, baby's, dreumes, peuter, kleuter, 0-4 jaar, voorlezen, voorleesmoment, "
        "koffertje, BoekStartkoffertje, babyboekjes, waardebon, BoekStartbon, bon, "
        "consultatiebureau, JGZ, CJG, kinderopvang, kinderdagverblijf, lid maken, jonge ouders",
    ),
    (
        "bibliotheek-op-school",
        "de Bibliotheek op school",
        "dBos, school, scholen, basisschool, vmbo, mbo, leerkracht, juf, meester, klas, "
        "leesconsulent, leescoördinator, leesplezier, schoolbibliotheek, schoolcollectie, "
        "monitor, werkstuk, spreekbeurt, jeugdboeken",
    ),
    (
        "taalhuis",
        "Taalhuis en taalcafé",
        "Taalhuis, Taalhuis intake, intake, taalpunt, taalcafé, lezen en schrijven, lezen, "
        "schrijven, Lezen & Schrijven, laaggeletterd, laaggeletterdheid, moeite met lezen, "
        "bril vergeten, taal, Nederlands leren, Nederlands oefenen, NT1, NT2, nieuwkomer, "
        "statushouder, inburgering, rekenen, Oefenen.nl, Taalmeter, taaltest, taalcursus, "
        "spreekuur, inloop",
    ),
    (
        "taalmaatje",
        "Taalmaatje",
        "taalmaatje, kletsmaatje, maatje, vrijwilliger, vrijwilligers, vrijwilligerswerk, "
        "praten oefenen, een-op-een, koppelen, wachtlijst",
    ),
    (
        "ido",
        "Informatiepunt Digitale Overheid (IDO)",
        "IDO, DigiD, DigiD-app, inloggen overheid, MijnOverheid, overheid, gemeente, "
        "toeslagen, zorgtoeslag, huurtoeslag, kinderopvangtoeslag, Belastingdienst, "
        "belastingaangifte, aangifte, UWV, SVB, AOW, pensioen, uitkering, brief, brieven, "
        "formulier, formulieren, paspoort, rijbewijs, afspraak gemeente, BSN, berichtenbox",
    ),
    (
        "digitaal",
        "Klik & Tik en Digisterker",
        "Klik & Tik, Digisterker, computer, computerles, computercursus, laptop, tablet, "
        "smartphone, telefoon, app, apps, internet, e-mail, mailen, wachtwoord, online, "
        "bankieren, bankapp, digitale vaardigheden, werken met de e-overheid, "
        "DigiD leren gebruiken, Digitaal Hulpplein, beginners, oefenen",
    ),
    (
        "geld",
        "Schuldhulp en geldzaken",
        "geld, geldzaken, schulden, schuld, schuldhulp, schuldhulpverlening, rekeningen, "
        "betalingsachterstand, aanmaning, incasso, deurwaarder, budget, huishoudboekje, "
        "rondkomen, armoede, geldspreekuur, belastingspreekuur, sociaal raadslieden, "
        "Geldfit, formulierenhulp",
    ),
    (
        "doelgroepen",
        "Persona's, doelgroepen en partners",
        "persona's, doelgroepen, signalen herkennen, laaggeletterdheid herkennen, "
        "camouflage-aanbod, taalambassadeur, sociaal domein, wijkteam, sociaal team, "
        "welzijn, partners, doorverwijzen, warme doorverwijzing, gemeente, klantmanager, "
        "werk, solliciteren, sollicitatiebrief, cv, vacature",
    ),
]

# (library slug, e-mail, branch slug, role, topic slugs, how to reach, when, good to know)
ENTRIES = [
    (
        "helmond-peel",
        "anouk@helmond-peel.example",
        "helmond-peel-helmond",
        "Taalhuiscoördinator",
        ["taalhuis", "taalmaatje", "doelgroepen"],
        "Toestel 214, of loop langs in de Taalhuisruimte (1e verdieping)",
        "di en do, 9–17 uur; Taalhuis-inloop di 10–12 uur",
        "Maakt graag zelf de intakeafspraak, ook als de klant nog twijfelt. Vraag de klant of "
        "je zijn telefoonnummer mag doorgeven.",
    ),
    (
        "helmond-peel",
        "ilse@helmond-peel.example",
        "helmond-peel-deurne",
        "Leesconsulent",
        ["bibliotheek-op-school"],
        "Toestel 231, of een bericht via Teams",
        "ma, wo en vr; di en do op de scholen",
        "Voor vragen van leerkrachten en ouders over lezen op school.",
    ),
    (
        "helmond-peel",
        "ruud@helmond-peel.example",
        "helmond-peel-helmond",
        "Accountmanager Educatie",
        ["digitaal", "doelgroepen"],
        "Toestel 220, of het teamadres educatie",
        "ma t/m do, 9–17 uur",
        "Regelt de cursussen (Klik & Tik, Digisterker) en de afspraken met partners zoals "
        "LEVgroep en ROC Ter AA.",
    ),
    (
        "helmond-peel",
        "jeroen@helmond-peel.example",
        "helmond-peel-helmond",
        "Medewerker publieksservice en IDO",
        ["ido"],
        "Aan de IDO-tafel naast de balie, of toestel 201",
        "IDO-spreekuur elke middag, 13–16 uur",
        "Komt iemand met een tas vol brieven? Bied een rustig plekje aan de IDO-tafel aan.",
    ),
    (
        "helmond-peel",
        "fatma@helmond-peel.example",
        "helmond-peel-deurne",
        "Medewerker publieksservice en BoekStartcoach",
        ["boekstart"],
        "Balie Deurne, toestel 301",
        "ma, di en do; voorleesmoment elke eerste woensdag van de maand",
        "Komt een ouder met de BoekStartbon? Maak de baby lid, geef het koffertje mee en "
        "vertel over het voorleesmoment en het taalcafé.",
    ),
    (
        "helmond-peel",
        "marieke@helmond-peel.example",
        "helmond-peel-helmond",
        "Medewerker publieksservice, gastvrouw taalcafé",
        ["taalhuis"],
        "Aan de balie, of toestel 202",
        "taalcafé elke woensdag, 14–16 uur",
        "",
    ),
    (
        "helmond-peel",
        "linda@helmond-peel.example",
        "helmond-peel-someren",
        "Medewerker publieksservice, begeleidt Klik & Tik",
        ["digitaal"],
        "Balie Someren, toestel 401",
        "Klik & Tik-inloop vr 10–12 uur",
        "",
    ),
    (
        "helmond-peel",
        "bas@helmond-peel.example",
        "helmond-peel-asten",
        "Medewerker publieksservice, aanspreekpunt geldzaken",
        ["geld"],
        "Balie Asten, toestel 351",
        "geldspreekuur met de sociaal raadslieden: elke 2e maandag, 13–15 uur",
        "Een afspraak is niet nodig; de klant neemt zijn brieven mee.",
    ),
    (
        "helmond-peel",
        "hans@helmond-peel.example",
        "",
        "Manager publieksservice",
        [],
        "Toestel 200",
        "ma t/m vr",
        "Voor klachten, het rooster en afspraken met partners.",
    ),
    (
        "markiezaat",
        "petra@markiezaat.example",
        "",
        "Manager publieksservice",
        ["doelgroepen"],
        "Toestel 100",
        "ma t/m do",
        "Voor afspraken met partners in het sociaal domein.",
    ),
    (
        "markiezaat",
        "youssef@markiezaat.example",
        "markiezaat-bergen-op-zoom",
        "Medewerker publieksservice en IDO",
        ["ido", "digitaal"],
        "IDO-balie in Bergen op Zoom",
        "IDO-spreekuur ma t/m vr, 13–16 uur",
        "",
    ),
    (
        "markiezaat",
        "karin@markiezaat.example",
        "markiezaat-halsteren",
        "Medewerker publieksservice, BoekStart en taalcafé",
        ["boekstart", "taalhuis"],
        "Balie Halsteren",
        "di en do; taalcafé wo 14 uur",
        "",
    ),
    (
        "hilversum",
        "wim@hilversum.example",
        "",
        "Manager publieksservice, aanspreekpunt Taalhuis",
        ["taalhuis", "taalmaatje", "geld"],
        "Toestel 500",
        "ma t/m vr, 9–17 uur",
        "",
    ),
    (
        "hilversum",
        "esther@hilversum.example",
        "hilversum-hilversum-centrum",
        "Medewerker publieksservice en IDO",
        ["ido", "boekstart", "digitaal"],
        "Balie Centrum",
        "di t/m za",
        "",
    ),
]


@transaction.atomic
def load_directory_demo() -> int:
    """Create or refresh the topics and the demo directory; people or libraries that do not
    exist are skipped. Safe to run more than once. Returns the number of entries loaded."""
    topics = {}
    for position, (slug, name, keywords) in enumerate(TOPICS, start=1):
        topics[slug], _ = Topic.objects.update_or_create(
            slug=slug, defaults={"name": name, "keywords": keywords, "position": position}
        )
    loaded = 0
    for library_slug, email, branch_slug, role, topic_slugs, how, when, note in ENTRIES:
        library = Organisation.objects.filter(
            slug=library_slug, kind=Organisation.Kind.LIBRARY
        ).first()
        person = User.objects.filter(email=email).first()
        if library is None or person is None:
            continue
        if not Membership.objects.filter(user=person, organisation=library).exists():
            continue
        branch = Organisation.objects.filter(
            slug=branch_slug, kind=Organisation.Kind.BRANCH, parent=library
        ).first()
        entry, _ = DirectoryEntry.objects.update_or_create(
            library=library,
            person=person,
            defaults={
                "branch": branch,
                "role_title": role,
                "how_to_reach": how,
                "when": when,
                "note": note,
            },
        )
        entry.topics.set([topics[slug] for slug in topic_slugs])
        loaded += 1
    return loaded
