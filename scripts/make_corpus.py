#!/usr/bin/env python3
"""Generate a deterministic synthetic corpus of live-blog pages, with a ground-truth manifest.

    python scripts/make_corpus.py OUT_DIR --stories N [--seed S] [--formats txt,html,jsonl]

The pages reproduce the shapes of real live blogs (repeated headlines with `Updated` / `Follow`
lines, identical stamps under every headline, time-stamped and numbered entries, day headers
before or after their posts, flat tickers of `HH.MM Uhr:` headings, promos and footers, a
last post cut short, bylines, share lists, author bios, <article> blocks with <time datetime>,
schema.org LiveBlogPosting JSON-LD, honest or misleading) around invented
stories about real countries, cities, people and organisations, dated 2021-2025. Every story
is also written to OUT_DIR/truth.ndjson (file, JSON line, position, headline, first words,
date, date basis) so tests and benchmarks can score segmentation; its `.ndjson` suffix keeps
`livesearch build OUT_DIR` from reading it as a page. The same seed always gives
byte-identical files. Nothing here is copied from real pages: all text comes from templates.
"""

from __future__ import annotations

import argparse
import bisect
import functools
import html
import itertools
import json
import random
import re
import sys
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

FORMATS = ("txt", "html", "jsonl")
STORIES_PER_PAGE = (20, 60)
PAGES_PER_JSONL_FILE = 25
FIRST_DAY = date(2021, 1, 1)
LAST_DAY = date(2025, 12, 31)
FIRST_WORDS = 8
TRUTH_FILE = "truth.ndjson"  # JSON lines, under a suffix the indexer does not ingest

# --- Vocabulary: real places, people and organisations, ordered by how often news names them.

# (country, demonym, capital, other cities)
COUNTRIES = [
    ("Ukraine", "Ukrainian", "Kyiv", ["Kharkiv", "Odesa", "Zaporizhzhia", "Dnipro", "Lviv", "Kherson"]),
    ("Russia", "Russian", "Moscow", ["St Petersburg", "Belgorod", "Rostov-on-Don", "Kursk", "Vladivostok"]),
    ("United States", "American", "Washington", ["New York", "Chicago", "Los Angeles", "Houston"]),
    ("China", "Chinese", "Beijing", ["Shanghai", "Shenzhen", "Wuhan", "Guangzhou"]),
    ("Israel", "Israeli", "Jerusalem", ["Tel Aviv", "Haifa", "Ashkelon"]),
    ("France", "French", "Paris", ["Marseille", "Lyon", "Strasbourg"]),
    ("Germany", "German", "Berlin", ["Munich", "Hamburg", "Frankfurt", "Ramstein"]),
    ("United Kingdom", "British", "London", ["Manchester", "Birmingham", "Glasgow"]),
    ("North Korea", "North Korean", "Pyongyang", ["Wonsan", "Sinuiju", "Rason"]),
    ("Iran", "Iranian", "Tehran", ["Isfahan", "Natanz", "Bushehr"]),
    ("Poland", "Polish", "Warsaw", ["Rzeszow", "Krakow", "Gdansk"]),
    ("Turkey", "Turkish", "Ankara", ["Istanbul", "Izmir", "Gaziantep"]),
    ("India", "Indian", "New Delhi", ["Mumbai", "Bengaluru", "Chennai"]),
    ("Japan", "Japanese", "Tokyo", ["Osaka", "Hiroshima", "Sapporo"]),
    ("South Korea", "South Korean", "Seoul", ["Busan", "Incheon"]),
    ("Belarus", "Belarusian", "Minsk", ["Brest", "Gomel"]),
    ("Moldova", "Moldovan", "Chisinau", ["Tiraspol", "Balti"]),
    ("Georgia", "Georgian", "Tbilisi", ["Batumi", "Kutaisi"]),
    ("Syria", "Syrian", "Damascus", ["Aleppo", "Idlib", "Homs"]),
    ("Lebanon", "Lebanese", "Beirut", ["Tyre", "Sidon"]),
    ("Egypt", "Egyptian", "Cairo", ["Alexandria", "Rafah"]),
    ("Saudi Arabia", "Saudi", "Riyadh", ["Jeddah", "Dhahran"]),
    ("Qatar", "Qatari", "Doha", ["Al Khor"]),
    ("Italy", "Italian", "Rome", ["Milan", "Naples"]),
    ("Spain", "Spanish", "Madrid", ["Barcelona", "Valencia"]),
    ("Hungary", "Hungarian", "Budapest", ["Debrecen"]),
    ("Finland", "Finnish", "Helsinki", ["Tampere", "Turku"]),
    ("Sweden", "Swedish", "Stockholm", ["Gothenburg", "Malmo"]),
    ("Estonia", "Estonian", "Tallinn", ["Narva", "Tartu"]),
    ("Lithuania", "Lithuanian", "Vilnius", ["Kaunas", "Klaipeda"]),
    ("Romania", "Romanian", "Bucharest", ["Constanta", "Cluj-Napoca"]),
    ("Brazil", "Brazilian", "Brasilia", ["Sao Paulo", "Rio de Janeiro"]),
    ("South Africa", "South African", "Pretoria", ["Johannesburg", "Cape Town"]),
    ("Nigeria", "Nigerian", "Abuja", ["Lagos", "Kano"]),
    ("Mali", "Malian", "Bamako", ["Timbuktu", "Gao"]),
    ("Vietnam", "Vietnamese", "Hanoi", ["Ho Chi Minh City", "Da Nang"]),
    ("Taiwan", "Taiwanese", "Taipei", ["Kaohsiung", "Taichung"]),
    ("Canada", "Canadian", "Ottawa", ["Toronto", "Montreal"]),
    ("Australia", "Australian", "Canberra", ["Sydney", "Melbourne"]),
    ("Kazakhstan", "Kazakh", "Astana", ["Almaty"]),
    ("Armenia", "Armenian", "Yerevan", ["Gyumri"]),
    ("Azerbaijan", "Azerbaijani", "Baku", ["Ganja"]),
    ("Serbia", "Serbian", "Belgrade", ["Novi Sad"]),
    ("Mongolia", "Mongolian", "Ulaanbaatar", ["Erdenet"]),
]

# (full name, surname as used on second mention, role, country)
PEOPLE = [
    ("Vladimir Putin", "Putin", "Russian President", "Russia"),
    ("Volodymyr Zelensky", "Zelensky", "Ukrainian President", "Ukraine"),
    ("Joe Biden", "Biden", "US President", "United States"),
    ("Xi Jinping", "Xi", "Chinese President", "China"),
    ("Emmanuel Macron", "Macron", "French President", "France"),
    ("Kim Jong Un", "Kim", "North Korean leader", "North Korea"),
    ("Olaf Scholz", "Scholz", "German Chancellor", "Germany"),
    ("Antony Blinken", "Blinken", "US Secretary of State", "United States"),
    ("Sergei Lavrov", "Lavrov", "Russian Foreign Minister", "Russia"),
    ("Recep Tayyip Erdogan", "Erdogan", "Turkish President", "Turkey"),
    ("Benjamin Netanyahu", "Netanyahu", "Israeli Prime Minister", "Israel"),
    ("Dmitry Peskov", "Peskov", "Kremlin spokesman", "Russia"),
    ("Jens Stoltenberg", "Stoltenberg", "NATO Secretary General", "Norway"),
    ("Ursula von der Leyen", "von der Leyen", "European Commission President", "Belgium"),
    ("Rishi Sunak", "Sunak", "British Prime Minister", "United Kingdom"),
    ("Narendra Modi", "Modi", "Indian Prime Minister", "India"),
    ("Dmytro Kuleba", "Kuleba", "Ukrainian Foreign Minister", "Ukraine"),
    ("Rafael Grossi", "Grossi", "IAEA Director General", "Austria"),
    ("Antonio Guterres", "Guterres", "UN Secretary-General", "United States"),
    ("Alexander Lukashenko", "Lukashenko", "Belarusian President", "Belarus"),
    ("Viktor Orban", "Orban", "Hungarian Prime Minister", "Hungary"),
    ("Fumio Kishida", "Kishida", "Japanese Prime Minister", "Japan"),
    ("Yoon Suk Yeol", "Yoon", "South Korean President", "South Korea"),
    ("Andrzej Duda", "Duda", "Polish President", "Poland"),
    ("John Kirby", "Kirby", "White House national security spokesman", "United States"),
    ("Sergei Shoigu", "Shoigu", "Russian Defence Minister", "Russia"),
    ("Maia Sandu", "Sandu", "Moldovan President", "Moldova"),
    ("Luiz Inacio Lula da Silva", "Lula", "Brazilian President", "Brazil"),
    ("Cyril Ramaphosa", "Ramaphosa", "South African President", "South Africa"),
    ("Kaja Kallas", "Kallas", "Estonian Prime Minister", "Estonia"),
    ("Giorgia Meloni", "Meloni", "Italian Prime Minister", "Italy"),
    ("Pedro Sanchez", "Sanchez", "Spanish Prime Minister", "Spain"),
    ("Justin Trudeau", "Trudeau", "Canadian Prime Minister", "Canada"),
    ("Anthony Albanese", "Albanese", "Australian Prime Minister", "Australia"),
    ("Ebrahim Raisi", "Raisi", "Iranian President", "Iran"),
    ("Mohammed bin Salman", "bin Salman", "Saudi Crown Prince", "Saudi Arabia"),
    ("Nikol Pashinyan", "Pashinyan", "Armenian Prime Minister", "Armenia"),
    ("Ilham Aliyev", "Aliyev", "Azerbaijani President", "Azerbaijan"),
    ("Aleksandar Vucic", "Vucic", "Serbian President", "Serbia"),
    ("Kassym-Jomart Tokayev", "Tokayev", "Kazakh President", "Kazakhstan"),
]

