"""Seeded generator of realistic survey exports, for `make demo` and for tests.

Three sources, in the layouts the example `satisfaction.yaml` maps:
- `support_fr_<week>.csv`: the support team's own survey, exported by French Excel
  (Windows-1252, `;`, day-first dates), French CSAT labels, NPS 0-10, effort 1-5 (lower is better);
- `qualtrics_purchase_<week>.csv`: a Qualtrics post-purchase survey with its three header rows,
  English CSAT labels, NPS 0-10 and its NPS group, CES 2.0 (1-7 agreement), French and English
  comments, and each week a survey test and a spam response (Qualtrics' Status 2 and 8);
- `support_en_<week>.xlsx`: the English-speaking desk's chat and e-mail survey in a workbook,
  "Very good … Very poor" labels, NPS 1-10, effort 1-5 (lower is better).

Scores follow a hidden satisfaction level per response, moved by channel, team, agent and week, and
comments say why: in the most recent week the phone queue is saturated, so phone CSAT and effort
drop and comments complain about waiting. A few rows are broken on purpose (an unknown label, a
missing id, a repeated row) so that the rejected-answer and rejected-row paths are always
exercised, and the test and spam rows the excluded-row path. `DemoResponse` records give the
truth the files were written from, so tests can check the pipeline's figures independently.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import random
import re
import string
import time
import zipfile
from dataclasses import dataclass, replace
from pathlib import Path
from zoneinfo import ZoneInfo

TIMEZONE = ZoneInfo("Europe/Paris")

FR_LABELS = ["Très insatisfait", "Insatisfait", "Plutôt satisfait", "Satisfait", "Très satisfait"]
EN_LABELS = [
    "Very dissatisfied",
    "Dissatisfied",
    "Neither satisfied nor dissatisfied",
    "Satisfied",
    "Very satisfied",
]
GOOD_LABELS = ["Very poor", "Poor", "Fair", "Good", "Very good"]

TEAMS_FR = {
    "Lyon": ["Camille R.", "Hugo M.", "Inès B."],
    "Nantes": ["Léa D.", "Nathan P."],
    "Lille": ["Sarah K.", "Thomas G.", "Manon V."],
}
TEAMS_EN = {"Dublin": ["Aoife C.", "Liam O."], "Lisbon": ["Rui S.", "Ana F."]}
TEAM_EFFECT = {"Lyon": 0.25, "Nantes": 0.45, "Lille": -0.35, "Dublin": 0.15, "Lisbon": -0.1}
# Nantes: friendly agents, cumbersome procedure: satisfied customers who found it hard (a
# standout whose questions diverge).
EASE_EFFECT = {"Nantes": -2.2}
AGENT_EFFECT = {"Thomas G.": -0.4, "Camille R.": 0.3, "Rui S.": -0.3}
PRODUCTS = ["Box Fibre", "Forfait Mobile", "Option TV"]
PRODUCT_EFFECT = {"Box Fibre": -0.1, "Forfait Mobile": 0.1, "Option TV": 0.0}

COMPLAINTS_FR = {
    "wait": [
        "J'ai attendu plus de 45 minutes au téléphone avant d'avoir quelqu'un.",
        "Temps d'attente interminable, la musique d'attente en boucle pendant une heure.",
        "Toujours en attente au téléphone, personne ne décroche.",
        "Trop d'attente au téléphone, j'ai raccroché deux fois.",
    ],
    "unresolved": [
        "Mon problème n'est toujours pas résolu, j'ai dû rappeler trois fois.",
        "On m'a promis un rappel qui n'est jamais venu.",
    ],
    "attitude": ["Conseiller peu aimable et pressé de raccrocher.", "Accueil désagréable."],
    "knowledge": ["Le conseiller ne connaissait pas l'offre, réponses approximatives."],
    "billing": [
        "Facture incorrecte, on m'a prélevé 29,99 € de trop.",
        "Toujours pas remboursé après la résiliation.",
    ],
    "product": ["La box redémarre sans arrêt, connexion instable depuis des semaines."],
}
# A problem no theme of the taxonomy names, growing over the last weeks: letters holding another
# customer's statements (a data leak). The emerging-themes step should find it.
EMERGING_FR = [
    "J'ai reçu par courrier les relevés d'un autre client, mes données partent chez des inconnus.",
    "Vous m'avez envoyé les relevés d'un autre client, c'est une fuite de données.",
    "Encore un courrier avec les relevés d'un inconnu, problème de confidentialité grave.",
    "Le courrier reçu contenait les relevés et l'adresse d'une autre personne, données exposées.",
]
EMERGING_EN = [
    "I received another customer's statements in my mailbox, my data goes to strangers.",
    "Your letter contained someone else's statements, a serious data leak.",
    "Another customer's statements arrived at my address, that is a data leak.",
]
PRAISE_FR = [
    "Conseiller très aimable et efficace, problème réglé en cinq minutes.",
    "Merci à {agent} pour sa patience et ses explications claires.",
    "Réponse rapide et précise, rien à redire.",
    "Service client à l'écoute, je suis ravi.",
]
COMPLAINTS_EN = {
    "wait": [
        "Waited over 40 minutes in the queue before anyone answered.",
        "The chat queue was endless, nobody picked up for half an hour.",
    ],
    "unresolved": [
        "Issue still not fixed after three contacts.",
        "Nobody called me back as promised.",
    ],
    "attitude": ["The agent was rude and dismissive."],
    "knowledge": ["The agent did not know the product and gave me wrong information."],
    "delivery": ["My order arrived late and the box was damaged.", "Delivery never showed up."],
    "website": ["Checkout kept failing on the website, had to try four times."],
    "billing": ["I was charged twice for the same order."],
}
PRAISE_EN = [
    "{agent} was friendly and solved everything quickly.",
    "Quick, clear and helpful answer, thank you!",
    "Great service, the agent really knew the product.",
    "Smooth purchase, delivered the next day.",
]
# Untrusted text as it really arrives: markup, spreadsheet formulas, personal data.
HOSTILE = [
    '<script>alert("x")</script> Service nul',
    '<img src="http://tracker.example/pixel.png"> waited forever',
    '=HYPERLINK("http://evil.example";"cliquez") remboursez-moi',
    "Rappelez-moi au 06 12 34 56 78 ou à jean.dupont@example.com, toujours rien",
]


@dataclass(frozen=True)
class DemoResponse:
    """The truth one generated row was written from (None scores: question left blank)."""

    source: str
    response_id: str
    week: dt.date
    csat: int | None
    nps: int | None
    ces_good: int | None  # CES oriented so that higher is better, on the source's scale
    valid: bool  # False for rows broken on purpose (they must be rejected)
    duplicate: bool  # True for a repeated row (it must be counted as a duplicate)
    excluded: bool = False  # a survey test or spam row (it must be counted as excluded)

    @property
    def loaded(self) -> bool:
        """Whether the row must end in raw.responses."""
        return self.valid and not self.duplicate and not self.excluded


@dataclass
class DemoManifest:
    files: list[Path]
    responses: list[DemoResponse]
    weeks: list[dt.date]


def _clip(value: float, low: int, high: int) -> int:
    return max(low, min(high, round(value)))


class _Generator:
    def __init__(self, seed: int, weeks: list[dt.date], volume: float):
        self.rng = random.Random(seed)
        self.weeks = weeks
        self.volume = volume
        self.truth: list[DemoResponse] = []
        self.counter = 0

    # -- the hidden satisfaction model ------------------------------------------------------
    def mood(self, week_index: int, channel: str, team: str, agent: str, product: str) -> float:
        """Latent satisfaction around 0 (sd ~1); the last week's phone queue costs a lot."""
        effect = TEAM_EFFECT.get(team, 0) + AGENT_EFFECT.get(agent, 0) + PRODUCT_EFFECT[product]
        effect += 0.05 * week_index  # a slow improvement over the weeks
        if channel in {"téléphone", "phone"} and week_index == len(self.weeks) - 1:
            effect -= 1.4
        return 0.55 + effect + self.rng.gauss(0, 1)

    def scores(self, mood: float, team: str = "") -> tuple[int, int, int]:
        """(CSAT 1-5, NPS 0-10, effort-good 1-7) correlated through the mood."""
        csat = _clip(3.6 + 1.1 * mood + self.rng.gauss(0, 0.45), 1, 5)
        nps = _clip(7.2 + 2.0 * mood + self.rng.gauss(0, 1.1), 0, 10)
        ease = _clip(5.0 + EASE_EFFECT.get(team, 0) + 1.3 * mood + self.rng.gauss(0, 0.8), 1, 7)
        return csat, nps, ease

    def comment(self, mood: float, french: bool, wait_week: bool, agent: str, index: int) -> str:
        rng = self.rng
        if rng.random() < 0.012:
            return rng.choice(HOSTILE)
        if rng.random() > (0.7 if mood < -0.3 else 0.45):
            return ""
        praise, complaints = (PRAISE_FR, COMPLAINTS_FR) if french else (PRAISE_EN, COMPLAINTS_EN)
        if mood > 0.6:
            return rng.choice(praise).format(agent=agent)
        weeks_left = len(self.weeks) - 1 - index
        if weeks_left < 3 and rng.random() < 0.25 - 0.06 * weeks_left:  # eSIM trouble grows
            return rng.choice(EMERGING_FR if french else EMERGING_EN)
        theme = "wait" if wait_week and rng.random() < 0.75 else rng.choice(list(complaints))
        return rng.choice(complaints[theme])

    def moment(self, week: dt.date) -> dt.datetime:
        """A local time within the week, during opening hours."""
        day = week + dt.timedelta(days=self.rng.randrange(7))
        return dt.datetime(
            day.year,
            day.month,
            day.day,
            self.rng.randrange(8, 20),
            self.rng.randrange(60),
            self.rng.randrange(60),
            tzinfo=TIMEZONE,
        )

    def count(self, base: int) -> int:
        return max(3, round(base * self.volume * self.rng.uniform(0.85, 1.15)))

    def customer(self) -> tuple[str, str]:
        first = self.rng.choice(["marie", "jean", "lucas", "emma", "louis", "chloe", "paul", "zoe"])
        last = self.rng.choice(["martin", "bernard", "dubois", "thomas", "robert", "petit"])
        number = self.rng.randrange(100000, 999999)
        return f"C{number}", f"{first}.{last}{number % 100}@example.com"

    def record(
        self, source: str, rid: str, week: dt.date, scores: tuple, valid=True, excluded=False
    ):
        csat, nps, ease = scores
        self.truth.append(DemoResponse(source, rid, week, csat, nps, ease, valid, False, excluded))

    # -- support_fr: French Excel CSV -----------------------------------------------------
    def support_fr(self, index: int, week: dt.date) -> bytes:
        header = [
            "id_reponse",
            "date_reponse",
            "canal",
            "equipe",
            "conseiller",
            "produit",
            "num_client",
            "email_client",
            "satisfaction",
            "recommandation",
            "effort",
            "commentaire",
        ]
        rows, truth = [], []
        for _ in range(self.count(170)):
            self.counter += 1
            rid = f"FR-{self.counter:06d}"
            channel = self.rng.choices(["téléphone", "chat", "e-mail"], [5, 3, 2])[0]
            team = self.rng.choice(list(TEAMS_FR))
            agent = self.rng.choice(TEAMS_FR[team])
            product = self.rng.choice(PRODUCTS)
            mood = self.mood(index, channel, team, agent, product)
            csat, nps, ease7 = self.scores(mood, team)
            effort5 = 6 - _clip(1 + (ease7 - 1) * 4 / 6, 1, 5)  # 1 = very low effort
            answered_nps = self.rng.random() >= 0.04
            wait_week = channel == "téléphone" and index == len(self.weeks) - 1
            ref, email = self.customer()
            rows.append(
                [
                    rid,
                    self.moment(week).strftime("%d/%m/%Y %H:%M"),
                    channel,
                    team,
                    agent,
                    product,
                    ref,
                    email,
                    FR_LABELS[csat - 1],
                    str(nps) if answered_nps else "",
                    str(effort5),
                    self.comment(mood, True, wait_week, agent, index),
                ]
            )
            truth.append(
                DemoResponse(
                    "support_fr",
                    rid,
                    week,
                    csat,
                    nps if answered_nps else None,
                    6 - effort5,
                    True,
                    False,
                )
            )
        # Broken on purpose: an unknown label (that answer is set aside, the row kept), a
        # missing id (the row is rejected), and one row exported twice.
        rows[3][8] = "Bof bof"
        truth[3] = replace(truth[3], csat=None)
        rows[5][0] = ""
        truth[5] = replace(truth[5], valid=False)
        rows.append(list(rows[7]))
        truth.append(replace(truth[7], duplicate=True))
        self.truth.extend(truth)
        buffer = io.StringIO(newline="")
        writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
        writer.writerow(header)
        writer.writerows(rows)
        return buffer.getvalue().encode("cp1252")

    # -- qualtrics_purchase: Qualtrics CSV with three header rows ------------------------
    def qualtrics(self, index: int, week: dt.date) -> bytes:
        meta = [
            ("StartDate", "Start Date", "startDate"),
            ("EndDate", "End Date", "endDate"),
            ("Status", "Response Type", "status"),
            ("IPAddress", "IP Address", "ipAddress"),
            ("Progress", "Progress", "progress"),
            ("Duration (in seconds)", "Duration (in seconds)", "duration"),
            ("Finished", "Finished", "finished"),
            ("RecordedDate", "Recorded Date", "recordedDate"),
            ("ResponseId", "Response ID", "_recordId"),
            ("RecipientLastName", "Recipient Last Name", "recipientLastName"),
            ("RecipientFirstName", "Recipient First Name", "recipientFirstName"),
            ("RecipientEmail", "Recipient Email", "recipientEmail"),
            ("ExternalReference", "External Data Reference", "externalDataReference"),
            ("LocationLatitude", "Location Latitude", "locationLatitude"),
            ("LocationLongitude", "Location Longitude", "locationLongitude"),
            ("DistributionChannel", "Distribution Channel", "distributionChannel"),
            ("UserLanguage", "User Language", "userLanguage"),
        ]
        questions = [
            ("Q1", "How satisfied are you with your purchase experience?", "QID1"),
            ("Q2", "How likely are you to recommend us to a friend or colleague?", "QID2"),
            (
                "Q2_NPS_GROUP",
                "How likely are you to recommend us to a friend or colleague? - Group",
                "QID2_NPS_GROUP",
            ),
            ("Q3", "The company made it easy for me to complete my purchase.", "QID3"),
            ("Q4", "What is the main reason for your score?", "QID4_TEXT"),
            ("Channel", "Channel", "Channel"),
            ("Product", "Product", "Product"),
        ]
        columns = meta + questions
        rows = [
            [c[0] for c in columns],
            [c[1] for c in columns],
            [
                json.dumps(
                    {"ImportId": c[2], "timeZone": "Europe/Paris"}
                    if c[0].endswith("Date")
                    else {"ImportId": c[2]}
                )
                for c in columns
            ],
        ]
        # the last two rows: a colleague testing the survey, and a bot (Qualtrics flags both)
        kinds = ["0"] * self.count(90) + ["2", "8"]
        for status in kinds:
            rid = "R_" + "".join(self.rng.choices(string.ascii_letters + string.digits, k=15))
            channel = self.rng.choices(["web", "app"], [3, 1])[0]
            product = self.rng.choice(PRODUCTS)
            mood = self.mood(index, channel, "", "", product)
            csat, nps, ease = self.scores(mood)
            french = self.rng.random() < 0.6
            ref, email = self.customer()
            end = self.moment(week)
            duration = self.rng.randrange(40, 400)
            start = end - dt.timedelta(seconds=duration)
            first, last = email.split("@")[0].split(".")
            fmt = "%Y-%m-%d %H:%M:%S"
            comment = self.comment(mood, french, False, "", index)
            rows.append(
                [
                    start.strftime(fmt),
                    end.strftime(fmt),
                    status,
                    "",
                    "100",
                    str(duration),
                    "1",
                    end.strftime(fmt),
                    rid,
                    last.title(),
                    first.title(),
                    email,
                    ref,
                    "",
                    "",
                    "test" if status == "2" else "email",
                    "FR" if french else "EN",
                    EN_LABELS[csat - 1],
                    str(nps),
                    "3" if nps >= 9 else "2" if nps >= 7 else "1",
                    str(ease),
                    comment,
                    channel,
                    product,
                ]
            )
            self.record("qualtrics_purchase", rid, week, (csat, nps, ease), excluded=status != "0")
        buffer = io.StringIO(newline="")
        csv.writer(buffer, lineterminator="\r\n").writerows(rows)
        return buffer.getvalue().encode("utf-8-sig")

    # -- support_en: XLSX workbook ---------------------------------------------------------
    def support_en(self, index: int, week: dt.date) -> bytes:
        from openpyxl import Workbook

        workbook = Workbook()
        sheet = workbook.active
        sheet.title = "Responses"
        sheet.append(
            [
                "Response ID",
                "Submitted",
                "Channel",
                "Team",
                "Agent",
                "Product",
                "Customer ID",
                "Overall, how would you rate the support you received?",
                "How likely are you to recommend us? (1-10)",
                "How much effort did you personally have to put forth? (1-5)",
                "Anything else you want to tell us?",
            ]
        )
        for _ in range(self.count(60)):
            self.counter += 1
            rid = f"EN-{self.counter:06d}"
            channel = self.rng.choices(["chat", "e-mail"], [2, 1])[0]
            team = self.rng.choice(list(TEAMS_EN))
            agent = self.rng.choice(TEAMS_EN[team])
            product = self.rng.choice(PRODUCTS)
            mood = self.mood(index, channel, team, agent, product)
            csat, nps, ease7 = self.scores(mood, team)
            nps1 = max(1, nps)
            effort5 = 6 - _clip(1 + (ease7 - 1) * 4 / 6, 1, 5)
            ref, _ = self.customer()
            when = self.moment(week).replace(tzinfo=None)
            sheet.append(
                [
                    rid,
                    when,
                    channel,
                    team,
                    agent,
                    product,
                    ref,
                    GOOD_LABELS[csat - 1],
                    nps1,
                    effort5,
                    self.comment(mood, False, False, agent, index) or None,
                ]
            )
            self.record("support_en", rid, week, (csat, nps1, 6 - effort5))
        workbook.properties.created = dt.datetime(2026, 1, 1)
        buffer = io.BytesIO()
        workbook.save(buffer)
        return _reproducible_xlsx(buffer.getvalue())


