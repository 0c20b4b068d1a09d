"""British and American spellings folded to one form: `defence` = `defense`, `mobilisation` =
`mobilization`, `colour` = `color`, `travelled` = `traveled`.

No well-kept PyPI package carries this list (the ones there are unmaintained since 2020-21), so
it is a compact rule set plus small tables. Folding runs on lowercased words before stemming,
at index and query time alike, so a rule that also rewrites a word that is no spelling variant
(`promise` -> `promize`) does no harm: both sides fold the same. Only a rule that made two
different words equal would hurt, and the rules below avoid the known ones (`prise`/`prize`).

The folded form is American; it is never shown (the index stores stems), so the choice is only
a key. Changing these tables changes the index's words: bump `analysis.ANALYZER_VERSION`.
"""

from __future__ import annotations

import re

# -ise/-isation/-yse family: organise, organisation, mobilised, analysing, paralysed.
_ISE = re.compile(r"^(?P<stem>\w{3,}?)is(?P<end>e|es|ed|ing|er|ers|ation|ations|able)$")
_YSE = re.compile(r"^(?P<stem>\w{2,}?)ys(?P<end>e|es|ed|ing|er|ers)$")
_ISE_KEEP = frozenset(
    """prise prises prised prising""".split()  # `prize` is another word
)

# Roots whose British spelling differs inside the word (colour, colourful, discoloured).
_INFIXES = {
    "colour": "color", "honour": "honor", "labour": "labor", "favour": "favor",
    "neighbour": "neighbor", "behaviour": "behavior", "harbour": "harbor", "rumour": "rumor",
    "armour": "armor", "vigour": "vigor", "endeavour": "endeavor", "humour": "humor",
    "flavour": "flavor", "saviour": "savior", "odour": "odor", "valour": "valor",
    "parlour": "parlor", "rigour": "rigor", "tumour": "tumor", "splendour": "splendor",
    "clamour": "clamor", "fervour": "fervor", "candour": "candor", "ardour": "ardor",
    "savour": "savor", "vapour": "vapor", "demeanour": "demeanor", "glamour": "glamor",
    "defence": "defense", "offence": "offense", "pretence": "pretense", "licence": "license",
    "paediatr": "pediatr", "anaem": "anem", "anaesth": "anesth", "haemorrh": "hemorrh",
    "haemat": "hemat", "haemophil": "hemophil", "haemoglobin": "hemoglobin", "leukaem": "leukem",
    "oesophag": "esophag", "oestrogen": "estrogen", "orthopaed": "orthoped",
    "encyclopaed": "encycloped", "diarrhoea": "diarrhea", "foetus": "fetus", "foetal": "fetal",
    "gynaecolog": "gynecolog", "faeces": "feces", "palaeo": "paleo", "caesarean": "cesarean",
"mediaeval": "medieval", "sulphur": "sulfur", "moustache": "mustache",
    "sceptic": "skeptic", "aluminium": "aluminum", "jewellery": "jewelry",
    "judgement": "judgment", "acknowledgement": "acknowledgment", "artefact": "artifact",
    "aeroplane": "airplane", "pyjama": "pajama", "plough": "plow", "smoulder": "smolder",
    "woollen": "woolen", "enrolment": "enrollment", "instalment": "installment",
    "skilful": "skillful", "wilful": "willful",
}
_INFIX_RE = re.compile("|".join(sorted(map(re.escape, _INFIXES), key=len, reverse=True)))

# Whole words.
_WORDS = {
    "grey": "gray", "greys": "grays", "greyed": "grayed", "greying": "graying", "greyer": "grayer",
    "programme": "program", "programmes": "programs", "ageing": "aging", "mould": "mold", "moulds": "molds", "mouldy": "moldy", "moult": "molt",
    "cosy": "cozy", "gaol": "jail", "gaols": "jails", "kerb": "curb", "kerbs": "curbs",
    "manoeuvre": "maneuver", "manoeuvres": "maneuvers", "manoeuvred": "maneuvered",
    "manoeuvring": "maneuvering", "fulfil": "fulfill", "fulfils": "fulfills", "fulfilment": "fulfillment", "fulfilments": "fulfillments",
    "enrol": "enroll", "enrols": "enrolls", "instil": "instill", "instils": "instills",
    "distil": "distill", "enthral": "enthrall", "appal": "appall", "appals": "appalls",
    "practise": "practice", "practised": "practiced", "practises": "practices", "practising": "practicing",
    "catalogue": "catalog", "catalogues": "catalogs", "catalogued": "cataloged",
    "dialogue": "dialog", "dialogues": "dialogs", "analogue": "analog", "analogues": "analogs",
    "monologue": "monolog", "prologue": "prolog", "epilogue": "epilog", "travelogue": "travelog",
}

# -re words: centre/center, theatre, metre (with -s and -d).
_RE_ROOTS = """cent theat met lit fib calib somb spect lust meag sab goit mit scept kilomet millimet
    centimet epicent lacklust reconnoit och""".split()
_RE_WORDS = {root + "re" + end: root + "er" + american_end
             for root in _RE_ROOTS for end, american_end in (("", ""), ("s", "s"), ("d", "ed"))}

# Verbs that double a final l in British English: travelled, cancelling, labelled, counsellor.
_DOUBLE_L = """travel cancel label model fuel refuel signal channel level marshal total tunnel
    quarrel dial equal rival counsel duel shovel pedal panel barrel funnel grovel libel marvel
    pencil revel snorkel spiral swivel towel unravel yodel jewel kidnap worship""".split()
_DOUBLE_L_RE = re.compile(
    r"^(?P<root>" + "|".join(map(re.escape, sorted(_DOUBLE_L, key=len, reverse=True))) + r")"
    r"(?P<double>[lp])(?P<end>ed|ing|er|ers|or|ors)$"
)


def american(word: str) -> str:
    """The American spelling of a lowercased word (the word itself when it has no other)."""
    if word in _WORDS:
        return _WORDS[word]
    if word in _RE_WORDS:
        return _RE_WORDS[word]
    match = _DOUBLE_L_RE.match(word)
    if match and match["root"].endswith(match["double"]):
        return match["root"] + match["end"]
    if _INFIX_RE.search(word):
        word = _INFIX_RE.sub(lambda m: _INFIXES[m.group(0)], word)
    if word not in _ISE_KEEP:
        match = _ISE.match(word)
        if match:
            return f"{match['stem']}iz{match['end']}"
        match = _YSE.match(word)
        if match:
            return f"{match['stem']}yz{match['end']}"
    return word