# (name as first mentioned, short name)
ORGS = [
    ("NATO", "NATO"),
    ("the United Nations", "the UN"),
    ("the European Union", "the EU"),
    ("the International Atomic Energy Agency", "the IAEA"),
    ("Reuters", "Reuters"),
    ("the UN Security Council", "the Security Council"),
    ("the Kremlin", "the Kremlin"),
    ("the Pentagon", "the Pentagon"),
    ("the European Commission", "the Commission"),
    ("the World Health Organization", "the WHO"),
    ("the International Monetary Fund", "the IMF"),
    ("the World Bank", "the World Bank"),
    ("the Red Cross", "the Red Cross"),
    ("the Associated Press", "AP"),
    ("Agence France-Presse", "AFP"),
    ("the International Criminal Court", "the ICC"),
    ("the G7", "the G7"),
    ("the African Union", "the AU"),
    ("OPEC", "OPEC"),
    ("Amnesty International", "Amnesty"),
    ("the Organization for Security and Co-operation in Europe", "the OSCE"),
    ("Gazprom", "Gazprom"),
    ("the World Food Programme", "the WFP"),
    ("UNICEF", "UNICEF"),
    ("Human Rights Watch", "HRW"),
    ("the European Central Bank", "the ECB"),
]

FIRST_NAMES = [
    "Olena", "Andriy", "Maria", "James", "Sofia", "Daniel", "Amira", "Tomasz", "Yuki", "Ibrahim",
    "Claire", "Mateo", "Anna", "Oleksandr", "Leila", "Pavel", "Grace", "Hiroshi", "Nadia", "Samuel",
    "Ingrid", "Carlos", "Fatima", "Viktor", "Elena", "Kwame", "Marta", "Lukas", "Aisha", "Jonas",
    "Irina", "David", "Chen", "Priya", "Mikhail", "Laura", "Tariq", "Zofia", "Emeka", "Hanna",
]
SURNAMES = [
    "Kovalenko", "Petrenko", "Novak", "Schmidt", "Moreau", "Tanaka", "Haddad", "Wisniewska", "Okafor",
    "Lindqvist", "Garcia", "Ivanova", "Bondarenko", "Rossi", "Kowalczyk", "Nakamura", "Mensah",
    "Dubois", "Melnyk", "Sorensen", "Castillo", "Volkova", "Hussain", "Fischer", "Popescu", "Kaya",
    "Andersen", "Shevchenko", "Bianchi", "Nowak", "Adeyemi", "Laurent", "Horvath", "Sato", "Khalil",
    "Marchetti", "Tkachenko", "Jansen", "Oliveira", "Park",
]
BEATS = ["Eastern Europe", "energy and climate", "European politics", "the Middle East",
         "security and defence", "East Asia", "global markets", "human rights"]

# Invented outlets: (name, short name for bylines, domain)
OUTLETS = [
    ("The Daily Meridian", "Meridian", "dailymeridian.example.com"),
    ("Northbridge Post", "Northbridge", "northbridgepost.example.com"),
    ("Global Wire Today", "GWT", "globalwire.example.org"),
    ("The Harbour Times", "Harbour Times", "harbourtimes.example.net"),
    ("Continental Herald", "Herald", "continentalherald.example.com"),
    ("Eastern Ledger", "Ledger", "easternledger.example.org"),
]

# Rarely used words: the long tail a realistic vocabulary needs.
RARE = [
    "desalination plant", "hydrofoil", "ammonium", "pontoon", "cobalt", "gristmill", "seismograph",
    "icebreaker", "lithium", "aqueduct", "turbine", "granary", "sawmill", "tramline", "marina",
    "observatory", "refinery", "substation", "viaduct", "foundry", "quarry", "brewery", "lighthouse",
    "orphanage", "monastery", "stadium", "tannery", "hatchery", "creamery", "smelter", "cannery",
    "cathedral", "ferry terminal", "grain silo", "pumping station", "railway depot", "customs post",
]
GOODS = ["egg", "grain", "steel", "oat", "sugar", "poultry", "fertiliser", "honey", "timber", "wheat",
         "sunflower oil", "solar panel", "electric vehicle", "aluminium", "corn"]
THINGS = ["escalation", "a humanitarian crisis", "famine", "a nuclear accident", "new sanctions",
          "a refugee surge", "energy shortages", "a prolonged conflict", "cyberattacks", "election meddling"]
WEAPONS = ["drones", "missiles", "artillery shells", "air-defence systems", "tanks", "fighter jets",
           "cruise missiles", "armoured vehicles", "glide bombs", "rocket launchers"]
AGENCIES = ["(REUTERS)", "(AP)", "(AFP)", "(Getty Images)", "(EPA)"]
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December"]
MONTHS_SHORT = ["Jan.", "Feb.", "March", "April", "May", "June", "July", "Aug.", "Sept.", "Oct.",
                "Nov.", "Dec."]

# --- Story templates. Slots are filled from one per-story context (see `story_context`).

HEADLINES = {
    "conflict": [
        "Drone attack hits {city} as {country} reports {n} injured",
        "Explosions heard in {capital}",
        "{demonym} forces claim advance near {city}",
        "{country} says it shot down {n} {weapon} overnight",
        "Shelling cuts power to {city}",
        "{person_last} vows response after strike on {city} {rare}",
        "Air raid alert declared across {country}",
        "Missile strike damages {rare} in {city}, officials say",
        "Fighting intensifies around {city}",
        "{country} accuses {country2} of attack on {rare}",
    ],
    "diplomacy": [
        "{person_last} meets {person2_last} in {capital2}",
        "{person} arrives in {capital2} for talks",
        "{org_short} chief warns of {thing}",
        "{country} and {country2} sign defence agreement",
        "{person_last} calls for ceasefire talks",
        "{org_short} foreign ministers gather in {capital2}",
        "{country} recalls ambassador from {country2}",
        "{person_last} says talks with {country2} were ‘constructive’",
        "{person_last} and {person2_last} agree to deepen ties. More talks expected",
    ],
    "economy": [
        "{org_short} agrees new sanctions on {country}",
        "{country} to impose tariffs on {demonym2} {goods} imports",
        "Treasury sanctions network linked to {country}",
        "{country} inflation hits {n}-year high",
        "{org_short} approves ${n}bn loan for {country}",
        "{demonym} {goods} exports fall for {n_small} months in a row",
        "{country} central bank raises rates again",
    ],
    "nuclear": [
        "IAEA inspectors reach plant near {city}",
        "{country} restarts reactor at {city}",
        "Grossi warns of risks at {city} nuclear plant",
        "{country} tests new ballistic missile",
        "{person_last} orders drills of nuclear forces",
    ],
    "politics": [
        "{country} opposition calls protest in {capital}",
        "{person_last} survives vote of confidence",
        "{demonym} parliament passes mobilisation law",
        "Thousands rally in {capital} against new {rare} law",
        "{country} sets date for snap election",
        "{demonym} minister resigns over {rare} contract",
    ],
    "humanitarian": [
        "Floods force {n} from homes in {city}",
        "{org_short} appeals for aid to {country}",
        "Evacuation convoy leaves {city}",
        "{n} civilians killed in {city}, {org_short} says",
        "{country} opens {n_small} new shelters for displaced families",
        "Grain ship leaves {city} port under {org_short} deal",
    ],
    "justice": [
        "{demonym} court jails {n_small} activists",
        "Court in {city} sentences {demonym2} journalist",
        "{org_short} opens inquiry into deaths in {city}",
        "{country} arrests {n_small} over {rare} sabotage plot",
        "{country} convicts professor of spying for {country2}",
    ],
}