def _reproducible_xlsx(data: bytes) -> bytes:
    """The same workbook with fixed zip dates and save time, so that reruns write equal bytes."""
    source, target = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = re.sub(
                    rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>2026-01-01T00:00:00Z", content
                )
            out.writestr(
                zipfile.ZipInfo(info.filename, date_time=(2026, 1, 1, 0, 0, 0)),
                content,
                zipfile.ZIP_DEFLATED,
            )
    return target.getvalue()


def demo_weeks(last_week: dt.date, weeks: int) -> list[dt.date]:
    """`weeks` Mondays ending with `last_week`'s Monday."""
    monday = last_week - dt.timedelta(days=last_week.weekday())
    return [monday - dt.timedelta(weeks=k) for k in range(weeks - 1, -1, -1)]


def last_complete_week(today: dt.date) -> dt.date:
    """The Monday of the week before the one `today` is in."""
    return today - dt.timedelta(days=today.weekday() + 7)


def generate_demo(
    inbox: Path, last_week: dt.date, weeks: int = 8, seed: int = 20261116, volume: float = 1.0
) -> DemoManifest:
    """Write `weeks` weeks of exports for the three demo sources into `inbox`.

    The same arguments always write byte-identical files. `volume` scales the number of responses
    (tests use a small one).
    """
    inbox.mkdir(parents=True, exist_ok=True)
    mondays = demo_weeks(last_week, weeks)
    generator = _Generator(seed, mondays, volume)
    files = []
    for index, week in enumerate(mondays):
        for name, build in (
            (f"support_fr_{week}.csv", generator.support_fr),
            (f"qualtrics_purchase_{week}.csv", generator.qualtrics),
            (f"support_en_{week}.xlsx", generator.support_en),
        ):
            path = inbox / name
            path.write_bytes(build(index, week))
            files.append(path)
    # Exports land in an inbox some time before a run reads them: an hour-old file is settled
    # (a run leaves a file changed in the last inbox.settle_seconds for later).
    an_hour_ago = time.time() - 3600
    for path in files:
        os.utime(path, (an_hour_ago, an_hour_ago))
    return DemoManifest(files, generator.truth, mondays)
