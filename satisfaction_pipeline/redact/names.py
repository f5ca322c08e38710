"""People's names that no cue announces: "merci à Camille", "with Lisa and Maurice", a signature
"Cordialement, Cilluffo Domenico", "j'ai eu kevin au tel".

Three readers, each catching what the others miss, measured together on a labelled sample
(`corpus/names/`, docs/report.md "Names in quotes"):

- a named-entity model: spaCy's small French pipeline, named-entity recogniser only. It reads
  English names as well as French ones (on the sample, better than English models found on
  PyPI did with it), and is the only reader that knows a name it has never seen;
- first names of 86 locales (Faker's lists), found whatever their case, unless the word is
  also a common word of the comment's language (wordfreq) and nothing around it says a person
  ("avec", "thanks", "was", "au tel"…);
- the shapes names take: an initial and a surname, a name set off by commas, the words after
  a title, after "je m'appelle" or after a sign-off, and the capitalised surname beside a name.

`name_spans` returns character ranges; `redact` replaces them. The readers load in about three
seconds of one core (spaCy's French tokenizer compiles its rules on import; wordfreq's and Faker's
lists load), more than a weekly run's quoting itself takes. So they run in a process of their own:
a run starts it first (`start_reader`) and it loads on another core while the steps before the
first quote run. The main process never holds the models.
"""

from __future__ import annotations

import bisect
import functools
import importlib
import multiprocessing
import os
import pkgutil
import re
import threading
import unicodedata
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass

from satisfaction_pipeline.processes import end_with_parent

WORD = r"[^\W\d_]+(?:['’-][^\W\d_]+)*"
TOKEN = re.compile(rf"(?<![\w]){WORD}(?!\w)")  # a word, not the letters of "AB12"
TAG = re.compile(r"\[[a-z-]+\]")

COMMON = 4.6  # wordfreq Zipf: a word at least this frequent is an ordinary word…
RARE = 3.5  # … and one below this is no word of the language: a lowercase first name is a name
VERY_COMMON = 5.5  # a capitalised first name opening a sentence is a name below this ("Hope was")

# Words of our own tags and their kin, which happen to be first names somewhere (Iban)
OUR_WORDS = frozenset({"iban", "name", "phone", "card", "mail", "email"})
# Months and days, several of them first names too (April, May, June, Mercredi): a name only
# when a person context follows ("May was lovely"), not in "since May"
CALENDAR = frozenset({
    "january", "february", "march", "april", "may", "june", "july", "august", "september",
    "october", "november", "december", "monday", "tuesday", "wednesday", "thursday", "friday",
    "saturday", "sunday", "janvier", "fevrier", "mars", "avril", "mai", "juin", "juillet",
    "aout", "septembre", "octobre", "novembre", "decembre", "lundi", "mardi", "mercredi",
    "jeudi", "vendredi", "samedi", "dimanche",
})  # fmt: skip
TITLES = {"m", "mme", "mlle", "mr", "mrs", "ms", "dr", "monsieur", "madame", "mademoiselle",
          "miss", "maitre", "famille", "family"}  # fmt: skip
PARTICLES = {"de", "du", "des", "la", "le", "van", "von", "den", "der", "da", "dos", "das",
             "del", "di", "el", "al", "ben", "bin", "ibn", "ter", "ten"}  # fmt: skip
# What says the next word is a person, and what says the word before was one.
PERSON_BEFORE = re.compile(
    r"(?:\b(?:to|with|from|by|thanks|thank you|cheers|merci|avec|par|à|a|collègues?|"
    r"colleagues?|called|named|appel[ée]e?|nomm[ée]e?|eu|got|had|met|saw|c['’]?[ée]tait|"
    r"c['’]est|agent|conseill(?:er|ère)|technicien(?:ne)?|technician|engineer|driver|"
    r"advis[eo]r|livreur|livreuse|plombier|manager|responsable)[ \t]+|\(|—[ \t]*|-[ \t]+)$",
    re.IGNORECASE,
)
PERSON_AFTER = re.compile(
    r"^(?:['’]s\b|[ \t]+(?:was|were|is|who|qui|était|a été|est|at the|in the|on the|"
    r"from the|de l['’]|du service|au t[ée]l|m['’]a|nous a|has|had|did|even|answered|helped|"
    r"sorted|fixed|installed|explained)\b|[ \t]*\))",
    re.IGNORECASE,
)
SELF_NAMING = re.compile(r"\b(?:je m['’]appelle|je me nomme|my name is|my name['’]s|moi c['’]est)"
                         r"[ \t]+", re.IGNORECASE)  # fmt: skip