SENTENCES = {
    "conflict": [
        "{demonym} officials said {n} people were injured when {weapon} struck {city} overnight.",
        "The regional governor said air defences destroyed {n} of {n2} {weapon} launched at the region.",
        "The {rare} and several apartment blocks were damaged, emergency services said on {weekday}.",
        "{person}, the {person_role}, said the attack showed the need for more {weapon}.",
        "{demonym} forces have been trying to push back lines around {city} for {n_small} weeks.",
        "Debris fell on {a_rare} near {city}, setting off a fire that burned for several hours.",
        "The military said it had repelled {n_small} assaults near {city} in the past day.",
        "{country} has denied targeting civilian infrastructure.",
    ],
    "diplomacy": [
        "{person} held talks with {person2} in {capital2} on {weekday}, officials said.",
        "The two leaders discussed security guarantees, trade and the war in Ukraine, according to a statement.",
        "{org} said the meeting was a chance to reduce tensions between {country} and {country2}.",
        "{person2_last} told reporters the talks had been frank and would continue next month.",
        "Diplomats in {capital2} said a joint declaration was unlikely before the summit.",
        "{person_last} is expected to travel on to {capital3} later in the week.",
        "Officials from {country} and {country2} also signed memorandums on {goods} trade and energy.",
    ],
    "economy": [
        "The measures target {n_small} banks and a number of {goods} exporters, officials said.",
        "{org} said the package would take effect within two weeks.",
        "{demonym} farmers have protested against cheap {goods} imports for months.",
        "Analysts at {org} expect growth of {n_small}.{n_small} percent this year.",
        "The finance ministry in {capital} said the decision was unfair and promised to respond.",
        "{goods} prices rose by {n} percent over the year, official data showed.",
        "The loan is intended to support the budget and rebuild {a_rare} damaged in the war.",
    ],
    "nuclear": [
        "{org} said its inspectors had found no sign of damage to the reactors.",
        "Rafael Grossi, the head of the IAEA, urged both sides to respect a safety zone around the plant.",
        "The plant near {city} lost external power for {n_small} hours, the operator said.",
        "{country} says the tests are a response to joint drills by its neighbours.",
        "Experts warned that {a_rare} cooling system at the site needed urgent repairs.",
    ],
    "politics": [
        "Thousands of people marched through central {capital} on {weekday}, waving flags.",
        "The opposition says the law would restrict independent media and a local {rare} cooperative.",
        "{person_last} told parliament the government would not back down.",
        "Police said {n} people had been detained, while organisers put the turnout far higher.",
        "The vote passed by {n2} to {n}, with several members of the ruling party abstaining.",
        "Observers from {org} said they would monitor the election.",
    ],
    "humanitarian": [
        "{org} said {n} people had been displaced and needed shelter, food and water.",
        "Rescue teams used boats to reach villages cut off near {city}.",
        "The {rare} in {city} was turned into a temporary shelter for families.",
        "Aid agencies warned that winter would make conditions much worse.",
        "Volunteers in {city} said supplies of medicine were running low.",
        "{person_last} promised compensation to every family that had lost a home.",
    ],
    "justice": [
        "The court in {city} sentenced the defendants to between {n_small} and {n2_small} years in prison.",
        "Prosecutors said the group had collected information on {a_rare} and military sites.",
        "Lawyers for the accused said they would appeal and called the trial political.",
        "{org} described the verdict as a blow to freedom of expression.",
        "The case was heard behind closed doors, and journalists were not allowed in.",
    ],
    "common": [
        "{org} could not independently verify the reports.",
        "The information could not be immediately confirmed.",
        "{person_last} has repeatedly said {country} will not accept any deal imposed from outside.",
        "Officials in {capital} did not respond to a request for comment.",
        "The situation remains tense, local residents told reporters.",
        "Earlier, {org} said it was following events in {country} closely.",
        "It was not clear how long the measures would remain in place.",
        "{person}, the {person_role}, is due to address {org_short} next week.",
        "The latest developments come as {country2} weighs its own response.",
        "Residents of {city} described a sleepless night of sirens and blackouts.",
        "A spokesperson for {org} said more details would be released later.",
        "{demonym} media reported the news first, citing unnamed sources.",
        "Markets in {capital} were little changed after the announcement.",
        "Satellite images reviewed by {org} appeared to show damage to {a_rare}.",
        "The mayor of {city} urged people to stay indoors until further notice.",
        "{person2_last} welcomed the move but said more needed to be done.",
        "Opposition figures in {country} accused the government of hiding the true figures.",
    ],
}

QUOTES = [
    "We will not be intimidated",
    "This is a clear violation of international law",
    "Our priority is the safety of civilians",
    "The door to dialogue remains open",
    "We need more support, and we need it now",
    "Nobody should doubt our resolve",
    "These are difficult days for our country",
    "Every life matters, and every village matters",
]

TOPICS = list(HEADLINES)
TIME_ZONES = [("CST", -6), ("EST", -5), ("CET", 1), ("EET", 2), ("JST", 9)]


def zipf_weights(n: int) -> list[float]:
    """Cumulative 1/rank weights: the first entries of a list are named far more often."""
    return list(itertools.accumulate(1.0 / (rank + 1) ** 1.1 for rank in range(n)))


COUNTRY_WEIGHTS = zipf_weights(len(COUNTRIES))
PEOPLE_WEIGHTS = zipf_weights(len(PEOPLE))
ORG_WEIGHTS = zipf_weights(len(ORGS))


def pick_index(rng: random.Random, cum_weights: list[float]) -> int:
    """A weighted choice from precomputed cumulative weights (fast in hot loops)."""
    return bisect.bisect(cum_weights, rng.random() * cum_weights[-1])


# Planted storylines: (person, city, organisation) named together far above chance, so the
# demo's "who appears with" has a known answer (e.g. Rafael Grossi: Zaporizhzhia, the IAEA).
STORYLINES = [
    ("Rafael Grossi", "Zaporizhzhia", "the International Atomic Energy Agency"),
    ("Kim Jong Un", "Vladivostok", "the Kremlin"),
    ("Recep Tayyip Erdogan", "Odesa", "the United Nations"),
]
STORYLINE_RATE = 0.04
# Wire copy: one story in WIRE_RATE reprints an earlier agency story of another outlet, lightly
# edited (new headline, a paragraph cut, a sentence added), as live blogs do with Reuters/AP/AFP.
WIRE_RATE = 0.03
WIRE_POOL = 200  # recent agency stories a copy is drawn from
WIRE_AGENCIES = ("Reuters", "AP", "AFP")


# --- Records


@dataclass
class StoryDraft:
    """One invented story and its true date, before a page layout renders it."""

    headline: str | None
    paragraphs: list[str]
    when: datetime  # local time of the post
    topic: str
    country: str
    capital: str
    ctx: dict = field(default_factory=dict, repr=False)  # the slot values it was written from


@dataclass
class RenderedPage:
    """A page rendered in one layout: its text or HTML, and the truth of each story on it."""

    layout: str
    content: str
    truth: list[dict] = field(default_factory=list)


# --- Story writing


def story_context(rng: random.Random, when: datetime, storyline: tuple | None = None) -> dict:
    """Slot values for one story: the main actors repeat within a story, as in real reporting.
    One story in STORYLINE_RATE follows a planted storyline (a person always seen with one
    city and organisation), so co-occurrence has a known answer in any corpus."""
    first, second = pick_index(rng, COUNTRY_WEIGHTS), pick_index(rng, COUNTRY_WEIGHTS)
    if second == first:
        second = (first + 1) % len(COUNTRIES)
    one, other = pick_index(rng, PEOPLE_WEIGHTS), pick_index(rng, PEOPLE_WEIGHTS)
    org = ORGS[pick_index(rng, ORG_WEIGHTS)]
    city = None
    if storyline is not None:
        person_name, city, org_name = storyline
        one = next(i for i, p in enumerate(PEOPLE) if p[0] == person_name)
        first = next(i for i, c in enumerate(COUNTRIES) if city in c[3])
        second = (first + 1) % len(COUNTRIES) if second == first else second
        org = next(o for o in ORGS if o[0] == org_name)
    if other == one:
        other = (one + 1) % len(PEOPLE)
    country, demonym, capital, cities = COUNTRIES[first]
    country2, demonym2, capital2, _ = COUNTRIES[second]
    person, person2 = PEOPLE[one], PEOPLE[other]
    n = rng.randint(2, 400)
    return {
        "country": country, "demonym": demonym, "capital": capital,
        "city": city or rng.choice(cities), "country2": country2, "demonym2": demonym2,
        "capital2": capital2, "capital3": rng.choice(COUNTRIES)[2],
        "person": person[0], "person_last": person[1], "person_role": person[2],
        "person2": person2[0], "person2_last": person2[1],
        "org": org[0], "org_short": org[1][4:] if org[1].startswith("the ") else org[1],
        "n": n, "n2": n + rng.randint(1, 90), "n_small": rng.randint(2, 9),
        "n2_small": rng.randint(10, 15), "weapon": rng.choice(WEAPONS), "rare": rng.choice(RARE),
        "goods": rng.choice(GOODS), "a_rare": with_article(rng.choice(RARE)), "thing": rng.choice(THINGS),
        "weekday": WEEKDAYS[when.weekday()],  # body mentions of the day agree with the date
    }


def with_article(noun: str) -> str:
    return f"{'an' if noun[0] in 'aeiou' else 'a'} {noun}"


def capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


# Sentences that read well after `On Friday, ` once their first letter is lowered.
LOWERABLE_STARTS = ("The ", "A ", "Officials ", "Prosecutors ", "Police ", "Aid ", "Rescue ", "Volunteers ",
                    "Lawyers ", "Experts ", "Debris ", "Diplomats ", "Analysts ", "Thousands ", "It ")


def lead_sentence(sentence: str, weekday: str) -> str:
    """The first sentence, made to say `on <weekday>` in one of the ways reporters do."""
    if f"on {weekday}" in sentence:
        return sentence
    if sentence.startswith(LOWERABLE_STARTS):
        return f"On {weekday}, {sentence[0].lower()}{sentence[1:]}"
    if " said" not in sentence:
        return f"{sentence[:-1]}, officials said on {weekday}."
    return f"{sentence} The announcement came on {weekday}."


def write_paragraphs(rng: random.Random, topic: str, ctx: dict, when: datetime) -> list[str]:
    """2-5 paragraphs of 1-3 sentences, no sentence twice; the lead says on which day."""
    pool = SENTENCES[topic] + SENTENCES["common"]
    sizes = [rng.randint(1, 3) for _ in range(rng.randint(1, 4))]
    chosen = rng.sample(pool, min(len(pool), 1 + sum(sizes)))
    sentences = [capitalised(template.format(**ctx)) for template in chosen]
    paragraphs = [lead_sentence(sentences.pop(), WEEKDAYS[when.weekday()])]
    for size in sizes:
        taken = [sentences.pop() for _ in range(min(len(sentences), size))]
        if rng.random() < 0.2:
            taken.append(f"“{rng.choice(QUOTES)},” {ctx['person_last']} said.")
        if taken:
            paragraphs.append(" ".join(taken))
    return paragraphs


def restate_day(story: StoryDraft, day: str) -> None:
    """Replace the lead's bare weekday by a fuller mention (`Friday, October 13`, `Oct. 18`)."""
    weekday = WEEKDAYS[story.when.weekday()]
    story.paragraphs[0] = story.paragraphs[0].replace(f"n {weekday}", f"n {day}", 1)


def write_story(rng: random.Random, when: datetime, used_headlines: set[str], storyline: tuple | None = None) -> StoryDraft:
    """One invented story; its headline is unique on the page so repeats mean repetition."""
    topic = rng.choice(TOPICS)
    for _ in range(20):
        ctx = story_context(rng, when, storyline)
        headline = capitalised(rng.choice(HEADLINES[topic]).format(**ctx))
        if headline not in used_headlines:
            break
    else:
        headline = f"{headline} ({len(used_headlines)})"  # still unpunctuated at the end
    used_headlines.add(headline)
    return StoryDraft(headline, write_paragraphs(rng, topic, ctx, when), when, topic,
                      ctx["country"], ctx["capital"], ctx)


def introduce_names(paragraphs: list[str], ctx: dict) -> list[str]:
    """A person named only by surname gets the full name at the first mention, as reporters
    write it (a bare 'Sunak' cannot be placed by a reader, nor by a tagger)."""
    for full, last in ((ctx["person"], ctx["person_last"]), (ctx["person2"], ctx["person2_last"])):
        text = " ".join(paragraphs)
        if full in text or not re.search(rf"\b{re.escape(last)}\b", text):
            continue
        for i, paragraph in enumerate(paragraphs):
            if re.search(rf"\b{re.escape(last)}\b", paragraph):
                paragraphs[i] = re.sub(rf"\b{re.escape(last)}\b", full, paragraph, count=1)
                break
    return paragraphs


def wire_copy(rng: random.Random, original: StoryDraft, paragraphs: list[str], when: datetime,
              used_headlines: set[str]) -> StoryDraft:
    """Another outlet's reprint of an agency story: its own headline, the lead's day moved to
    the reprint's, maybe a paragraph cut and a sentence added."""
    ctx = dict(original.ctx, weekday=WEEKDAYS[when.weekday()])
    headline = original.headline
    for _ in range(20):
        headline = capitalised(rng.choice(HEADLINES[original.topic]).format(**ctx))
        if headline != original.headline and headline not in used_headlines:
            break
    else:
        headline = f"{original.headline} ({len(used_headlines)})"
    used_headlines.add(headline)
    old_day, new_day = WEEKDAYS[original.when.weekday()], ctx["weekday"]
    paragraphs = [paragraphs[0].replace(f"n {old_day}", f"n {new_day}")] + paragraphs[1:]
    if len(paragraphs) > 2 and rng.random() < 0.5:
        at = rng.randrange(1, len(paragraphs))
        if _names_introduced(paragraphs[:at] + paragraphs[at + 1:], ctx):
            del paragraphs[at]
    if rng.random() < 0.6:
        added = capitalised(rng.choice(SENTENCES["common"]).format(**ctx))
        at = rng.randrange(len(paragraphs))
        edited = paragraphs[:at] + [f"{paragraphs[at]} {added}"] + paragraphs[at + 1:] if at else paragraphs + [added]
        if _names_introduced(edited, ctx):
            paragraphs = edited
    return StoryDraft(headline, paragraphs, when, original.topic, original.country, original.capital, ctx)


def _names_introduced(paragraphs: list[str], ctx: dict) -> bool:
    """Every person named by surname is also named in full (an edit must not leave a bare
    'Sunak', which a reader, and a tagger, cannot place)."""
    text = " ".join(paragraphs)
    return all(ctx[full] in text or ctx[last] not in text
               for full, last in (("person", "person_last"), ("person2", "person2_last")) if last in ctx)


def first_words(paragraph: str) -> str:
    return " ".join(paragraph.split()[:FIRST_WORDS])


# --- Date and time formats seen on live blogs


def day_header(rng: random.Random, day: date) -> str:
    return rng.choice((
        f"{MONTHS[day.month - 1]} {day.day}, {day.year}",
        f"{WEEKDAYS[day.weekday()]} {day.day} {MONTHS[day.month - 1]} {day.year}",
        f"{day.day} {MONTHS[day.month - 1]} {day.year}",
    ))


def clock_12h(when: datetime, style: str) -> str:
    hour = when.hour % 12 or 12
    if style == "us":  # 11:44 p.m.
        return f"{hour}:{when.minute:02d} {'a.m.' if when.hour < 12 else 'p.m.'}"
    return f"{hour}.{when.minute:02d}{'am' if when.hour < 12 else 'pm'}"  # 2.01am


def dual_zone(when: datetime, zone: tuple[str, int]) -> str:
    """`17:17 GMT / 11:17 CST`: `when` is GMT; the second clock is the zone's local time."""
    local = when + timedelta(hours=zone[1])
    return f"{when:%H:%M} GMT / {local:%H:%M} {zone[0]}"


def iso_day(when: datetime) -> str:
    return when.strftime("%Y-%m-%d")


# --- Page furniture


def person_name(rng: random.Random) -> str:
    return f"{rng.choice(FIRST_NAMES)} {rng.choice(SURNAMES)}"


def possessive(name: str) -> str:
    return name + ("'" if name.endswith("s") else "'s")


def byline(rng: random.Random, outlet: tuple) -> str:
    return rng.choice((
        f"From {possessive(outlet[1])} {person_name(rng)}",
        f"By {person_name(rng)}",
        f"By Team {outlet[1].split()[0][:2].upper()}",
        f"By {person_name(rng)} and {person_name(rng)}",
    ))


def author_block(rng: random.Random, outlet: tuple) -> list[str]:
    """`Avatar`, name, role, a bio paragraph and `Read more`: the foot of a feed page."""
    name = person_name(rng)
    role = rng.choice(("News Editor", "Reporter", "Senior Correspondent", "Live Editor"))
    city = rng.choice(COUNTRIES)[2]
    bio = (f"{name} is a {role.lower()} at {outlet[0]}, covering {rng.choice(BEATS)}. "
           f"Before joining, {name.split()[0]} reported from {rng.choice(COUNTRIES)[2]} for several years. "
           f"{name.split()[0]} is currently based in {city}.")
    return ["Avatar", name, "", role, "", bio, "", "Read more"]


SHARE_LISTS = [
    ["Share", "Facebook", "X", "WhatsApp", "Copy link"],
    ["Share this article", "Facebook", "Twitter", "LinkedIn", "Email"],
    ["Share on Facebook | Share on X | Copy link"],
]


def photo_captions(rng: random.Random, story: StoryDraft) -> list[str]:
    """`1 / 2` caption lines: long, and ending with an agency in brackets, not a full stop."""
    count = rng.randint(1, 3)
    lines = []
    for number in range(1, count + 1):
        person = PEOPLE[pick_index(rng, PEOPLE_WEIGHTS)]
        shot = story.when - timedelta(days=rng.randint(0, 900))
        lines.append(f"{number} / {count}")
        lines.append(f"{person[0]}, center, speaks during a meeting in {story.capital}, {story.country}, "
                     f"{WEEKDAYS[shot.weekday()]}, {MONTHS[shot.month - 1]} {shot.day}, {shot.year}. "
                     f"{rng.choice(AGENCIES)}")
    return lines


def teaser(rng: random.Random, when: datetime) -> tuple[str, str]:
    """A related-article teaser: a headline-like line and a clipped blurb."""
    ctx = story_context(rng, when)
    title = f"{ctx['country']}, {ctx['country2']} and {ctx['org_short']} have new dynamics. And it’s bad for {ctx['country2']}"
    blurb = rng.choice(SENTENCES["diplomacy"]).format(**ctx)
    return title, blurb[: max(20, len(blurb) - 25)].rstrip() + "…"


# --- Page layouts. Each returns the page content and one truth dict per story.


def truth(story: StoryDraft, position: int, layout: str, basis: str, headline: str | None, *,
          printed: str | None = None, first: str | None = None, alt: str | None = None,
          with_time: bool = True) -> dict:
    """The manifest fields of one story; `printed` is the headline line as it appears on the page.

    `date` is always the day the story was written for; `date_basis` says what a careful reader
    could know from the page (`none`: a day is mentioned but no year anywhere).
    """
    return {
        "position": position, "headline": headline, "headline_line": printed or headline,
        "first_words": first or first_words(story.paragraphs[0]), "alt_first_words": alt,
        "date": iso_day(story.when),
        "time": story.when.strftime("%H:%M") if with_time and basis == "stated" else None,
        "date_basis": basis, "layout": layout, "teaser": False,
    }


def layout_dense(rng, stories, outlet, dated_page) -> RenderedPage:
    """No blank lines; an untitled first story; weekday-and-day mentions; a trailing `Source:`."""
    lines, entries = [], []
    basis = "page" if dated_page else "inferred"
    for position, story in enumerate(stories):
        restate_day(story, f"{WEEKDAYS[story.when.weekday()]}, {MONTHS[story.when.month - 1]} {story.when.day}")
        headline = None if position == 0 else story.headline
        if headline:
            lines.append(headline)
        lines.extend(story.paragraphs)
        entries.append(truth(story, position, "dense", basis, headline))
    if rng.random() < 0.6:
        lines.append(f"Source: {outlet[2]}")
    return RenderedPage("dense", "\n".join(lines) + "\n", entries)


def layout_repeated(rng, stories, outlet, dated_page) -> RenderedPage:
    """Headline, captions, `Short Url`, `Updated <date>`, `Follow`, the headline again, bullets."""
    lines, entries = [], []
    for position, story in enumerate(stories):
        lines += [story.headline, ""]
        if rng.random() < 0.3:
            lines += photo_captions(rng, story)
        if rng.random() < 0.5:
            lines.append("Short Url")
        when = story.when
        lines += [f"Updated {when.day} {MONTHS[when.month - 1]} {when.year}", "Follow", "", story.headline, ""]
        body = [f"{story.capital.upper()}: {story.paragraphs[0]}"] + story.paragraphs[1:]
        if rng.random() < 0.3 and len(body) > 2:
            standfirst = body.pop()
            lines += [f"  • {standfirst}", ""]
            entries.append(truth(story, position, "repeated", "stated", story.headline, with_time=False,
                                 first=first_words(standfirst), alt=first_words(body[0])))
        else:
            entries.append(truth(story, position, "repeated", "stated", story.headline, with_time=False,
                                 first=first_words(body[0])))
        lines += body
        lines += ["", " ", "", ""]
    return RenderedPage("repeated", "\n".join(lines) + "\n", entries)


def layout_timestamped(rng, stories, outlet, dated_page, shape: str) -> RenderedPage:
    """Newest first under day headers; one time-stamp `shape` per page; optional `___` and bylines."""
    zone = rng.choice(TIME_ZONES)
    separators = rng.random() < 0.4
    lines = [f"{stories[0].country} live: latest updates", ""]
    entries, current_day = [], None
    for position, story in enumerate(sorted(stories, key=lambda s: s.when, reverse=True)):
        if story.when.date() != current_day:
            current_day = story.when.date()
            lines += [day_header(rng, current_day), ""]
        if shape == "alone":
            lines.append(clock_12h(story.when, "us"))
            printed = story.headline
        elif shape == "prefix_us":
            printed = f"{clock_12h(story.when, 'us')} {story.headline}"
        elif shape == "prefix_uk":
            printed = f"{clock_12h(story.when, 'uk')}: {story.headline}"
        else:
            printed = f"{dual_zone(story.when, zone)}: {story.headline}"
        lines.append(printed)
        if rng.random() < 0.3:
            lines.append(byline(rng, outlet))
        lines.append("")
        for paragraph in story.paragraphs:
            lines += [paragraph, ""]
        if separators:
            lines += ["___", ""]
        entries.append(truth(story, position, f"timestamped-{shape}", "stated", story.headline, printed=printed))
    return RenderedPage("timestamped", "\n".join(lines) + "\n", entries)


def layout_numbered(rng, stories, outlet, dated_page) -> RenderedPage:
    """`1. Headline` entries under one day header per day."""
    lines, entries, current_day = [], [], None
    for position, story in enumerate(sorted(stories, key=lambda s: s.when)):
        if story.when.date() != current_day:
            current_day = story.when.date()
            lines += [day_header(rng, current_day), ""]
        printed = f"{position + 1}. {story.headline}"
        lines += [printed, ""]
        for paragraph in story.paragraphs:
            lines += [paragraph, ""]
        entries.append(truth(story, position, "numbered", "stated", story.headline, printed=printed,
                             with_time=False))
    return RenderedPage("numbered", "\n".join(lines) + "\n", entries)


def layout_feed(rng, stories, outlet, dated_page) -> RenderedPage:
    """`News Feed`, a site promo, `Show More`, `N min read`, repeated headline, captions, shares, bio."""
    promo = (f"This week, {stories[0].country} and its neighbours dominated the news. "
             "Catch up with our weekly digest of the stories that mattered.")
    lines = ["News Feed", "", promo, "", "Show More", "News Feed", ""]
    entries = []
    for position, story in enumerate(stories):
        lines += [story.headline, "", f"{rng.randint(1, 9)} min read", story.headline]
        if rng.random() < 0.5:
            lines += photo_captions(rng, story)[1::2]
        lines.append("")
        restate_day(story, f"{MONTHS_SHORT[story.when.month - 1]} {story.when.day}")
        for paragraph in story.paragraphs:
            lines += [paragraph, ""]
        if rng.random() < 0.3:
            lines += SHARE_LISTS[rng.randrange(len(SHARE_LISTS))] + [""]
        entries.append(truth(story, position, "feed", "page" if dated_page else "none", story.headline))
    title, blurb = teaser(rng, stories[-1].when)
    lines += [title, blurb, ""]
    entries.append({**truth(stories[0], len(stories), "feed", "none", title, first=first_words(blurb)),
                    "date": None, "teaser": True})
    lines += author_block(rng, outlet)
    return RenderedPage("feed", "\n".join(lines) + "\n", entries)


def layout_stamped(rng, stories, outlet, dated_page) -> RenderedPage:
    """Every headline over the same stamp for its day (`Updated 24 September 2024`, `Posted ...`
    or a bare date), a promo or notice before the first post, and newsletter/copyright footers."""
    kind = rng.choice(("Updated ", "Posted ", ""))
    lines = [rng.choice((f"Breaking news: {stories[0].country}", "Follow our live updates for the latest",
                         "This content may not be republished without permission.")), ""]
    entries = []
    for position, story in enumerate(sorted(stories, key=lambda s: s.when, reverse=True)):
        day = story.when
        lines += [story.headline, f"{kind}{day.day} {MONTHS[day.month - 1]} {day.year}", ""]
        for paragraph in story.paragraphs:
            lines += [paragraph, ""]
        entries.append(truth(story, position, "stamped", "stated", story.headline, with_time=False))
    lines += ["Sign up to our morning newsletter", f"© {stories[0].when.year} {outlet[0]}", ""]
    return RenderedPage("stamped", "\n".join(lines) + "\n", entries)


GERMAN_WEEKDAYS = ["Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag"]
GERMAN_MONTHS = ["Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober",
                 "November", "Dezember"]
TICKER_CLOCKS = ("{:%H.%M} Uhr: ", "{:%H:%M} GMT – ")


def german_day(day: date) -> str:
    return f"{GERMAN_WEEKDAYS[day.weekday()]}, {day.day}. {GERMAN_MONTHS[day.month - 1]} {day.year}"


def cut_short(story: StoryDraft) -> None:
    """The page was saved in the middle of this post: keep its first twelve words."""
    story.paragraphs = [" ".join(story.paragraphs[0].split()[:12])]


def layout_ticker(rng, stories, outlet, dated_page) -> RenderedPage:
    """A flat ticker: `HH.MM Uhr: Headline` (or `14:10 GMT – Headline`) posts, newest first, each
    day's label after its posts, an intro before the first post; the page ends mid-post."""
    clock = rng.choice(TICKER_CLOCKS)
    lines = [f"Our reporters follow the situation in {stories[0].country} for you.", ""]
    ordered = sorted(stories, key=lambda s: s.when, reverse=True)
    cut_short(ordered[-1])
    entries = []
    last_day = ordered[-1].when.date()  # its label would follow the cut post: never printed
    for position, story in enumerate(ordered):
        printed = clock.format(story.when) + story.headline
        lines += [printed, ""]
        for paragraph in story.paragraphs:
            lines += [paragraph, ""]
        basis = "none" if story.when.date() == last_day else "stated"
        entries.append({**truth(story, position, "ticker", basis, story.headline, printed=printed),
                        "truncated": story is ordered[-1]})
        following = ordered[position + 1] if position + 1 < len(ordered) else None
        if following is not None and following.when.date() != story.when.date():
            lines += [german_day(story.when.date()), ""]
    return RenderedPage("ticker", "\n".join(lines) + "\n", entries)


TEXT_LAYOUTS = [layout_dense, layout_repeated, layout_numbered, layout_feed, layout_stamped, layout_ticker] + [
    functools.partial(layout_timestamped, shape=shape) for shape in ("alone", "prefix_us", "prefix_uk", "dual")]


def esc(text: str) -> str:
    return html.escape(text, quote=False)


def html_head(title: str, outlet: tuple, url: str, extra: str = "") -> str:
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{esc(title)}</title>\n<meta property=\"og:site_name\" content=\"{html.escape(outlet[0])}\">\n"
            f"<link rel=\"canonical\" href=\"{url}\">{extra}</head>\n<body>\n"
            "<header><nav><a href=\"/\">Home</a> <a href=\"/world\">World</a> <a href=\"/live\">Live</a></nav></header>\n")


HTML_FOOT = ("<footer><p>Share</p><ul><li>Facebook</li><li>X</li><li>Email</li></ul>"
             "<p>© Invented outlet for testing</p></footer>\n</body></html>\n")


