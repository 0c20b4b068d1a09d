"""A small gazetteer of organisations that news pages name often, with their acronyms.

The small spaCy model tags companies as people (`Gazprom`, `Rosatom`) and misses parties and
armed groups; a page may write an organisation only as its acronym (`OSCE`) and another only
in full. This list is what no data package carries: names known to be organisations, so that
type repair can trust them, all-caps acronyms can be told from shouted words (`TOUGH`), and an
acronym joins its long name even when the corpus never spells the long name out.
"""

from __future__ import annotations

from functools import cache

from searcher.enrich.names import fold_text

# "Long name | ACRONYM | other spelling @CC": the first entry is the display name; `@CC` names the
# country of a national body (the Home Office speaks for the United Kingdom).
# Names that are as often plain words or places (Shell, Apple, Amazon, Meta) are left out.
KNOWN = """
United Nations | UN | U.N.
United Nations Security Council | UNSC | UN Security Council | U.N. Security Council | Security Council
United Nations General Assembly | UNGA | UN General Assembly | General Assembly
United Nations Human Rights Council | UNHRC | UN Human Rights Council
UN Refugee Agency | UNHCR
UN Relief and Works Agency | UNRWA
UNICEF
World Health Organization | WHO | World Health Organisation
World Food Programme | WFP | World Food Program
International Atomic Energy Agency | IAEA
International Criminal Court | ICC
International Court of Justice | ICJ
International Monetary Fund | IMF
World Bank
World Trade Organization | WTO | World Trade Organisation
NATO | North Atlantic Treaty Organization | Nato | North Atlantic Treaty Organisation
European Union | EU | E.U.
European Commission | EU Commission
European Parliament
European Council
Council of the European Union
European Central Bank | ECB
Council of Europe
Organization for Security and Co-operation in Europe | OSCE | Organisation for Security and Co-operation in Europe | Organization for Security and Cooperation in Europe
G7 | Group of Seven
G20 | Group of 20 | Group of Twenty
BRICS
ASEAN | Association of Southeast Asian Nations
African Union | AU
Arab League
OPEC | Organization of the Petroleum Exporting Countries
Collective Security Treaty Organization | CSTO
Shanghai Cooperation Organisation | SCO | Shanghai Cooperation Organization
Red Cross | International Committee of the Red Cross | ICRC
Amnesty International | Amnesty
Human Rights Watch | HRW
Doctors Without Borders | MSF | Medecins Sans Frontieres
Interpol
Europol
Frontex
National Security Council | NSC @US
Central Intelligence Agency | CIA @US
Federal Bureau of Investigation | FBI @US
State Department | US State Department | U.S. State Department @US
Department of Defense | US Department of Defense @US
Treasury | US Treasury | Treasury Department
Office of Foreign Assets Control | OFAC @US
Congress | US Congress @US
Senate | US Senate
House of Representatives @US
Supreme Court | US Supreme Court
Democratic Party | Democrats @US
Republican Party | Republicans | GOP @US
Home Office @GB
Foreign Office | Foreign, Commonwealth and Development Office | FCDO @GB
Ministry of Defence | MoD @GB
House of Commons | Commons @GB
House of Lords | Lords @GB
Conservative Party | Conservatives | Tories | Tory party @GB
Labour Party | Labour @GB
Liberal Democrats | Lib Dems @GB
Scottish National Party | SNP @GB
Reform UK @GB
Office for Budget Responsibility | OBR @GB
Bank of England @GB
BBC | British Broadcasting Corporation
Royal Air Force | RAF @GB
Royal Navy @GB
Federal Security Service | FSB @RU
Security Service of Ukraine | SBU @UA
Main Intelligence Directorate | GUR | HUR @UA
Wagner | Wagner Group
Gazprom
Rosatom
Rosneft
Lukoil
Roscosmos
Naftogaz
Ukrenergo
Energoatom
Aeroflot
Sberbank
Hamas
Hezbollah
Islamic State | ISIS | ISIL | Daesh
Al-Qaeda | al-Qaeda | Al Qaeda
Taliban
Houthis | Ansar Allah
Hayat Tahrir al-Sham | HTS
Islamic Revolutionary Guard Corps | IRGC | Revolutionary Guards @IR
Israel Defense Forces | IDF | Israeli Defense Forces @IL
Palestinian Authority
PA Media | PA
Korean Central News Agency | KCNA @KP
Korean People's Army | KPA @KP
Reuters
Associated Press | AP
Agence France-Presse | AFP
TASS | Tass
RIA Novosti | RIA
Interfax
Xinhua
Yonhap
Bloomberg
CNN
CBS News
NBC News
ABC News
Al Jazeera
Telegram
Twitter
Facebook
Google
Microsoft
Tesla
SpaceX
Starlink
OpenAI
Boeing
Airbus
Lockheed Martin
Raytheon
Rheinmetall
Huawei
TikTok
BP
ExxonMobil
Chevron
TotalEnergies
Pfizer
Moderna
BioNTech
AstraZeneca
"""


def _entries() -> list[list[str]]:
    return [[part.strip() for part in line.split("@")[0].split("|")] for line in KNOWN.strip().splitlines()]


@cache
def _countries() -> dict[str, str]:
    """Display name of a national body -> ISO code of its country."""
    out = {}
    for line in KNOWN.strip().splitlines():
        if "@" in line:
            names, code = line.split("@")
            out[names.split("|")[0].strip()] = code.strip()
    return out


def organization_country(name: str) -> str | None:
    """ISO code of the country a known national body belongs to (`Home Office` -> GB), else None."""
    return _countries().get(name)


@cache
def known_organizations() -> dict[str, str]:
    """Fold key of every known spelling -> the organisation's display name."""
    table: dict[str, str] = {}
    for names in _entries():
        for name in names:
            table.setdefault(fold_text(name), names[0])
    return table


def known_organization(text: str) -> str | None:
    """The display name of a known organisation (`Nato`, `U.N.`, `Daesh` -> its entry), else None.

    Acronyms are matched case-sensitively (`IS`, `AP`, `PA` are also words), full names by fold key."""
    table = known_organizations()
    name = table.get(fold_text(text))
    if name is None:
        return None
    if len(text.replace(".", "")) <= 3 and not text.replace(".", "").isupper():
        return None
    return name


def organization_spellings(name: str) -> list[str]:
    """The list's other spellings of a known organisation's display name (`OSCE` for its long
    name): tagging writes every spelling as the display name, so only the list knows them."""
    for names in _entries():
        if names[0] == name:
            return names[1:]
    return []


@cache
def known_acronyms() -> frozenset[str]:
    """Upper-case spellings of the list (`NATO`, `OSCE`, `KCNA`): all-caps words that are no shouting."""
    return frozenset(name.replace(".", "") for names in _entries() for name in names if name.replace(".", "").isupper())