# "M." and "Miss" only so written: "10 m. Puis", "I miss Lyon"
TITLE = re.compile(
    r"(?:\b(?-i:M\.)|\b(?:(?-i:Miss)|"
    + "|".join(sorted(TITLES - {"m", "miss"}))
    + r")\b\.?)[ \t]+",
    re.IGNORECASE,
)
SIGN_OFF = re.compile(
    r"(?:cordialement|bien à vous|bien a vous|salutations|kind regards|best regards|"
    r"warm regards|regards|sincerely|best wishes|many thanks|thanks|merci|cheers|bisous)"
    r"[ ,.!]{0,10}(?:\n+|,[ \t]*|[ \t]*[—–-][ \t]*)",  # bounded: a run of spaces stays linear
    re.IGNORECASE,
)
WORD_RUN = re.compile(rf"({WORD})(\.?)[ \t]*")
NEXT_WORD = re.compile(rf"[ \t]+({WORD})\.?")
PREVIOUS_WORD = re.compile(rf"({WORD})[ \t]+$")
INITIAL_AFTER = re.compile(r"[ \t]+[^\W\d_]\.")
# Words that open a sentence after "option B." or "plan A.": never a surname after an initial
SENTENCE_OPENERS = {"the", "a", "an", "i", "we", "it", "this", "my", "our", "they", "he", "she",
                    "le", "la", "les", "un", "une", "je", "il", "elle", "on", "nous", "ce",
                    "mon", "ma", "mais", "but", "and", "et"}  # fmt: skip
SENTENCE_START = re.compile(r"(?:^|[.!?\n:][ \t\"«(]*|^\W*)$")
# Function words that tell French from English well enough to pick a word list.
FRENCH = {"le", "la", "les", "de", "des", "du", "et", "à", "pour", "avec", "est", "je", "pas",
          "une", "un", "merci", "très", "mon", "ma", "qui", "que", "ne", "sur", "au", "il",
          "elle", "vous", "nous", "ce", "bonjour", "cordialement", "été", "ai"}  # fmt: skip
ENGLISH = {"the", "and", "to", "for", "with", "was", "is", "i", "my", "a", "not", "of", "on",
           "in", "it", "you", "we", "this", "that", "thanks", "very", "he", "she", "they",
           "her", "his", "me", "have", "had", "be", "been", "regards", "hi"}  # fmt: skip


Span = tuple[int, int]

# -- the reader's process -------------------------------------------------------------------

_reader: ProcessPoolExecutor | None = None
_STARTING = threading.Lock()
# Spans of texts already read (`read_ahead`), for the name_spans calls that follow.
_READ: dict[str, list[Span]] = {}
READ_KEPT = 20_000  # texts: a few megabytes at most


def start_reader() -> None:
    """Start the readers' process and their loading, unless it runs already."""
    global _reader
    with _STARTING:  # the action step quotes from several threads
        if _reader is not None:
            return
        # spawned, not forked: the caller may hold a DuckDB connection and Dagster's threads
        spawn = multiprocessing.get_context("spawn")
        _reader = ProcessPoolExecutor(1, mp_context=spawn)
        _reader.submit(_load, os.getpid())  # loading starts now, not at the first quote


def stop_reader() -> None:
    """End the readers' process (a run's end gives its memory back); the next use restarts it."""
    global _reader
    if _reader is not None:
        # not waiting for it to exit (0.25 s at the end of every run): it ends on its own
        _reader.shutdown(wait=False, cancel_futures=True)
        _reader = None
    _READ.clear()


def name_spans(text: str) -> list[Span]:
    """Character ranges of `text` that are people's names, merged, outside existing tags."""
    if (read := _READ.get(text)) is not None:
        return read
    return _in_reader([text])[0]


