"""PII redaction of verbatims: each kind of personal data in French and English, the look-alikes
that must stay (prices, dates, order numbers, ordinary words after a cue), idempotence, linear
time on long comments, and an end-to-end check that the demo's addresses never reach the report."""

from __future__ import annotations

import random
import re
import shutil
import string
import time
from pathlib import Path

import pytest
from pypdf import PdfReader

from satisfaction_pipeline.cli import main
from satisfaction_pipeline.config.paths import Paths
from satisfaction_pipeline.demo_data import DemoManifest
from satisfaction_pipeline.redact import REDACTED, redact

from .conftest import LAST_WEEK

EMAILS = [
    ("mail: a.b+c@exemple.fr merci", "mail: [e-mail] merci"),
    ("écrivez à jean.dupont@example.com.", "écrivez à [e-mail]."),
    ("reach me at John_Smith-1@mail.co.uk please", "reach me at [e-mail] please"),
]
IBANS = [
    ("IBAN FR76 3000 6000 0112 3456 7890 189 merci", "IBAN [iban] merci"),
    ("iban: FR7630006000011234567890189", "iban: [iban]"),
    ("my account GB82 WEST 1234 5698 7654 32.", "my account [iban]."),
    ("Konto DE89 3704 0044 0532 0130 00", "Konto [iban]"),
    ("ES91 2100 0418 4502 0005 1332 a été débité", "[iban] a été débité"),
    ("BE68 5390 0754 7034 de trop", "[iban] de trop"),
]
CARDS = [
    ("carte 4111 1111 1111 1111", "carte [card]"),
    ("carte 4111-1111-1111-1111", "carte [card]"),
    ("card 5555555555554444 charged twice", "card [card] charged twice"),
]
PHONES = [
    ("Rappelez-moi au 06 12 34 56 78", "Rappelez-moi au [phone]"),
    ("tél. 06.12.34.56.78", "tél. [phone]"),
    ("appelez le 0612345678", "appelez le [phone]"),
    ("portable : +33 6 12 34 56 78", "portable : [phone]"),
    ("+33 (0)6 12 34 56 78 svp", "[phone] svp"),
    ("0033 6 12 34 56 78", "[phone]"),
    ("06-12-34-56-78, merci", "[phone], merci"),
    ("06\u00a012\u00a034\u00a056\u00a078", "[phone]"),
    ("call +44 20 7946 0958 today", "call [phone] today"),
    ("or +442079460958", "or [phone]"),
    ("my number is +1 (555) 123-4567.", "my number is [phone]."),
    ("(555) 123-4567", "[phone]"),
    ("GSM +32 470 12 34 56", "GSM [phone]"),
    ("commande 123456 puis 06 12 34 56 78", "commande 123456 puis [phone]"),
]
NAMES = [
    ("la conseillère Camille R. était top", "la conseillère [name] était top"),
    # without a cue: a first name, several, a signature, lowercase, an initial, a surname
    ("Merci à Camille R. pour sa patience", "Merci à [name] pour sa patience"),
    (
        "I have a hard time working with Lisa and Maurice",
        "I have a hard time working with [name] and [name]",
    ),
    ("Merci pour rien.\nCordialement Cilluffo Domenico", "Merci pour rien.\nCordialement [name]"),
    ("j'ai eu kevin au tel, super", "j'ai eu [name] au tel, super"),
    (
        "Je remercie Fatou Diallo et son collègue Ibrahima.",
        "Je remercie [name] et son collègue [name].",
    ),
    ("J. Moreau du contentieux m'a répondu", "[name] du contentieux m'a répondu"),
    ("Contact: M. du Pont", "Contact: M. [name]"),  # "M." then a particle
    ("J'ai eu M. lefevre au téléphone", "J'ai eu M. [name] au téléphone"),
    ("Mme Martin m'a rappelé", "Mme [name] m'a rappelé"),
    ("merci à M. Dupont", "merci à M. [name]"),
    ("M.Dupont a promis un geste", "M.[name] a promis un geste"),
    ("Madame Le Goff, très aimable", "Madame [name], très aimable"),
    ("Mlle Léa D. est géniale", "Mlle [name] est géniale"),
    ("Monsieur Jean-Pierre Dupont", "Monsieur [name]"),
    ("je m'appelle Marie Durand et j'attends", "je m'appelle [name] et j'attends"),
    ("je m’appelle marie durand", "je m’appelle [name]"),
    ("je me nomme Paul", "je me nomme [name]"),
    ("moi c'est Julie, cliente depuis 10 ans", "moi c'est [name], cliente depuis 10 ans"),
    ("le technicien Hugo M. est venu", "le technicien [name] est venu"),
    ("l'agent Thomas G. m'a aidé", "l'agent [name] m'a aidé"),
    ("l'opératrice Inès était pressée", "l'opératrice [name] était pressée"),
    ("mon interlocuteur Nathan", "mon interlocuteur [name]"),
    ("le livreur Kevin a jeté le colis", "le livreur [name] a jeté le colis"),
    ("CONSEILLER Manon V. au top", "CONSEILLER [name] au top"),
    ("my name is John Smith", "my name is [name]"),
    ("My name is john smith and I waited", "My name is [name] and I waited"),
    ("my name's Ana F., thanks", "my name's [name], thanks"),
    ("Mr. Smith and Mrs Jones were kind", "Mr. [name] and Mrs [name] were kind"),
    ("Ms O'Brien answered", "Ms [name] answered"),
    ("Miss Marple", "Miss [name]"),
    ("Dr Watson called back", "Dr [name] called back"),
    ("agent Liam was great", "agent [name] was great"),
    ("the advisor Aoife C. solved it", "the advisor [name] solved it"),
    ("your rep Sarah K. was rude", "your rep [name] was rude"),
    ("the representative Rui hung up", "the representative [name] hung up"),
    # a name glued to what an earlier tag replaced
    (
        "Virement au nom de Oluwaseun Adeyemi:FR7630006000011234567890189 merci",
        "Virement au nom de [name]:[iban] merci",
    ),
    ("Cordialement Cilluffo Domenico", "Cordialement [name]"),
    # an initial and a surname that is also a word
    ("Thanks to K. Long for the help", "Thanks to [name] for the help"),
    ("Merci à J. Martin", "Merci à [name]"),
]
UNCHANGED = [
    # prices, dates, times, order numbers, durations
    "facture 29,99 € du 16/11/2026",
    "un téléviseur à 1 299,00 € livré le 2026-11-16",
    "le 2026-11-16 10:30",
    "le 16.11.2026 à 14h30",
    "commande 123456789 jamais reçue",
    "commande 1234567890123 livrée",  # 13 digits, not Luhn-valid
    "order #A12345 arrived late",
    "J'ai attendu 45 minutes au téléphone",
    "Waited 40 minutes, called 3 times on 12/11",
    "+15 % sur ma facture",
    "IBAN FR76 3000 6000 0112 3456 7890 188",  # one digit wrong: mod-97 fails
    "ref AB12 CDEF GHIJ KLMN",
    "4111 1111 1111 1112",  # not Luhn-valid
    # cues without a name after them
    "le conseiller était sympa",
    "Conseiller peu aimable et pressé de raccrocher.",
    "the agent was rude",
    "Great service, the agent really knew the product.",
    "M. le directeur n'a jamais répondu",
    "Monsieur",
    "Bonjour Monsieur, merci",
    "the agent I spoke to was rude",
    "my name is not important",
    "moi c'est pareil",
    "J'ai attendu 10 m. Puis plus rien",  # "m." for metres is not a title
    "I miss Lyon",
    # brands, places named after people, months, first names used as words
    "Le SAV Samsung m'a renvoyé vers Samsung.",
    "Une rose sur le colis, quelle attention",
    "Rappel effectué comme convenu. Problème résolu.",
    "Parcel due in April, still nothing since May.",
    "Anna1 a été top",  # a word stuck to digits is an identifier, not a name
    # a sign-off followed by a sentence, an option letter: no name
    "Merci - Colis abîmé",
    "I chose option B. The agent was rude",
    "",
]