def utc_iso(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def layout_html_blocks(rng, stories, outlet, title, url) -> RenderedPage:
    """<article class=block> posts with <time datetime>; about a third have no <h2>."""
    newest = max(s.when for s in stories)
    parts = [html_head(title, outlet, url), f"<h1>{esc(title)}</h1>\n",
             f"<div class=\"standfirst\"><p>Follow the latest on {esc(stories[0].country)} as it happens</p></div>\n",
             f"<p class=\"dateline\">{newest:%a %d %b %Y %H.%M} GMT</p>\n"]
    entries = []
    for position, story in enumerate(sorted(stories, key=lambda s: s.when, reverse=True)):
        titled = rng.random() < 0.65
        parts.append(f"<article class=\"block\" id=\"block-{rng.getrandbits(48):012x}\">\n"
                     f"<p class=\"block-time\"><time datetime=\"{utc_iso(story.when)}\">{story.when:%H.%M} GMT</time></p>\n")
        if titled:
            parts.append(f"<h2>{esc(story.headline)}</h2>\n")
        if rng.random() < 0.2:
            parts.append(f"<p class=\"byline\">{esc(byline(rng, outlet))}</p>\n")
        parts.extend(f"<p>{esc(p)}</p>\n" for p in story.paragraphs)
        parts.append("</article>\n")
        entries.append(truth(story, position, "html-blocks", "stated", story.headline if titled else None))
    parts.append(HTML_FOOT)
    return RenderedPage("html-blocks", "".join(parts), entries)


def layout_html_jsonld(rng, stories, outlet, title, url) -> RenderedPage:
    """schema.org LiveBlogPosting JSON-LD with one liveBlogUpdate per post, and the posts as <section>s."""
    ordered = sorted(stories, key=lambda s: s.when, reverse=True)
    updates = [{"@type": "BlogPosting", "headline": s.headline, "datePublished": utc_iso(s.when),
                "articleBody": "\n\n".join(s.paragraphs)} for s in ordered]
    ld = {"@context": "https://schema.org", "@type": "LiveBlogPosting", "headline": title, "url": url,
          "coverageStartTime": utc_iso(ordered[-1].when), "dateModified": utc_iso(ordered[0].when),
          "publisher": {"@type": "Organization", "name": outlet[0]}, "liveBlogUpdate": updates}
    script = ("\n<script type=\"application/ld+json\">"
              + json.dumps(ld, ensure_ascii=False).replace("</", "<\\/") + "</script>")
    parts = [html_head(title, outlet, url, script), f"<main><h1>{esc(title)}</h1>\n"]
    entries = []
    for position, story in enumerate(ordered):
        parts.append(f"<section class=\"live-post\">\n<h3>{esc(story.headline)}</h3>\n"
                     f"<span class=\"post-time\">{clock_12h(story.when, 'us')}</span>\n")
        parts.extend(f"<p>{esc(p)}</p>\n" for p in story.paragraphs)
        if rng.random() < 0.3:
            parts.append("<div class=\"share\"><button>Share</button><button>Copy link</button></div>\n")
        parts.append("</section>\n")
        entries.append(truth(story, position, "html-jsonld", "stated", story.headline))
    parts.append("</main>\n" + HTML_FOOT)
    return RenderedPage("html-jsonld", "".join(parts), entries)


def layout_html_flat(rng, stories, outlet, title, url) -> RenderedPage:
    """No post structure: day headers in <h3>, `2.01am: Headline` in <p><strong>, <hr> between."""
    parts = [html_head(title, outlet, url), f"<h1>{esc(title)}</h1>\n<div class=\"content\">\n"]
    entries, current_day = [], None
    for position, story in enumerate(sorted(stories, key=lambda s: s.when, reverse=True)):
        if story.when.date() != current_day:
            current_day = story.when.date()
            parts.append(f"<h3>{esc(day_header(rng, current_day))}</h3>\n")
        printed = f"{clock_12h(story.when, 'uk')}: {story.headline}"
        parts.append(f"<p><strong>{esc(printed)}</strong></p>\n")
        parts.extend(f"<p>{esc(p)}</p>\n" for p in story.paragraphs)
        parts.append("<hr>\n")
        entries.append(truth(story, position, "html-flat", "stated", story.headline, printed=printed))
    parts.append("</div>\n" + HTML_FOOT)
    return RenderedPage("html-flat", "".join(parts), entries)


def layout_html_ticker(rng, stories, outlet, title, url) -> RenderedPage:
    """A flat ticker in one rich-text block: `<h2>HH.MM Uhr: Headline</h2>` and paragraphs, no
    per-post container; a teaser list and intro before, the day label in the next block after;
    misleading JSON-LD (every update headed by the page title, plus older posts not shown)."""
    ordered = sorted(stories, key=lambda s: s.when, reverse=True)
    updates = [{"@type": "BlogPosting", "headline": title, "datePublished": utc_iso(s.when),
                "articleBody": "".join(f"<p>{esc(p)}</p>" for p in s.paragraphs)} for s in ordered]
    updates.append({"@type": "BlogPosting", "headline": title, "datePublished": utc_iso(ordered[-1].when - timedelta(days=3)),
                    "articleBody": "An older post from this blog&apos;s archive, not shown on the page."})
    ld = {"@context": "https://schema.org", "@type": "LiveBlogPosting", "headline": title, "liveBlogUpdate": updates}
    script = ("\n<script type=\"application/ld+json\">"
              + json.dumps(ld, ensure_ascii=False).replace("</", "<\\/") + "</script>")
    tag = rng.choice(("h2", "h3"))
    parts = [html_head(title, outlet, url, script), f"<h1>{esc(title)}</h1>\n<div class=\"content\">\n"
             "<div class=\"rich-text\"><p>The most important news at a glance</p><ul>"]
    parts.extend(f"<li><a href=\"#p{n}\">{esc(s.headline)}</a></li>" for n, s in enumerate(ordered[:3]))
    parts.append(f"</ul><p>With reporting from {esc(outlet[0])} correspondents and agencies.</p>\n")
    entries = []
    for position, story in enumerate(ordered):
        printed = f"{story.when:%H.%M} Uhr: {story.headline}"
        parts.append(f"<{tag}>{esc(printed)}</{tag}>\n")
        parts.extend(f"<p>{esc(p)}</p>\n" for p in story.paragraphs)
        entries.append(truth(story, position, "html-ticker", "stated", story.headline, printed=printed))
        following = ordered[position + 1] if position + 1 < len(ordered) else None
        if following is not None and following.when.date() != story.when.date():
            parts.append(f"<{tag}>{esc(german_day(story.when.date()))}</{tag}>\n")
    parts.append(f"</div>\n<div class=\"rich-text\"><h2>{esc(german_day(ordered[-1].when.date()))}</h2>"
                 "<ul><li><a href=\"/older\">Earlier developments</a></li></ul></div>\n</div>\n")
    parts.append(HTML_FOOT)
    return RenderedPage("html-ticker", "".join(parts), entries)


HTML_LAYOUTS = [layout_html_blocks, layout_html_jsonld, layout_html_flat, layout_html_ticker]


# --- Pages and files


def plan_page(rng: random.Random, count: int, wire_pool: list | None = None, outlet: str = "",
              plant: random.Random | None = None) -> list[StoryDraft]:
    """`count` stories over one to three consecutive days of a random day in 2021-2025. Given a
    `wire_pool` (recent (outlet, story, paragraphs) of other pages), some stories are wire copies
    and some follow planted storylines, drawn with the `plant` generator: every other story is
    the same as without planting."""
    start = FIRST_DAY + timedelta(days=rng.randrange((LAST_DAY - FIRST_DAY).days - 3))
    days = rng.randint(1, 3)
    used: set[str] = set()
    stories = []
    plant = plant or random.Random(count)
    for _ in range(count):
        day = start + timedelta(days=rng.randrange(days))
        when = datetime(day.year, day.month, day.day, rng.randint(7, 22), rng.randint(0, 59))
        story = write_story(rng, when, used)
        if wire_pool is None:
            stories.append(story)
            continue
        others = [entry for entry in wire_pool if entry[0] != outlet]
        draw = plant.random()
        if others and draw < WIRE_RATE:
            _, original, paragraphs = plant.choice(others)
            stories.append(wire_copy(plant, original, paragraphs, when, used))
            continue
        if draw < WIRE_RATE + STORYLINE_RATE:
            story = write_story(plant, when, used, plant.choice(STORYLINES))
            story.paragraphs = introduce_names(story.paragraphs, story.ctx)
        stories.append(story)
        wire_pool.append((outlet, story, list(story.paragraphs)))
        del wire_pool[:-WIRE_POOL]
    return stories


def page_title(story: StoryDraft) -> str:
    return f"{story.country} live: {story.headline}"


class LayoutDeck:
    """Deals layouts like shuffled cards, so even a small corpus shows every page pattern."""

    def __init__(self, rng: random.Random, layouts: list):
        self.rng, self.layouts, self.cards = rng, layouts, []

    def deal(self):
        if not self.cards:
            self.cards = self.rng.sample(self.layouts, len(self.layouts))
        return self.cards.pop()


def render_page(rng: random.Random, fmt: str, stories: list[StoryDraft], outlet: tuple, slug: str,
                decks: dict[str, LayoutDeck]) -> tuple[RenderedPage, dict]:
    """Render `stories` for one file format; returns the page and the JSON fields of a scrape."""
    url = f"https://{outlet[2]}/live/{stories[0].when:%Y/%m/%d}/{slug}"
    title = page_title(stories[0])
    layout = decks[fmt].deal()
    if fmt != "jsonl":
        return (layout(rng, stories, outlet, title, url) if fmt == "html" else layout(rng, stories, outlet, False)), {}
    published = max(s.when for s in stories)
    fields = {"url": url, "title": title, "source": outlet[0], "published": published.strftime("%Y-%m-%dT%H:%M:%S")}
    if layout in HTML_LAYOUTS:
        page = layout(rng, stories, outlet, title, url)
        fields["html"] = page.content
    else:
        page = layout(rng, stories, outlet, True)
        fields["text"] = page.content
    return page, fields


def page_sizes(total: int, rng: random.Random) -> list[int]:
    """Page sizes of 20-60 stories adding up exactly to `total`."""
    sizes = []
    while total > 0:
        size = min(total, rng.randint(*STORIES_PER_PAGE))
        sizes.append(size)
        total -= size
    return sizes


def generate(out_dir: Path, stories: int, seed: int = 0, formats: tuple[str, ...] = FORMATS) -> dict:
    """Write the corpus and truth.ndjson into `out_dir`; returns counts per format."""
    rng = random.Random(seed)
    out_dir.mkdir(parents=True, exist_ok=True)
    truth_lines: list[str] = []
    counts = {"pages": 0, "stories": 0, "files": 0}
    jsonl_lines: list[str] = []
    jsonl_index = 0
    decks = {"txt": LayoutDeck(rng, TEXT_LAYOUTS), "html": LayoutDeck(rng, HTML_LAYOUTS),
             "jsonl": LayoutDeck(rng, TEXT_LAYOUTS + HTML_LAYOUTS)}

    def flush_jsonl() -> None:
        nonlocal jsonl_index, jsonl_lines
        if jsonl_lines:
            (out_dir / "jsonl").mkdir(exist_ok=True)
            jsonl_index += 1
            (out_dir / "jsonl" / f"scrape-{jsonl_index:04d}.jsonl").write_text("".join(jsonl_lines), encoding="utf-8")
            counts["files"] += 1
            jsonl_lines = []

    wire_pool: list = []
    plant = random.Random(f"plant-{seed}")  # wire copies and storylines, apart from the main stream
    for number, size in enumerate(page_sizes(stories, rng), start=1):
        fmt = formats[rng.randrange(len(formats))]
        outlet = OUTLETS[rng.randrange(len(OUTLETS))]
        drafts = plan_page(rng, size, wire_pool, outlet[0], plant)
        slug = f"page-{number:06d}"
        page, fields = render_page(rng, fmt, drafts, outlet, slug, decks)
        if fmt == "jsonl":
            relative, line = f"jsonl/scrape-{jsonl_index + 1:04d}.jsonl", len(jsonl_lines) + 1
            jsonl_lines.append(json.dumps(fields, ensure_ascii=False, sort_keys=True) + "\n")
        else:
            relative, line = f"{fmt}/{slug}.{fmt}", None
            (out_dir / fmt).mkdir(exist_ok=True)
            (out_dir / relative).write_text(page.content, encoding="utf-8")
            counts["files"] += 1
        for entry in page.truth:
            truth_lines.append(json.dumps({"file": relative, "line": line, **entry}, ensure_ascii=False, sort_keys=True) + "\n")
        counts["pages"] += 1
        counts["stories"] += size
        counts["teasers"] = counts.get("teasers", 0) + sum(1 for entry in page.truth if entry.get("teaser"))
        counts[fmt] = counts.get(fmt, 0) + 1
        if fmt == "jsonl" and len(jsonl_lines) >= PAGES_PER_JSONL_FILE:
            flush_jsonl()
    flush_jsonl()
    (out_dir / TRUTH_FILE).write_text("".join(truth_lines), encoding="utf-8")
    return counts


# --- A live blog saved again and again (issue 15: snapshots)

LIVE_DIR = "live"


def write_live_blog(out_dir: Path, seed: int, snapshots: int, posts: int) -> dict:
    """One live blog as `snapshots` scrapes of the same URL (JSON lines with `scraped_at`, one
    file per scrape, as a scraper saving every few minutes would leave them): posts arrive on
    top through the day, about one post in twelve is corrected in a later scrape and one in
    twenty-five is deleted. Returns the truth: distinct posts, corrected, deleted."""
    rng = random.Random(f"live-{seed}")
    outlet = OUTLETS[rng.randrange(len(OUTLETS))]
    day = date(2024, 1, 1) + timedelta(days=rng.randrange(365))
    start = datetime(day.year, day.month, day.day, 6, 0)
    span = timedelta(hours=16)
    used: set[str] = set()
    drafts = [write_story(rng, start + span * (k / max(1, posts)), used) for k in range(posts)]
    times = [start + span * ((i + 1) / snapshots) for i in range(snapshots)]
    due = [bisect.bisect_right(times, d.when) for d in drafts]  # the first scrape showing each post
    corrected, deleted = {}, {}
    for k, first in enumerate(due):
        if first < snapshots - 1 and rng.random() < 1 / 12:
            corrected[k] = rng.randrange(first + 1, snapshots)
        elif first < snapshots - 1 and rng.random() < 1 / 25:
            deleted[k] = rng.randrange(first + 1, snapshots)
    slug = f"live-{day.isoformat()}"
    url = f"https://{outlet[2]}/live/{slug}"
    title = f"{outlet[1]} live: the day's news as it happens"
    folder = out_dir / LIVE_DIR
    folder.mkdir(parents=True, exist_ok=True)
    for i, when in enumerate(times):
        lines = [title, f"{WEEKDAYS[day.weekday()]} {day.day} {MONTHS[day.month - 1]} {day.year}", ""]
        for k in reversed(range(posts)):
            if due[k] > i or deleted.get(k, snapshots) <= i:
                continue
            draft = drafts[k]
            paragraphs = list(draft.paragraphs)
            if corrected.get(k, snapshots) <= i:
                paragraphs[-1] += " This post has been corrected: an earlier version gave the wrong figure."
            lines += [f"{draft.when:%H:%M} GMT", draft.headline, *paragraphs, ""]
        row = {"url": url, "source": outlet[2], "title": title, "scraped_at": f"{when:%Y-%m-%dT%H:%M:%S}Z",
               "text": "\n".join(lines)}
        (folder / f"{slug}-{when:%H%M%S}.jsonl").write_text(json.dumps(row, ensure_ascii=False) + "\n", encoding="utf-8")
    shown = sum(1 for first in due if first < snapshots)
    return {"snapshots": snapshots, "posts": shown, "corrected": len(corrected), "deleted": len(deleted)}


# --- Scoring a segmenter against truth.ndjson


@dataclass
class Agreement:
    """How far a segmenter's stories agree with the manifest, overall and per layout."""

    truth_stories: int = 0
    found: int = 0  # same headline (or both untitled) and body starting at the first words
    segmented: int = 0
    extra: int = 0  # segmented stories matching no truth story (teasers excepted)
    dated: int = 0  # found stories whose truth has a date
    same_date: int = 0
    by_layout: dict = field(default_factory=dict)  # layout -> [truth, found, dated, same_date]
    misses: dict = field(default_factory=dict)  # layout -> first few (file, line, headline, first words)

    @property
    def recall(self) -> float:
        return self.found / max(1, self.truth_stories)

    @property
    def precision(self) -> float:
        return (self.segmented - self.extra) / max(1, self.segmented)

    @property
    def date_agreement(self) -> float:
        return self.same_date / max(1, self.dated)


def normalised(text: str | None) -> str:
    return " ".join("".join(c if c.isalnum() else " " for c in (text or "").lower()).split())


def _matches(story, expected: dict) -> bool:
    if expected["headline"] is None:
        if story.headline:
            return False
    elif normalised(story.headline) not in (normalised(expected["headline"]), normalised(expected["headline_line"])):
        return False
    body = normalised(" ".join(story.body))
    return any(body.startswith(normalised(words)) for words in (expected["first_words"], expected["alt_first_words"]) if words)


def score(out_dir: Path, stories_from_file, bases: tuple[str, ...] = ("stated", "inferred", "page")) -> Agreement:
    """Segment every file of a generated corpus with `stories_from_file(path) -> (stories, problems)`.

    Stories are grouped by page (`origin` is the path, or `path:line` for JSON lines) and each
    truth story is matched to an unused segmented story of its page. Dates are compared (day
    only) for truth stories whose basis is in `bases`.
    """
    expected_by_page: dict[tuple[str, int | None], list[dict]] = {}
    for line in (out_dir / TRUTH_FILE).read_text(encoding="utf-8").splitlines():
        entry = json.loads(line)
        expected_by_page.setdefault((entry["file"], entry["line"]), []).append(entry)
    result = Agreement()
    got_by_page: dict[tuple[str, int | None], list] = {}
    for relative in sorted({file for file, _ in expected_by_page}):
        stories, _problems = stories_from_file(out_dir / relative)
        for story in stories:
            head, _, tail = story.origin.rpartition(":")
            line = int(tail) if relative.endswith(".jsonl") and tail.isdigit() else None
            got_by_page.setdefault((relative, line), []).append(story)
    for page, expected in expected_by_page.items():
        unused = list(got_by_page.get(page, []))
        result.segmented += len(unused)
        for entry in expected:
            match = next((story for story in unused if _matches(story, entry)), None)
            if match is not None:
                unused.remove(match)
            if entry["teaser"]:
                continue
            tally = result.by_layout.setdefault(entry["layout"], [0, 0, 0, 0])
            result.truth_stories += 1
            tally[0] += 1
            if match is None:
                examples = result.misses.setdefault(entry["layout"], [])
                if len(examples) < 3:
                    examples.append((*page, entry["headline_line"], entry["first_words"]))
                continue
            result.found += 1
            tally[1] += 1
            if entry["date"] and entry["date_basis"] in bases:
                result.dated += 1
                tally[2] += 1
                if (match.date or "")[:10] == entry["date"]:
                    result.same_date += 1
                    tally[3] += 1
        result.extra += len(unused)
    return result


def parse_formats(text: str) -> tuple[str, ...]:
    formats = tuple(f.strip().lower() for f in text.split(",") if f.strip())
    unknown = [f for f in formats if f not in FORMATS]
    if not formats or unknown:
        raise argparse.ArgumentTypeError(
            f"unknown format {', '.join(unknown) or '(none)'}; choose from {','.join(FORMATS)}")
    return formats


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out_dir", type=Path, help="folder to write txt/, html/, jsonl/ and truth.ndjson into")
    parser.add_argument("--stories", type=int, required=True, help="total number of stories to write")
    parser.add_argument("--seed", type=int, default=0, help="same seed, same bytes (default 0)")
    parser.add_argument("--formats", type=parse_formats, default=FORMATS,
                        help="comma-separated subset of txt,html,jsonl (default all)")
    parser.add_argument("--live-snapshots", type=int, default=0,
                        help="also write one live blog as this many scrapes of its URL, into live/ (default none)")
    parser.add_argument("--live-posts", type=int, default=60, help="posts of that live blog by its last scrape")
    args = parser.parse_args(argv)
    if args.stories < 1:
        parser.error("--stories must be at least 1")
    if args.out_dir.exists() and not args.out_dir.is_dir():
        parser.error(f"{args.out_dir} exists and is not a folder; pass a folder path")
    started = time.perf_counter()
    counts = generate(args.out_dir, args.stories, args.seed, args.formats)
    per_format = ", ".join(f"{counts.get(f, 0)} {f}" for f in args.formats)
    teasers = counts.get("teasers", 0)
    print(f"Wrote {counts['stories']} stories on {counts['pages']} pages ({per_format}) in {counts['files']} files "
          f"to {args.out_dir} in {time.perf_counter() - started:.1f}s; truth in {args.out_dir / TRUTH_FILE}",
          file=sys.stderr)
    if teasers:
        # A feed page ends with a teaser for another article, which reads like one more post:
        # the segmenter keeps it (undated), so a build counts these too.
        print(f"plus {teasers} end-of-page teaser{'s' if teasers != 1 else ''} that read as posts: "
              f"a build indexes {counts['stories'] + teasers} stories", file=sys.stderr)
    if args.live_snapshots > 0:
        live = write_live_blog(args.out_dir, args.seed, args.live_snapshots, args.live_posts)
        print(f"Wrote a live blog of {live['posts']} posts as {live['snapshots']} scrapes ({live['corrected']} "
              f"corrected, {live['deleted']} deleted later) to {args.out_dir / LIVE_DIR}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