def read_ahead(texts: list[str]) -> None:
    """Find the names of many texts in one batch, for `name_spans` of each of them next: spaCy
    reads a batch about twice as fast as the same texts one by one, with the same result."""
    todo = [t for t in dict.fromkeys(texts) if t not in _READ]
    if len(_READ) + len(todo) > READ_KEPT:
        _READ.clear()
    _READ.update(zip(todo, _in_reader(todo), strict=True))


def _in_reader(texts: list[str]) -> list[list[Span]]:
    start_reader()
    assert _reader is not None
    try:
        return _reader.submit(_spans_of, texts).result()
    except BrokenProcessPool:
        stop_reader()  # the next quote starts a new one
        raise RuntimeError(
            "the process that finds names in quotes ended abruptly (out of memory?); run again"
        ) from None


# -- in the reader's process ----------------------------------------------------------------


def _load(parent: int) -> None:
    end_with_parent(parent)
    _recogniser()
    first_names()
    _zipf("a", "fr")


def _spans_of(texts: list[str]) -> list[list[Span]]:
    _entities_ahead(texts)
    try:
        return [_name_spans(t) for t in texts]
    finally:
        _ENTITIES.clear()


def _name_spans(text: str) -> list[Span]:
    language = _language(text)
    spans = [*_entities(text, language), *_first_names(text, language), *_shapes(text, language)]
    tags = [m.span() for m in TAG.finditer(text)]
    return _merged(_without(_grow(text, spans, language), tags))


