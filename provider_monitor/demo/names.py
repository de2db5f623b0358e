"""Plausible names for people, providers and services, drawn from a seeded generator."""

from __future__ import annotations

import random
import re
import unicodedata

from provider_monitor.demo.places import STREETS, Town

# Our own lists rather than Faker: Faker is only a test dependency here, and its output
# changes between releases, which would break "same seed, same market".
FIRST_NAMES = (
    "Sarah", "James", "Emma", "David", "Rachel", "Michael", "Claire", "Paul", "Helen", "Mark",
    "Joanne", "Andrew", "Nicola", "Richard", "Louise", "Stephen", "Kirsty", "Daniel", "Gemma", "Simon",
    "Amrit", "Priya", "Mohammed", "Aisha", "Tomasz", "Agnieszka", "Chidi", "Ngozi", "Rajesh", "Sunita",
    "Owen", "Bethan", "Liam", "Chloe", "Ryan", "Hannah", "Gareth", "Lucy", "Adam", "Sophie",
    "Imran", "Fatima", "Kwame", "Abena", "Marek", "Zofia", "Callum", "Jade", "Dean", "Leanne",
    "Graham", "Janet", "Keith", "Susan", "Neil", "Alison", "Martin", "Karen", "Colin", "Lorraine",
)  # fmt: skip
SURNAMES = (
    "Smith", "Jones", "Taylor", "Brown", "Wilson", "Johnson", "Walker", "Wright", "Robinson", "Thompson",
    "White", "Hughes", "Edwards", "Green", "Hall", "Wood", "Harris", "Martin", "Jackson", "Clarke",
    "Patel", "Khan", "Begum", "Singh", "Ahmed", "Kaur", "Hussain", "Shah", "Okafor", "Mensah",
    "Kowalski", "Nowak", "Wiśniewska", "Baker", "Turner", "Cooper", "Hill", "Ward", "Morris", "Moore",
    "Cartwright", "Marsh", "Stevenson", "Bramley", "Fletcher", "Hardy", "Lowe", "Slater", "Marriott", "Bexon",
    "O'Neill", "McDonald", "Ellis-Brown", "Adeyemi", "Mistry", "Chauhan", "Lambert", "Spencer", "Webb", "Palmer",
)  # fmt: skip

PLACE_WORDS = (
    "Sherwood", "Meadowbank", "Oakwood", "Willow", "Beechwood", "Hollybrook", "Trentside", "Forest",
    "Priory", "Abbey", "Rufford", "Clumber", "Thoresby", "Welbeck", "Maun Valley", "Idle Valley",
    "Erewash", "Leen Valley", "Greenwood", "Ashdale", "Hawthorn", "Elmhurst", "Larchfield", "Rosewood",
    "Cedar", "Birchwood", "Lime Tree", "Chestnut", "Laurel", "Heather", "Bramble", "Foxglove",
    "Primrose", "Bluebell", "Kingfisher", "Heron", "Skylark", "Riverside", "Brookfield", "Fernlea",
    "Hillcrest", "Highfield", "Westfield", "Northfield", "Southfield", "Fairview", "Beaumont", "Newstead",
    "Byron", "Lindhurst", "Papplewick", "Annesley", "Bestwood", "Ravensdale", "Glebe", "St Anne's",
    "St Mary's", "St John's", "Trent Valley", "Wollaton", "Greenacres", "Mapperley", "Linby", "Orchard",
    "Sycamore", "Rowan", "Hazel", "Silverdale", "Woodlands", "Parkside", "Lakeside", "Robin Hood",
    "Major Oak", "Bramcote", "Attenborough", "Holme Pierrepont", "Harlow Wood", "Fountaindale",
)  # fmt: skip
HOME_SUFFIXES = ("House", "Lodge", "Court", "Manor", "Grange", "Hall", "View", "Gardens", "Park", "Mews")
STANDALONE_HOMES = (
    "The Elms", "The Limes", "The Beeches", "The Willows", "The Poplars", "The Laurels", "The Grange",
    "The Old Vicarage", "The Old Rectory", "Orchard House", "The Cedars", "The Hollies", "The Firs",
)  # fmt: skip


def person_name(rng: random.Random) -> str:
    return f"{rng.choice(FIRST_NAMES)} {rng.choice(SURNAMES)}"


def email_local_part(name: str) -> str:
    """'Ngozi O'Neill' → 'ngozi.oneill' (plain ASCII letters, dots between names)."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return ".".join(re.sub(r"[^a-z]", "", part.lower()) for part in ascii_name.split())


def slug(name: str) -> str:
    """'Trent Valley Home Care Ltd' → 'trentvalleyhomecare', for demo web and email domains."""
    words = [w for w in re.sub(r"[^a-z ]", "", name.lower()).split() if w not in {"ltd", "the", "and"}]
    return "".join(words)[:40]


def care_home_name(rng: random.Random, town: Town, *, nursing: bool) -> str:
    word, suffix = rng.choice(PLACE_WORDS), rng.choice(HOME_SUFFIXES)
    roll = rng.random()
    if roll < 0.55:
        return f"{word} {suffix}"
    if roll < 0.72:
        return f"{word} {suffix} {'Nursing Home' if nursing else 'Care Home'}"
    if roll < 0.85:
        return rng.choice(STANDALONE_HOMES)
    return f"{town.short} {suffix}"


def home_care_name(rng: random.Random, town: Town) -> str:
    word = rng.choice(PLACE_WORDS)
    return rng.choice(
        (
            f"{word} Home Care",
            f"{word} Homecare",
            f"{word} Care at Home",
            f"{town.short} Home Care Services",
            f"{word} Domiciliary Care",
            f"{word} Care Services",
        )
    )


def supported_living_name(rng: random.Random, town: Town, *, regulated: bool) -> str:
    word = rng.choice(PLACE_WORDS)
    if regulated:
        choices = (
            f"{word} Supported Living",
            f"{rng.randint(2, 90)} {rng.choice(STREETS)}",
            f"{word} Community Support Service",
            f"{town.short} Supported Living Service",
        )
    else:
        choices = (f"{word} Housing Support", f"{town.short} Floating Support", f"{word} Tenancy Support")
    return rng.choice(choices)


def extra_care_name(rng: random.Random, town: Town) -> str:
    word = rng.choice(PLACE_WORDS)
    return rng.choice((f"{word} Court", f"{word} Place", f"{word} Gardens Extra Care", f"{town.short} Extra Care"))


def day_centre_name(rng: random.Random, town: Town) -> str:
    word = rng.choice(PLACE_WORDS)
    return rng.choice(
        (
            f"{word} Day Centre",
            f"{word} Day Opportunities",
            f"The {word} Centre",
            f"{word} Community Hub",
        )
    )


def other_service_name(rng: random.Random, town: Town) -> str:
    word = rng.choice(PLACE_WORDS)
    return rng.choice(
        (
            f"{town.short} Befriending Service",
            f"{word} Lunch Club",
            f"{town.short} Carers' Support Hub",
            f"{word} Wellbeing Café",
            f"{town.short} Dementia Café",
            f"{word} Advocacy Service",
            f"{town.short} Handyperson Service",
            f"{word} Sensory Support",
        )
    )


# Fictional groups, by what they run (real chains' names would attach made-up ratings to them).
CARE_HOME_BRANDS = (
    "Oakleaf Healthcare", "Meridian Care Homes", "Evergreen Lifestyle Care", "Castlegate Healthcare",
    "Trentvale Care Group", "Harbour Light Care", "Millstone Care", "Sovereign Court Care", "Lakeview Healthcare",
)  # fmt: skip
HOME_CARE_BRANDS = ("Northern Star Homecare", "Cornerstone Homecare", "Ashgrove Care at Home", "Brightday Home Care")
SUPPORT_BRANDS = ("Brightwater Support Services", "Pathways Supported Living", "Keystone Living")
HOUSING_BRANDS = ("Hearthstone Housing and Care", "Beacon Retirement Living")
VOLUNTARY_PATTERNS = (
    "{word} Community Trust", "{town} Voluntary Action", "{word} Housing Association", "Friends of {word}",
    "{word} Foundation", "{town} Community Care Association", "{word} Independent Living Trust",
    "{town} Disability Forum", "{word} Day Services Trust", "{town} Senior Citizens' Welfare Society",
)  # fmt: skip
NHS_TRUSTS = (
    "Sherwood Community Healthcare NHS Foundation Trust",
    "North Nottinghamshire Partnership NHS Trust",
    "Trent Valley Health and Care NHS Trust",
)


def independent_provider_name(rng: random.Random, service_name: str, *, care_home: bool) -> str:
    """A company's name, usually after its (first) service: 'Sherwood Lodge Care Ltd'."""
    roll = rng.random()
    # A house-named service ("14 Beech Avenue") does not lend its name to the company.
    if roll < 0.5 and not service_name[0].isdigit():
        base = re.sub(r" (Care Home|Nursing Home)$", "", service_name)
        named_like_a_home = base.split()[-1] in HOME_SUFFIXES or base in STANDALONE_HOMES
        if named_like_a_home and rng.random() < 0.5:
            return f"{base} Care Ltd"
        # Small community services are often community interest companies.
        return f"{base} {'CIC' if not named_like_a_home and rng.random() < 0.3 else 'Ltd'}"
    if roll < 0.8:
        return f"{rng.choice(PLACE_WORDS)} {rng.choice(('Care', 'Healthcare', 'Care Services'))} Ltd"
    return f"{rng.choice(SURNAMES)} {'Care Homes' if care_home else 'Care'} Ltd"


def partnership_name(rng: random.Random) -> str:
    surname = rng.choice(SURNAMES)
    first, second = rng.choice(FIRST_NAMES)[0], rng.choice(FIRST_NAMES)[0]
    return f"Mr {first} and Mrs {second} {surname}"


def individual_name(rng: random.Random) -> str:
    return f"{rng.choice(('Mr', 'Mrs', 'Ms', 'Dr'))} {person_name(rng)}"


def voluntary_name(rng: random.Random, town: Town) -> str:
    return rng.choice(VOLUNTARY_PATTERNS).format(word=rng.choice(PLACE_WORDS), town=town.short)