def _ids(cases: list[tuple[str, str]]) -> list[str]:
    return [text[:40] for text, _ in cases]


@pytest.mark.parametrize(("text", "expected"), EMAILS, ids=_ids(EMAILS))
def test_emails(text: str, expected: str) -> None:
    assert redact(text) == expected


@pytest.mark.parametrize(("text", "expected"), IBANS, ids=_ids(IBANS))
def test_ibans(text: str, expected: str) -> None:
    assert redact(text) == expected


@pytest.mark.parametrize(("text", "expected"), CARDS, ids=_ids(CARDS))
def test_cards(text: str, expected: str) -> None:
    assert redact(text) == expected


@pytest.mark.parametrize(("text", "expected"), PHONES, ids=_ids(PHONES))
def test_phones(text: str, expected: str) -> None:
    assert redact(text) == expected


@pytest.mark.parametrize(("text", "expected"), NAMES, ids=_ids(NAMES))
def test_names_after_a_cue(text: str, expected: str) -> None:
    assert redact(text) == expected


@pytest.mark.parametrize("text", UNCHANGED)
def test_look_alikes_are_kept(text: str) -> None:
    assert redact(text) == text


def test_everything_in_one_comment() -> None:
    text = (
        "Rappelez-moi au 06 12 34 56 78 ou à jean.dupont@example.com, toujours rien. "
        "Le conseiller Thomas G. a débité ma carte 4111 1111 1111 1111 "
        "au lieu de FR76 3000 6000 0112 3456 7890 189 le 16/11/2026 (29,99 €)."
    )
    assert redact(text) == (
        "Rappelez-moi au [phone] ou à [e-mail], toujours rien. "
        "Le conseiller [name] a débité ma carte [card] "
        "au lieu de [iban] le 16/11/2026 (29,99 €)."
    )


@pytest.mark.parametrize(
    "text", [t for t, _ in EMAILS + IBANS + CARDS + PHONES + NAMES] + UNCHANGED
)
def test_redacting_twice_changes_nothing_more(text: str) -> None:
    once = redact(text)
    assert redact(once) == once


@pytest.mark.parametrize("text", [None, ""])
def test_nothing_to_redact(text: str | None) -> None:
    assert redact(text) == text


def test_tags_are_never_redacted_again() -> None:
    tags = " ".join(REDACTED.values())
    assert redact(tags) == tags
    # a tag right after a cue is not taken for a name
    for cue in ["Mme", "M.", "le conseiller", "my name is", "je m'appelle", "agent"]:
        assert redact(f"{cue} {REDACTED['name']}") == f"{cue} {REDACTED['name']}"
    assert set(REDACTED.values()) >= {"[e-mail]", "[phone]", "[card]", "[iban]", "[name]"}


def test_long_comments_take_linear_time() -> None:
    """Nothing is asserted about the time (machines differ): a catastrophic backtrack would hang
    here. The timings are printed for `pytest -s`."""
    rng = random.Random(20261116)
    alphabet = string.digits * 3 + " " * 6 + string.ascii_letters + "+().-@éÉ"
    comments = {
        "random digits, spaces and letters": "".join(rng.choices(alphabet, k=10_000)),
        "one run of digits": "1" * 10_000,
        "one word without @": "a" * 10_000,
        "digits in pairs": "12 " * 3_334,
        "phone-like groups then a letter": "06 12 34 56 78 9" * 625 + "x",
        "cue words": "agent Mme " * 1_000,
        "IBAN-like groups": "FR76" + " AB12" * 2_000,
        "a sign-off then spaces": "merci" + " " * 10_000 + "x",
        "names between tags": "Marie [phone] " * 800,
    }
    for label, text in comments.items():
        assert len(text) >= 10_000
        start = time.perf_counter()
        result = redact(text)
        elapsed = time.perf_counter() - start
        assert isinstance(result, str)
        print(f"redact({label!r}, {len(text)} chars): {elapsed * 1000:.1f} ms")


# An address as the demo writes them (customer e-mails, hostile comments); a French or
# international phone number as it may appear in a comment.
DEMO_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
DEMO_PHONE = re.compile(r"(?:\+33\s?|0)[1-9](?:[ .]?\d{2}){4}")


def test_no_demo_email_or_phone_reaches_the_report(
    pipeline_env: Paths, demo_inbox: DemoManifest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A copy of the inbox where the week's French export also holds a furious customer leaving
    # their phone and e-mail: the lowest scores, so it is quoted whatever the demo's seed.
    inbox = tmp_path / "inbox"
    shutil.copytree(demo_inbox.files[0].parent, inbox)
    export = inbox / f"support_fr_{LAST_WEEK.isoformat()}.csv"
    lines = export.read_text(encoding="cp1252").splitlines()
    cells = lines[1].split(";")
    cells[0], cells[8], cells[9], cells[10] = "FR-HOSTILE", "Très insatisfait", "0", "5"
    cells[11] = "Rappelez-moi au 06 12 34 56 78 ou à jean.dupont@example.com, toujours rien"
    export.write_text("\n".join([*lines, ";".join(cells)]) + "\n", encoding="cp1252")
    monkeypatch.setenv("SATISFACTION_INBOX", str(inbox))

    emails, phones = set(), set()
    for path in sorted(inbox.iterdir()):
        if path.suffix in {".csv", ".json"}:
            raw = path.read_bytes().decode("cp1252", errors="ignore")
            emails.update(DEMO_EMAIL.findall(raw))
            phones.update(DEMO_PHONE.findall(raw))
    assert "jean.dupont@example.com" in emails and "06 12 34 56 78" in phones

    assert main(["run", "--week", LAST_WEEK.isoformat()]) == 0
    folder = pipeline_env.reports / LAST_WEEK.isoformat()
    html = (folder / "report.html").read_text(encoding="utf-8")
    pdf = "\n".join(page.extract_text() for page in PdfReader(folder / "report.pdf").pages)
    # the PDF's text may wrap a line inside a number or an address
    pdf_unwrapped = re.sub(r"\s+", " ", pdf)
    for shown in (html, pdf, pdf_unwrapped):
        assert not [e for e in emails if e in shown]
        assert not [p for p in phones if p in shown]
    # The hostile comment is among the quoted verbatims, so the check above is not vacuous.
    assert "Rappelez-moi au [phone] ou à [e-mail]" in html
    assert "[phone]" in pdf and "[e-mail]" in pdf


def test_names_nobody_here_wrote_are_removed_from_quotes() -> None:
    """The held-out half of corpus/names (180 names in 200 comments written and labelled by
    someone who never saw this code): at least 95 % of the names are gone (96.7 % measured)."""
    import importlib.util
    from pathlib import Path

    bench = Path(__file__).parents[1] / "bench" / "names.py"
    spec = importlib.util.spec_from_file_location("bench_names", bench)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.measure("heldout")["recall"] >= 0.95