def _without(spans: list[tuple[int, int]], tags: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The spans with the tags cut out of them (a name running into "[iban]" keeps its name
    part); one sweep over both, sorted."""
    cut: list[tuple[int, int]] = []
    for start, end in _merged(spans):
        first = max(0, bisect.bisect_left(tags, (start, start)) - 1)
        for tag_start, tag_end in tags[first:]:
            if tag_start >= end:
                break
            if tag_end <= start:
                continue
            if tag_start > start:
                cut.append((start, tag_start))
            start = max(start, tag_end)
        if end > start:
            cut.append((start, end))
    return cut


def _language(text: str) -> str:
    words = [w.lower() for w in TOKEN.findall(text)]
    english = sum(w in ENGLISH for w in words) > sum(w in FRENCH for w in words)
    return "en" if english else "fr"


def _zipf(word: str, language: str) -> float:
    from wordfreq import zipf_frequency

    return zipf_frequency(word.lower(), language)


def _fold(word: str) -> str:
    """Lowercase, without accents: "Kévin" and "kevin" are one first name."""
    decomposed = unicodedata.normalize("NFD", word.lower())
    return "".join(c for c in decomposed if unicodedata.category(c) != "Mn")


@functools.cache
def first_names() -> frozenset[str]:
    """First names of every locale Faker knows, folded."""
    from faker.providers import person

    names: set[str] = set()
    for module in pkgutil.iter_modules(person.__path__):
        provider = importlib.import_module(f"faker.providers.person.{module.name}").Provider
        for attribute in ("first_names", "first_names_male", "first_names_female"):
            value = next((c.__dict__[attribute] for c in provider.__mro__
                          if attribute in c.__dict__), None)  # fmt: skip
            if isinstance(value, dict):
                value = value.keys()
            if isinstance(value, (list, tuple, set, frozenset, type({}.keys()))):
                names.update(_fold(n) for n in value if TOKEN.fullmatch(n))
    return frozenset(names)


@functools.cache
def _recogniser():
    import spacy

    keep_only_ner = ["parser", "lemmatizer", "morphologizer", "attribute_ruler", "senter"]
    return spacy.load("fr_core_news_sm", exclude=keep_only_ner)


# How far around a word its context is read: enough for "thank you" or "c'était", and a
# bounded window keeps a 100 KB comment linear (no search over everything before each word)
CONTEXT = 40


def _before(text: str, index: int) -> str:
    return text[max(0, index - CONTEXT) : index]


def _after(text: str, index: int) -> str:
    return text[index : index + CONTEXT]


CHUNK = 20_000  # characters the recogniser reads at once: spaCy refuses texts over 1,000,000


def _people(text: str):
    """The recogniser's entities over `text`, read in chunks cut at whitespace, offsets kept."""
    if (read := _ENTITIES.get(text)) is not None:
        yield from read
        return
    start = 0
    while start < len(text):
        end = min(len(text), start + CHUNK)
        if end < len(text) and (space := text.rfind(" ", start, end)) > start:
            end = space
        for entity in _recogniser()(text[start:end]).ents:
            yield _Entity(entity.label_, entity.start_char + start, entity.end_char + start,
                          entity.text)  # fmt: skip
        start = end


@dataclass(frozen=True)
class _Entity:
    label_: str
    start_char: int
    end_char: int
    text: str


_ENTITIES: dict[str, list[_Entity]] = {}  # of the texts `_spans_of` reads


def _entities_ahead(texts: list[str]) -> None:
    """The recogniser over the texts in one batch (spaCy's pipe), for `_people` next."""
    todo = [t for t in dict.fromkeys(texts) if 0 < len(t) <= CHUNK]
    for text, doc in zip(todo, _recogniser().pipe(todo, batch_size=128), strict=True):
        _ENTITIES[text] = [_Entity(e.label_, e.start_char, e.end_char, e.text) for e in doc.ents]


def _at_sentence_start(text: str, index: int) -> bool:
    return SENTENCE_START.search(_before(text, index)) is not None


def _entities(text: str, language: str) -> list[tuple[int, int]]:
    """The recogniser's people, less the edge words that are titles or ordinary words (it takes
    "Merci Camille" or "Livraison" for people at times)."""
    spans = []
    names = first_names()
    for entity in _people(text):
        if entity.label_ != "PER":
            continue
        kept = [
            (entity.start_char + m.start(), entity.start_char + m.end())
            for m in TOKEN.finditer(entity.text)
            if _fold(m.group()) not in TITLES | CALENDAR | OUR_WORDS
            # capitals only: a name shouted (BRANDON), or an acronym (IBAN, SAV, DPD)
            and (not m.group().isupper() or _fold(m.group()) in names)
            and (
                _fold(m.group()) in names
                or (
                    m.group()[0].isupper()
                    and _zipf(m.group(), language) < COMMON
                    # opening a sentence, only a rare word that a person context follows
                    and not (
                        _at_sentence_start(text, entity.start_char + m.start())
                        and (
                            _zipf(m.group(), language) >= RARE
                            or not PERSON_AFTER.match(_after(text, entity.start_char + m.end()))
                        )
                    )
                )
            )
        ]
        if kept:
            spans.append((kept[0][0], kept[-1][1]))
    return spans


def _first_names(text: str, language: str) -> list[tuple[int, int]]:
    """Words of the first-name list, and unknown capitalised words a person context names."""
    names, spans = first_names() - OUR_WORDS, []
    for match in TOKEN.finditer(text):
        word = re.sub(r"['’]s$", "", match.group())
        start, end = match.start(), match.start() + len(word)
        before, after = _before(text, start), _after(text, end)
        opening = _at_sentence_start(text, start)
        frequency = _zipf(word, language)
        context = (
            PERSON_BEFORE.search(before) or PERSON_AFTER.match(after) or _paired(before, after)
        )
        if _fold(word) in CALENDAR:
            named = word[0].isupper() and bool(PERSON_AFTER.match(after))
        elif _fold(word) in names:
            if word[0].isupper() and not word.islower():
                named = not (opening and frequency >= VERY_COMMON)
            else:  # lowercase: only a rare word, or an ordinary one a person context names
                initial = re.match(r"[ \t]+[a-z]\.", after)
                named = frequency < RARE or bool(initial) or (frequency < 5.0 and bool(context))
        else:  # a word no list knows: a capitalised one that a person context names
            rare_enough = frequency < 2.5 if opening else frequency < 4.0
            named = word[0].isupper() and rare_enough and bool(context)
        if named:
            spans.append((start, end))
    return spans


def _paired(before: str, after: str) -> bool:
    """Beside another first name: "ryan and chloe", "julie et marine"."""
    names = first_names()
    following = re.match(rf"[ \t]+(?:and|et|&)[ \t]+({WORD})", after, re.IGNORECASE)
    preceding = re.search(rf"({WORD})[ \t]+(?:and|et|&)[ \t]+$", before, re.IGNORECASE)
    return any(m is not None and _fold(m.group(1)) in names for m in (following, preceding))


def _shapes(text: str, language: str) -> list[tuple[int, int]]:
    """An initial and a surname, a name between commas, the words after a title or a
    self-naming phrase, the last line after a sign-off."""
    spans = []
    for m in re.finditer(r"\b(?!M\.)[A-Z]\.[ \t]?(?=[A-Z][a-z])", text):  # J. Moreau; M. is a title
        surname = TOKEN.match(text, m.end()).group()
        if _fold(surname) not in SENTENCE_OPENERS:  # "option B. The agent" is no name
            spans.append((m.start(), m.end() + len(surname)))
    for m in re.finditer(rf"(?<=\w), ({WORD}),", text):  # the engineer, Ashok, was
        if m.group(1)[0].isupper() and _zipf(m.group(1), language) < 4.0:
            spans.append(m.span(1))
    for m in [*TITLE.finditer(text), *SELF_NAMING.finditer(text)]:
        spans.extend(_words_from(text, m.end(), language))
    for m in SIGN_OFF.finditer(text):
        line = text[m.end() : m.end() + 60].split("\n")[0].rstrip(" .!")
        words = line.split()
        # a signature: capitalised words or first names ("Cilluffo Domenico", "marie"), not a
        # sentence ("Merci - Colis abîmé")
        if 0 < len(words) <= 4 and all(
            w[0].isupper() or _fold(w) in first_names() or _fold(w) in PARTICLES for w in words
        ):
            spans.append((m.end(), m.end() + len(line)))
    return spans


def _words_from(text: str, index: int, language: str) -> list[tuple[int, int]]:
    """Up to four words from `index` that may make a name: capitalised, rare, first names or
    particles; a sentence's end stops them."""
    words: list[tuple[int, int]] = []
    position = index
    for m in WORD_RUN.finditer(text, index):
        word = m.group(1)
        if m.start() != position or len(words) == 4:
            break
        last_start, last_end = words[-1] if words else (0, 0)
        if text[last_end : last_end + 1] == "." and last_end - last_start > 1:
            break  # "Mr Garcia. Je …": the sentence ended
        frequency = _zipf(word, language)
        # a lowercase word: a first name, or no word of either language ("mr lefevre")
        unknown = max(_zipf(word, "fr"), _zipf(word, "en")) < 3.0
        if (
            word[0].isupper()
            or unknown
            or _fold(word) in PARTICLES
            or (_fold(word) in first_names() and frequency < 5.0)
        ):
            words.append((m.start(), m.start() + len(word)))
            position = m.end()
        else:
            break
    while words and _fold(text[slice(*words[-1])]) in PARTICLES:
        words.pop()
    return [(words[0][0], words[-1][1])] if words else []


def _grow(text: str, spans: list[tuple[int, int]], language: str) -> list[tuple[int, int]]:
    """Each span grown over an initial after it ("Sarah B.") and the capitalised, uncommon
    words (and particles before one) beside it: a surname, a compound name."""
    grown = []
    for start, end in spans:
        if initial := INITIAL_AFTER.match(text, end):
            end = initial.end()
        while m := NEXT_WORD.match(text, end):
            word, rest = m.group(1), _after(text, m.end())
            surname = word[0].isupper() and _zipf(word, language) < COMMON
            particle = _fold(word) in PARTICLES and rest.lstrip()[:1].isupper()
            if not (surname or (word.isupper() and len(word) > 1) or particle):
                break
            end = m.end()
        while m := PREVIOUS_WORD.search(_before(text, start)):
            word = m.group(1)  # a first name or a rare capitalised word: "Fatou Diallo"
            known = _fold(word) in first_names() or _zipf(word, language) < RARE
            if not word[0].isupper() or not known or _fold(word) in TITLES:
                break
            start -= len(m.group(0))
        grown.append((start, end))
    return grown


def _merged(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(s for s in spans if s[1] > s[0]):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged
