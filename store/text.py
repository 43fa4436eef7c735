"""Wording shared by pages, emails and messages."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from datetime import date, datetime, timezone, tzinfo
from difflib import SequenceMatcher
from decimal import Decimal
from functools import lru_cache
from urllib.parse import quote


def counted(number: int, noun: str, plural: str | None = None, verb: tuple[str, str] | None = None) -> str:
    """'1 project', '3 projects', '1,790 organisations'; `plural` for a noun that does not just take an s; `verb`
    (its singular, its plural) to follow: '1 call matches', '3 calls match'."""
    said = f"{number:,} {noun if number == 1 else plural or noun + 's'}"
    return f"{said} {verb[number != 1]}" if verb else said


# The most an amount column holds (numeric(16, 2): fourteen digits of whole euros). No EU grant comes near it.
MAX_EUROS = Decimal("99999999999999")
_EUROS = re.compile(r"\d{1,3}(?:[ ,]\d{3})+(?:\.\d{1,2})?|\d+(?:\.\d{1,2})?")


def and_list(items: list[str]) -> str:
    """"a", "a and b", "a, b and c"."""
    return " and ".join(filter(None, (", ".join(items[:-1]), items[-1]))) if items else ""


def typed_euros(raw: str | None) -> Decimal | None:
    """An amount of euros as people type one into a form: `120000`, `120 000`, `120,000`, `€120000.50`,
    `120 000 EUR`; blank: None. Anything else (a negative, a decimal comma, an exponent) raises ValueError,
    for the form to say what it wanted."""
    text = re.sub(r"[\s\u00a0\u202f]+", " ", (raw or "").replace("€", "").replace("EUR", "")).strip()
    if not text:
        return None
    if not _EUROS.fullmatch(text):
        raise ValueError(f"{text!r} is not an amount in euros")
    return Decimal(text.replace(" ", "").replace(",", ""))


def amount(value) -> str:
    """An amount of euros as a form field shows it for editing: in full, with no thousands separator and no
    cents when there are none ("120000", "120000.50"); none: empty."""
    if value is None:
        return ""
    return f"{value:.0f}" if value == int(value) else f"{value:.2f}"


def one_line(text: str | None) -> str:
    """Text as one line, as a name, a table cell or a CSV column holds it: tabs, line breaks and runs of
    spaces become one space, and the ends are trimmed."""
    return " ".join((text or "").split())


def capitalised(clause: str) -> str:
    """A clause as a sentence starts it: the first letter upper case, the rest as written (str.capitalize
    would write "17 sep" and "horizon-cl2")."""
    return clause[:1].upper() + clause[1:]


def cut(text: str, width: int) -> str:
    """`text` in at most `width` characters, an ellipsis marking where it was cut (for fixed-width columns)."""
    return text if len(text) <= width else text[: width - 1] + "…"


# The codes CORDIS writes for Greece and the United Kingdom, and the ISO codes they are stored as.
COUNTRY_FIXES = {"EL": "GR", "UK": "GB"}
# Names that read better than the ISO list's (which has no code for Kosovo), CORDIS's codes included.
COUNTRY_NAMES = {"XK": "Kosovo", "CD": "DR Congo", "PS": "Palestine", "RU": "Russia", "EL": "Greece",
                 "UK": "United Kingdom"}
# Names people type, lower case, with their codes: those above, and some the ISO list spells otherwise.
TYPED_NAMES = {name.lower(): code for code, name in COUNTRY_NAMES.items()} | {
    "turkey": "TR", "great britain": "GB", "britain": "GB"}


def country_code(value: str | None) -> str | None:
    """A country as a source wrote it, as it is stored: ISO 3166 alpha-2 (CORDIS's EL and UK as GR and GB)."""
    if not value:
        return None
    value = value.strip().upper()
    return COUNTRY_FIXES.get(value, value)


@lru_cache(maxsize=512)
def country_name(code: str | None) -> str:
    """A country's name from its two-letter code ("ER" -> "Eritrea"): a EuropeAid call's "ER" or "GQ"
    is not something a reader decodes. The code itself when it names no country."""
    if not code:
        return ""
    import pycountry  # its tables load on first use

    code = code.strip().upper()
    if code in COUNTRY_NAMES:
        return COUNTRY_NAMES[code]
    found = pycountry.countries.get(alpha_2=code) if len(code) == 2 else None
    return (getattr(found, "common_name", None) or found.name) if found else code


def area_text(eligibility: dict) -> str:
    """The countries a call is open to, as its programme words them ("EU27, Norway, Switzerland") rather
    than 29 codes; their names where it gives no words; "" when it is open to all."""
    allowed = eligibility.get("countries") or []
    return (eligibility.get("area") or ", ".join(map(country_name, allowed))) if allowed else ""


def country_from(typed: str) -> str | None:
    """The code of a country as a person types it: a code in any case ("lv"), a three-letter code or an
    English name ("Latvia"). Stored as every source's countries are (ISO: CORDIS's EL and UK as GR and
    GB). None when it names no country."""
    import pycountry

    text = re.sub(r"^the\s+", "", " ".join(typed.split()), flags=re.IGNORECASE)  # "the Netherlands"
    code = country_code(TYPED_NAMES.get(text.lower(), text)) or ""
    if code in COUNTRY_NAMES:  # Kosovo, which the ISO list lacks, and the other codes named above
        return code
    try:  # codes of two or three letters and names, in any case
        return pycountry.countries.lookup(code).alpha_2
    except LookupError:
        return None


def typed_countries(text: str | None) -> tuple[list[str], list[str]]:
    """Countries as a form takes them, one a comma or a line ("LV, Estonia"): their codes as stored
    (`country_from`), each once, and for each that names no country the sentence that says so."""
    codes, problems = [], []
    for typed in filter(None, (part.strip() for part in (text or "").replace("\n", ",").split(","))):
        code = country_from(typed)
        if code is None:
            problems.append(f"Countries are codes or English names, e.g. LV or Latvia: {typed!r} is neither.")
        elif code not in codes:
            codes.append(code)
    return codes, problems


# Words a place name keeps in lower case after its first: Frankfurt am Main, Aix-en-Provence, Villeneuve-d'Ascq.
PLACE_PARTICLES = {"am", "an", "aux", "d", "de", "del", "della", "der", "des", "di", "do", "du", "en", "im", "l",
                   "la", "le", "les", "on", "sur", "upon", "y"}


def place_name(city: str | None) -> str:
    """A city as the source wrote it, unless it wrote it in capitals (CORDIS does, for some): then in
    the case a letter or a page would use, 'NEWCASTLE UPON TYNE' as 'Newcastle upon Tyne'."""
    city = (city or "").strip()
    if not city or city != city.upper() or not any(ch.isalpha() for ch in city):
        return city
    words = re.split(r"([\s\-/'’]+)", city.lower())
    return "".join(word if index and word in PLACE_PARTICLES else word[:1].upper() + word[1:]
                   for index, word in enumerate(words))


def points(score: float) -> str:
    """A score as every page, email and listing shows it: in whole points, score x 100."""
    return f"{score * 100:.0f}"


def rate(value) -> str:
    """A funding rate as pages, emails and spreadsheets write it, without its % sign: "80", "62.5"."""
    return f"{float(value):g}"


def eur(value) -> str:
    """An amount of money as pages, emails and screening reasons write it: "€4.0 M", "€500 k"."""
    if value is None:
        return "—"
    value = float(value)
    if value >= 1_000_000_000:  # a programme's budget: "€1779.1 M" is hard to read
        return f"€{value / 1_000_000_000:.2f} bn"
    if value >= 1_000_000:
        return f"€{value / 1_000_000:.1f} M"
    if value >= 1_000:
        return f"€{value / 1_000:.0f} k"
    return f"€{value:.0f}"


def eur_against(amount, threshold) -> tuple[str, str]:
    """Two amounts compared in one sentence, each in full where the short forms would read the same
    ("€1.0 M is below the minimum €1.0 M")."""
    short = eur(amount), eur(threshold)
    if short[0] != short[1]:
        return short
    return tuple(f"€{float(v):,.0f}" for v in (amount, threshold))


def day(value: date | datetime | str | None, zone: tzinfo | None = None) -> str:
    """A date as pages and digests write it, '23 Sep 2026', from a date or the ISO text stored in JSON. A
    moment's day is its day in `zone`, the team's, as `moment` writes it; with no zone given, its day where
    it was read: the team's again for one read from the database, whose sessions keep the team's clock
    (`store.db`), UTC for a naive one."""
    if not value:
        return "—"
    if isinstance(value, datetime):
        value = in_zone(value, zone or value.tzinfo or timezone.utc)
    return (date.fromisoformat(value) if isinstance(value, str) else value).strftime("%d %b %Y")


def moment(value: datetime | None, zone: tzinfo = timezone.utc) -> str:
    """A point in time as pages write it, in `zone` (the team's, CALLMATCH_TIMEZONE) with its abbreviation:
    '05 Dec 2026 16:20 EET', '01 Jul 2026 09:05 EEST', '05 Dec 2026 14:20 UTC', whatever zone the database
    server reports it in."""
    return in_zone(value, zone).strftime("%d %b %Y %H:%M %Z") if value else "—"


def in_zone(value: datetime, zone: tzinfo) -> datetime:
    """A time in `zone`, whatever zone it came in; a naive one is taken to be UTC (rq's are)."""
    return (value if value.tzinfo is not None else value.replace(tzinfo=timezone.utc)).astimezone(zone)


def zone_words(zone: tzinfo) -> str:
    """How a sentence names the team's clock: "Riga time" for Europe/Riga, "UTC" for UTC."""
    key = getattr(zone, "key", None) or "UTC"
    city = key.rsplit("/", 1)[-1].replace("_", " ")
    return "UTC" if key.upper() in ("UTC", "ETC/UTC", "GMT", "ETC/GMT", "UCT", "ZULU") else f"{city} time"


def unlisted(since: date | str) -> str:
    """What the pages, digests and screening say of a call its source stopped listing while its dates say
    it is still open, from the day it went missing; it starts a sentence."""
    return f"No longer listed by the portal since {day(since)}: withdrawn or closed early?"


def stage_note(stage: str | None) -> str:
    """A deadline's stage after its date, " (first stage)"; nothing where the source named none (the
    crawler then stores the stage as plain "deadline", which after a deadline's date says nothing)."""
    return f" ({stage})" if stage and stage != "deadline" else ""


def failed_gates(gates: list[dict] | None) -> str:
    """The screening gates failed, as the pages word them: "size: Grant size … below …; deadline: …".
    Gates with a `passed` flag count only when they failed; a list of overridden gates has none."""
    return "; ".join(f"{g['gate']}: {g['reason']}" for g in gates or [] if not g.get("passed"))


def consortium_progress(partners: int, confirmed: int = 0) -> str:
    """How far a consortium has got, where the team looks (the pipeline, a digest): one without partners,
    or with none confirmed, is the thing to act on."""
    if not partners:
        return "no partners yet"
    if confirmed == partners:
        agreed = "confirmed" if partners == 1 else "all confirmed"
    else:
        agreed = f"{confirmed:,} confirmed" if confirmed else "none confirmed yet"
    return f"{counted(partners, 'partner')} in the consortium, {agreed}"


# Letters with accents, each as its plain letter, one for one, so that SQL's translate() and Python's agree:
# CORDIS writes "RIGAS TEHNISKA UNIVERSITATE" for Rīgas Tehniskā universitāte, and people type the accents.
# Migration 0047 (organisations.search_name) spells the same two strings out; a test holds them equal.
_ACCENTED = "āčēģīķļņšūžąęėįųõäöüåøéèêëàâîïôûùçñáíóúýłńśźżćřťďňěůășşțţőűÿđ"
ACCENTED_LETTERS = _ACCENTED + _ACCENTED.upper()
# Each letter's plain one: the letter its Unicode decomposition starts with; ø, ł and đ do not decompose.
PLAIN_LETTERS = "".join({"ø": "o", "ł": "l", "đ": "d"}.get(c.lower()) or unicodedata.normalize("NFKD", c)[0].lower()
                        for c in ACCENTED_LETTERS)
_FOLD = str.maketrans(ACCENTED_LETTERS, PLAIN_LETTERS)


def without_accents(text: str) -> str:
    """`text` with the accented letters of Europe's Latin alphabets as their plain letters ("Rīga": "Riga")."""
    return text.translate(_FOLD)


# Quotation marks around words that belong together in a search: straight, English and Latvian („…“).
_QUOTES = "\"“”„"
_TERM = re.compile(f"[{_QUOTES}]([^{_QUOTES}]*)[{_QUOTES}]?|([^\\s{_QUOTES}]+)")


def search_terms(search: str) -> list[str]:
    """What a search looks for, as typed: each word, or words in quotation marks together, a phrase
    ('"social economy" Latgale' is two terms); a quotation left open runs to the end."""
    return [term for phrase, word in _TERM.findall(search) if (term := " ".join((phrase or word).split()))]


def quoted(search: str) -> bool:
    """Whether a search puts words in quotation marks, which `search_terms` reads as phrases."""
    return any(mark in search for mark in _QUOTES)


def as_searched(search: str) -> str:
    """A search as a sentence names it: in quotation marks, unless it has some of its own (a phrase searched for
    reads as it was typed)."""
    return search if quoted(search) else f"“{search}”"


def word_start(term: str) -> str:
    """A regular expression for a search term (`search_terms`) where a word of the text begins, read alike by
    Python (with IGNORECASE) and by PostgreSQL's `~*`: "riga" finds "Riga" and "RIGAS" but not "BRIGADE",
    "art" finds "arts" but not "participation"; a phrase's words follow one another, whatever the spaces
    between them, or a hyphen; an apostrophe is any of them. A term that starts with a sign ("#digital", "€",
    "_") is found anywhere. Its signs match themselves: a backslash before one that is neither letter nor digit
    makes it literal in both."""
    # Between a phrase's words: spaces (a no-break space is one too) or a hyphen ("socio economic").
    literal = r"(?:[\s\u00a0]+|[-\u2010])".join(_singular_too(word) for word in term.split())
    literal = re.sub(f"[{_APOSTROPHES}]", f"[{_APOSTROPHES}]", literal)  # "Europe's" finds "Europe’s" too
    return f"(?<!{_WORD_SIGN}){literal}" if term[:1].isascii() and term[:1].isalnum() else literal


# Apostrophes, read as one: a keyboard types the straight one, texts are written with either.
_APOSTROPHES = "'\u2019\u02bc"
# A letter, digit or underscore: an ASCII class, not \b or \m, whose letters PostgreSQL reads by the
# database's locale.
_WORD_SIGN = "[0-9a-z_]"
# Words whose last "s" is no plural's ("news" is not many "new"s), and "arts", a field of work whose singular
# calls mostly write in "state of the art" (73 of the demo's calls, where "arts" finds 22).
_NOT_PLURAL = {"news", "means", "series", "species", "always", "perhaps", "whereas", "towards", "afterwards", "arts"}


def _singular_too(word: str) -> str:
    """A searched word's pattern: the word itself, or, for an English plural, the word or its singular as a
    whole word ("enterprises" finds "enterprise", "communities" "community", "approaches" "approach"; "SMEs"
    finds "SME" but not "SMEDA", as "SME" alone would)."""
    low = word.lower()
    if len(low) < 4 or not low.isascii() or not low.isalpha() or not low.endswith("s") or low in _NOT_PLURAL \
            or low.endswith(("ss", "us", "is", "ics")):
        return _either_spelling(word)
    ending = "ies" if low.endswith("ies") else "es" if low.endswith(("sses", "xes", "ches", "shes")) else "s"
    singular = {"ies": "y", "es": "", "s": ""}[ending]
    stem = _either_spelling(word[:-len(ending)])
    return f"{stem}(?:{ending}|{singular}(?!{_WORD_SIGN}))"


def _either_spelling(word: str) -> str:
    """`word` as a pattern (`_hyphens_aside`) that finds its British and its American spelling alike:
    "organisation" finds "organization", "center" "centre", "behaviour" "behavioral", "modelling" "modeling",
    "aging" "ageing" (`_OTHER_SPELLINGS`)."""
    spellings = other_spellings(word)
    patterns = [_hyphens_aside(spelling) for spelling in spellings]
    return patterns[0] if len(patterns) == 1 else f"(?:{'|'.join(patterns)})"


def _both_ways(pattern: str, british: str, american: str) -> list[tuple[re.Pattern, str]]:
    """Two rules of `_OTHER_SPELLINGS`: `pattern`'s `<>` spelt one way, then the other, the letters around it
    (its two groups) kept."""
    return [(re.compile(pattern.replace("<>", one)), rf"\g<1>{other}\g<2>")
            for one, other in ((british, american), (american, british))]


# British and American spellings of one word. EU texts mostly write "organisation", "behaviour", "centre" and
# "modelling", but not all of them (23 of the demo's calls write only "organization"; 18 of its organisations
# are a "center"), and people type either. A rule only adds a spelling to look for: where the other spelling of
# a word is no word ("enterprize"), it finds nothing. Where it would be another word, the rule leaves it out:
# three letters at least before an "ise" ("prise" is not "prize"), "our" only after the stems listed ("four"
# is not "for").
_OUR_STEMS = "behavio|colo|endeavo|favo|harbo|hono|humo|labo|neighbo|odo|rigo|rumo|savo|tumo|vapo|vigo"
_OTHER_SPELLINGS = [
    *_both_ways(r"^([a-z]{3,}i)<>(e|es|ed|ing|er|ers|ation|ations|ational|able)$", "s", "z"),  # organise
    *_both_ways(r"^([a-z]*ly)<>(e|es|ed|ing|er|ers)$", "s", "z"),  # analyse
    *_both_ways(rf"^({_OUR_STEMS})<>(r[a-z]*)$", "u", ""),  # behaviour, labour, neighbourhood
    *_both_ways(r"^([a-z]*(?:cent|theat|fib|lit|met|calib|spect|somb|lust|meag))<>()$", "re", "er"),  # centre
    *_both_ways(r"^([a-z]{2,}[ae])<>(ing|ed|er|ers|or|ors)$", "ll", "l"),  # modelling, counsellor
    *_both_ways(r"^(enrol|fulfil|instal|skil|wil)<>(ment|ments|ful|fully)?$", "", "l"),  # enrolment, skilful
    *_both_ways(r"^([a-z]*(?:ag|judg|knowledg|lodg))<>(ing|ment|ments)$", "e", ""),  # ageing, judgement
    *_both_ways(r"^([a-z]*(?:catalog|dialog|analog|monolog|prolog|epilog))<>()$", "ue", ""),  # dialogue
    *_both_ways(r"^(defen|offen|licen|preten)<>(e[a-z]*)$", "c", "s"),  # defence, licence
    # Greek and Latin "ae" and "oe" (paediatric, haemorrhage, oestrogen), and a few of a word of their own.
    *(rule for british, american in (("paed", "ped"), ("haem", "hem"), ("anaem", "anem"), ("anaest", "anest"),
                                      ("orthopaed", "orthoped"), ("gynaec", "gynec"), ("leukaem", "leukem"),
                                      ("oesophag", "esophag"), ("oestr", "estr"), ("foet", "fet"),
                                      ("archaeo", "archeo"), ("encyclopaed", "encycloped"), ("diarrhoe", "diarrhe"),
                                      ("coeliac", "celiac"), ("manoeuv", "maneuv"), ("grey", "gray"),
                                      ("sulph", "sulf"), ("aluminium", "aluminum"), ("mould", "mold"),
                                      ("plough", "plow"))
      for rule in _both_ways(r"^()<>([a-z]*)$", british, american)),
]


@lru_cache(maxsize=1024)
def other_spellings(word: str) -> tuple[str, ...]:
    """`word` (first) and its other spellings (`_OTHER_SPELLINGS`), in lower case but for `word` itself; a
    word with other signs than letters as it is."""
    low = word.lower()
    if not (low.isascii() and low.isalpha()):
        return (word,)
    found, new = [low], [low]
    while new:  # a word may take more than one rule ("colourisation")
        new = [changed for spelling in new for rule, other in _OTHER_SPELLINGS
               if (changed := rule.sub(other, spelling)) not in found]
        found.extend(dict.fromkeys(new))
    return (word, *found[1:])


def _hyphens_aside(word: str) -> str:
    """`word` as a pattern that takes a hyphen between two of its letters or none: "wellbeing" finds
    "well-being" and "socioeconomic" "socio-economic"; a hyphen typed between two letters or digits may be
    there, be a space or be left out ("well-being" finds "wellbeing" and "well being")."""
    pattern = []
    for at, sign in enumerate(word):
        if sign == "-" and 0 < at < len(word) - 1 and word[at - 1].isalnum() and word[at + 1].isalnum():
            pattern.append("[-\u2010 ]?")
            continue
        if at and sign.isalpha() and word[at - 1].isalpha():
            pattern.append("-?")
        pattern.append(re.escape(sign))
    return "".join(pattern)


def closest_word(word: str, words: Mapping[str, int], cutoff: float = 0.8) -> str | None:
    """The word of `words` (word: how many texts hold it) most like `word`, a search's word that none holds
    (a slip of the keyboard: "sustainabilty", "inovation"), or None when none comes within `cutoff` (difflib's
    ratio: 0.8 lets one letter in five differ). Alike as much, the commoner wins."""
    word = without_accents(word).lower()
    best, best_key = None, (cutoff, 0)
    for candidate, holding in words.items():
        if abs(len(candidate) - len(word)) > max(1, len(word) // 5):
            continue
        match = SequenceMatcher(None, word, candidate)
        if match.real_quick_ratio() < best_key[0] or match.quick_ratio() < best_key[0]:
            continue
        key = (match.ratio(), holding)
        if key >= best_key and candidate != word:
            best, best_key = candidate, key
    return best


# A word of a search, set right if no text holds it: letters only, four or more (a short one is too often a
# code or an acronym to guess at).
_RESPELLABLE = re.compile(r"[^\W\d_]{4,}")


def respelt(text: str, words: Mapping[str, int]) -> str | None:
    """The search `text` with each of its words that none of the texts searched holds where a word begins
    (`words`: theirs, as `store.calls.call_words` reads the calls'), in place of the word they hold that is most
    like it (`closest_word`): "sustainabilty jobs" is "sustainability jobs". None when every word is held, or
    none is near one."""
    changed, parts, at = False, [], 0
    for typed in _RESPELLABLE.finditer(text):
        word = typed.group()
        pattern = re.compile(word_start(without_accents(word)), re.IGNORECASE)
        if any(pattern.match(held) for held in words):
            continue
        if (near := closest_word(word, words)) is not None:
            parts += [text[at:typed.start()], _as_typed(near, word)]
            at, changed = typed.end(), True
    return "".join([*parts, text[at:]]) if changed else None


def _as_typed(word: str, typed: str) -> str:
    """`word` in the case `typed` was typed in: "Univrsity" is set right as "University", "TARTU" stays in
    capitals."""
    return word.upper() if typed.isupper() else word.capitalize() if typed[0].isupper() else word


# Endings that make words of one family of a stem ("innovat-ion", "innovat-ive", "entrepreneur-ship",
# "volunteer-ing"): a search that finds nothing may ask for a form the calls do not write ("entrepreneurial
# women", where two calls write "women entrepreneurs"). A stem has six letters at least: "gener-al" and
# "gener-ation" are no family.
_ENDINGS = ("ation", "ations", "ational", "ion", "ions", "ional", "ive", "ives", "ively", "iveness", "ity", "ities",
            "ial", "al", "ally", "ship", "ships", "ism", "ist", "ists", "ing", "ings", "or", "ors", "ory", "er", "ers",
            "ed", "able", "ability", "ably", "ly", "e", "es", "s", "y", "ies")
_SHORTEST_STEM = 6


def _stems(word: str) -> set[str]:
    """The stems `word` (in lower case) may be made of: itself and itself less each of `_ENDINGS` it ends in."""
    return {word, *(word[:-len(ending)] for ending in _ENDINGS
                    if word.endswith(ending) and len(word) - len(ending) >= _SHORTEST_STEM)}


def other_form(word: str, words: Mapping[str, int]) -> str | None:
    """The word of `words` (word: how many texts hold it) of `word`'s family (a stem and one of `_ENDINGS`:
    "innovative" and "innovation", "entrepreneurial" and "entrepreneurship") that most texts hold, leaving out
    what a search for `word` finds already (its plural, its other spelling); None for none."""
    low = without_accents(word).lower()
    if len(low) < _SHORTEST_STEM or not low.isalpha():
        return None
    stems, finds = _stems(low), re.compile(word_start(low), re.IGNORECASE)
    family = [(holding, held) for held, holding in words.items()
              if held[:_SHORTEST_STEM] == low[:_SHORTEST_STEM] and not finds.match(held) and _stems(held) & stems]
    return max(family)[1] if family else None


def in_other_forms(text: str, words: Mapping[str, int], most: int = 3) -> list[str]:
    """The search `text` with one of its words in another form of its family (`other_form`), a search for each
    of its first `most` words that have one, in the order they were typed; quotation marks and case kept. Each
    is a search more to count for a page that found nothing."""
    searches = []
    for typed in _RESPELLABLE.finditer(text):
        if len(searches) < most and (form := other_form(typed.group(), words)) is not None:
            searches.append(text[:typed.start()] + _as_typed(form, typed.group()) + text[typed.end():])
    return searches


def searches_instead(text: str, words: Mapping[str, int]) -> tuple[str | None, list[str]]:
    """For a search that found nothing: (the search with its slips set right, `respelt`, or None; the searches to
    offer in its place, that one first, then those with a word in another form, `in_other_forms`, each once:
    "participatory", which no call holds, is set right as its other form would be)."""
    spelt = respelt(text, words)
    return spelt, list(dict.fromkeys(([spelt] if spelt else []) + in_other_forms(text, words)))


def each_term_left_out(text: str, most: int = 4) -> list[tuple[str, str]]:
    """For a search of two terms or more (`search_terms`), the search without each of its first `most` terms in
    turn: (the search, the term left out), both as typed. No call that names Latgale may speak of tourism, where
    "sustainable tourism" alone finds ten. Without one of five terms or more, a search seldom finds more."""
    terms = [typed for typed in _TERM.finditer(text) if (typed.group(1) or typed.group(2) or "").strip()]
    if len(terms) < 2:
        return []
    return [(" ".join(kept.group() for kept in terms if kept is not left), left.group()) for left in terms[:most]]


def words_around(words: list[str], text: str, width: int = 160) -> list[tuple[str, bool]] | None:
    """The piece of `text`, about `width` characters long, around the first place it holds the longest of
    `words` it holds (the likeliest to say why: "enterprise" rather than "social"), accents and case aside as
    the searches read them, cut at spaces with "…" where the text goes on: a list of (part, whether the part is
    one of the words), in order, to mark every one. None when it holds none."""
    line = " ".join(text.split())
    folded = without_accents(line)  # one letter for one: a place in it is a place in `line`
    longest_first = [word_start(without_accents(word)) for word in sorted(words, key=len, reverse=True) if word]
    first = next((found for word in longest_first if (found := re.search(word, folded, re.IGNORECASE))), None)
    if first is None:
        return None
    pattern = re.compile("|".join(longest_first), re.IGNORECASE)
    start = max(0, first.start() - width // 3)
    end = min(len(line), start + width)
    if start > 0:  # from the next space on, not mid-word
        start = folded.find(" ", start, first.start()) + 1 or start
    if end < len(line):
        space = folded.rfind(" ", first.end(), end)
        end = space if space > 0 else end
    parts, at = [("…", False)] if start > 0 else [], start
    for found in pattern.finditer(folded, start, end):
        parts += [(line[at:found.start()], False), (line[found.start():found.end()], True)]
        at = found.end()
    parts.append((line[at:end], False))
    if end < len(line):
        parts.append(("…", False))
    return [part for part in parts if part[0]]


def text_fragment(parts: list[tuple[str, bool]], words: int = 4) -> str:
    """A link's text fragment (`#:~:text=…`) for a piece of text `words_around` cut: the whole word of its first
    mark and the few after it, so that a browser that reads such links scrolls to that place of the page and
    highlights it (one that does not opens the page at its top). Empty when no part is marked."""
    marked = next((n for n, (_, word) in enumerate(parts) if word), None)
    if marked is None:
        return ""
    before = "".join(part for part, _ in parts[:marked])
    after = "".join(part for part, _ in parts[marked:])
    start = before.split(" ")[-1].lstrip("…")  # the mark's word began there
    phrase = " ".join((start + after).rstrip("…").split(" ")[:words])
    # Within the directive a dash, comma and ampersand are syntax: written as escapes, like the rest.
    return "#:~:text=" + quote(phrase, safe="").replace("-", "%2D")
