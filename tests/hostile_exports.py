"""A corpus of hostile survey exports, each with what the pipeline must make of it.

Every case is one file dropped in the inbox, read against the generic source below (with the
case's overrides), and the accounting it must produce: rows read / loaded / rejected / duplicate,
or the reason the whole file fails. Cases may also pin what `ops.files` records (encoding,
format, delimiter), values stored for given response ids, and words the rejection reasons of
given rows must contain.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass, field

HEADER = ["id", "date", "csat", "nps", "effort", "comment"]
FRENCH = "« Très bien » : l’agent a réglé 29,99 € en 2 min — ça, c’est du service !"


def delimited(*rows: list[str] | str, sep: str = ",", header: list[str] | None = None) -> str:
    """Rows quoted as a spreadsheet would and joined with `sep`, header first, with LF line ends;
    a row given as a string is written as is (to break the format on purpose)."""
    import csv

    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=sep, lineterminator="\n")
    for row in [header or HEADER, *rows]:
        if isinstance(row, str):
            buffer.write(row + "\n")
        else:
            writer.writerow(row)
    return buffer.getvalue()


def good(id_: str, comment: str = "ok", date: str = "2026-11-16 10:00") -> list[str]:
    return [id_, date, "Satisfied", "9", "6", comment]


@dataclass
class Case:
    name: str  # the file's name in the inbox (its extension matters for `format: auto`)
    content: bytes
    expect: tuple[int, int, int, int] | str  # (read, loaded, rejected, duplicate) or failure text
    source: dict = field(default_factory=dict)  # overrides of the generic source
    recorded: dict = field(default_factory=dict)  # expected ops.files values
    stored: dict[str, dict] = field(default_factory=dict)  # response id → expected raw values
    reasons: dict[int, list[str]] = field(default_factory=dict)  # row → words in its reason
    # a loaded row → words in the reasons its unusable answers were set aside
    answers: dict[int, list[str]] = field(default_factory=dict)


def _xlsx(rows: list[list], sheet: str = "Responses", extra_sheet: bool = True) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    if extra_sheet:
        workbook.active.title = "Read me"
        workbook.active.append(["This sheet is not the data"])
        worksheet = workbook.create_sheet(sheet)
    else:
        worksheet = workbook.active
    for row in rows:
        worksheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _ods(rows: list[list]) -> bytes:
    """A minimal OpenDocument spreadsheet (what LibreOffice saves), written by hand."""
    import zipfile
    from xml.sax.saxutils import escape

    def cell(value: object) -> str:
        if isinstance(value, int | float):
            kind = f'office:value-type="float" office:value="{value}"'
        else:
            kind = 'office:value-type="string"'
        return f"<table:table-cell {kind}><text:p>{escape(str(value))}</text:p></table:table-cell>"

    body = "".join(f"<table:table-row>{''.join(map(cell, r))}</table:table-row>" for r in rows)
    namespaces = " ".join(
        f'xmlns:{p}="urn:oasis:names:tc:opendocument:xmlns:{p}:1.0"'
        for p in ("office", "table", "text")
    )
    content = (
        f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {namespaces} '
        'office:version="1.2"><office:body><office:spreadsheet>'
        f'<table:table table:name="Réponses">{body}</table:table>'
        "</office:spreadsheet></office:body></office:document-content>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest='
        '"urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
        '<manifest:file-entry manifest:full-path="/" manifest:media-type='
        '"application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry '
        'manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>'
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("META-INF/manifest.xml", manifest, zipfile.ZIP_DEFLATED)
        archive.writestr("content.xml", content, zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


QUALTRICS_HEADER = [
    ["StartDate", "EndDate", "Status", "Finished", "RecordedDate", "ResponseId",
     "RecipientEmail", "UserLanguage", "Q1", "Q2_NPS_GROUP", "Q2", "Q3"],
    ["Date de début", "Date de fin", "Type de réponse", "Terminé", "Date d'enregistrement",
     "ID de réponse", "E-mail du destinataire", "Langue", "Êtes-vous satisfait de notre service ?",
     "Q2 - Groupe NPS", "Recommanderiez-vous notre service ?", "Pourquoi ?"],
    [json.dumps({"ImportId": i}) for i in (
        "startDate", "endDate", "status", "finished", "recordedDate", "_recordId",
        "recipientEmail", "userLanguage", "QID1", "QID2_NPS_GROUP", "QID2", "QID3_TEXT")],
]  # fmt: skip

QUALTRICS_SOURCE = {
    "columns": {
        "response_id": "ResponseId",
        "submitted_at": "RecordedDate",
        "customer_email": "RecipientEmail",
    },
    "segments": {"language": "UserLanguage"},
    "questions": [  # by question text (row 2) for two of them, by short name for the others
        {"column": "Êtes-vous satisfait de notre service ?", "metric": "csat"},
        {"column": "Q2", "metric": "nps"},
        {"column": "Pourquoi ?", "metric": "comment"},
    ],
}


def _qualtrics() -> bytes:
    import csv

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerows(QUALTRICS_HEADER)
    writer.writerow(["2026-11-16 09:58:01", "2026-11-16 10:00:00", "0", "1", "2026-11-16 10:00:00",
                     "R_1aB", "jean@example.fr", "FR", "Tout à fait satisfait", "Promoter", "10",
                     "Rapide,\nefficace"])  # fmt: skip
    writer.writerow(["2026-11-16 11:00:00", "2026-11-16 11:01:00", "0", "1", "2026-11-16 11:01:00",
                     "R_2cD", "", "EN", "Pas du tout satisfait", "Detractor", "3", ""])  # fmt: skip
    return buffer.getvalue().encode("utf-8-sig")


QUALTRICS_LEGACY = (
    "V1,V2,V3,V4,V5,V6,V7,V8,V9,V10,Q1,Q2,\n"
    "ResponseID,ResponseSet,Name,ExternalDataReference,EmailAddress,IPAddress,Status,StartDate,"
    "EndDate,Finished,How satisfied are you?,How likely are you to recommend us?,\n"
    "R_9xY,Default Response Set,Anonymous,,,10.0.0.1,0,2026-11-16 08:28:09,"
    "2026-11-16 08:28:48,1,Very satisfied,9,\n"
)

SURVEYMONKEY = delimited(
    ["1123", "11/16/2026 10:01:00 AM", "11/16/2026 10:03:10 AM", "Very satisfied", "10",
     "Phone", "", "Quick answer"],
    ["1124", "11/17/2026 02:15:00 PM", "11/17/2026 02:20:00 PM", "Dissatisfied", "2",
     "", "Chat", ""],
    header=["Respondent ID", "Start Date", "End Date",
            "Overall, how satisfied are you with our support?",
            "How likely is it that you would recommend us to a friend?",
            "How did you contact us?", "", "Anything else?"],
)  # fmt: skip
SURVEYMONKEY = SURVEYMONKEY.replace(
    "\n", "\n,,,Response,Response,Phone,Chat,Open-Ended Response\n", 1
)
SURVEYMONKEY_SOURCE = {
    "date_format": "month_first",
    "columns": {"response_id": "Respondent ID", "submitted_at": "End Date"},
    "segments": {"channel": "How did you contact us? - Phone"},
    "questions": [
        {"column": "Overall, how satisfied are you with our support?", "metric": "csat"},
        {"column": "How likely is it that you would recommend us to a friend?", "metric": "nps"},
        {"column": "Anything else?", "metric": "comment"},
    ],
}

GOOGLE_FORMS = delimited(
    ["16/11/2026 10:23:45", "c1@example.com", "Très satisfait", "Facile", "Parfait"],
    ["17/11/2026 18:02:11", "c2@example.com", "Insatisfait", "Difficile", ""],
    ["18/11/2026 08:00:00", "c3@example.com", "Satisfait", "", ""],
    header=["Horodateur", "Adresse e-mail", "Votre avis [Satisfaction globale]",
            "Votre avis [Facilité]", "Un commentaire ?"],
)  # fmt: skip
GOOGLE_FORMS_SOURCE = {
    "date_format": "day_first",
    "columns": {"response_id": "Adresse e-mail", "submitted_at": "Horodateur"},
    "questions": [
        {"column": "Votre avis [Satisfaction globale]", "metric": "csat"},
        {"column": "Votre avis [Facilité]", "metric": "ces",
         "scale": {"min": 1, "max": 3, "labels": {"Facile": 3, "Moyen": 2, "Difficile": 1}}},
        {"column": "Un commentaire ?", "metric": "comment"},
    ],
}  # fmt: skip

TYPEFORM = delimited(
    ["a1b2c3", "9", "Great people", "2026-11-15 23:30:00", "2026-11-15 23:35:00"],
    ["d4e5f6", "6", "", "2026-11-16 08:00:00", "2026-11-16 08:02:00"],
    header=["#", "How likely are you to recommend us?", "What could we do better?",
            "Start Date (UTC)", "Submit Date (UTC)"],
)  # fmt: skip
TYPEFORM_SOURCE = {
    "columns": {"response_id": "#", "submitted_at": "Submit Date (UTC)"},
    "questions": [
        {"column": "How likely are you to recommend us?", "metric": "nps"},
        {"column": "What could we do better?", "metric": "comment"},
    ],
}

ZENDESK = delimited(
    ["7001", "2026-11-16T09:12:00Z", "Good, I'm satisfied", ""],
    ["7002", "2026-11-16T10:40:00Z", "Bad, I'm unsatisfied", "Nobody called me back"],
    ["7003", "2026-11-16T11:00:00Z", "Offered", ""],
    header=["Ticket ID", "Rated at", "Satisfaction", "Satisfaction Comment"],
)  # fmt: skip
ZENDESK_SOURCE = {
    "columns": {"response_id": "Ticket ID", "submitted_at": "Rated at"},
    "questions": [
        {"column": "Satisfaction", "metric": "csat"},
        {"column": "Satisfaction Comment", "metric": "comment"},
    ],
}


def _cases() -> list[Case]:
    ragged = delimited(
        good("1"), "2,2026-11-16 10:00,Satisfied,9,6,x,SURPLUS", "3,2026-11-16 10:00"
    )
    huge = "très long " * 100_000  # a 1 MB comment
    hostile_text = '=HYPERLINK("http://evil.example","click")'
    return [
        Case("plain.csv", delimited(good("1", FRENCH), good("2")).encode(), (2, 2, 0, 0),
             recorded={"encoding": "utf-8", "delimiter": ",", "format": "csv"},
             stored={"1": {"comment": FRENCH, "csat": 4, "nps": 9}}),
        Case("bom_semicolon.csv", delimited(good("1", FRENCH), sep=";").encode("utf-8-sig"),
             (1, 1, 0, 0), recorded={"encoding": "utf-8", "delimiter": ";"},
             stored={"1": {"comment": FRENCH}}),
        Case("excel_unicode_text.txt", delimited(good("1", FRENCH), sep="\t").encode("utf-16"),
             (1, 1, 0, 0), recorded={"encoding": "utf-16", "delimiter": "\t"},
             stored={"1": {"comment": FRENCH}}),
        Case("utf16_no_bom.csv", delimited(good("1", FRENCH)).encode("utf-16-le"), (1, 1, 0, 0),
             recorded={"encoding": "utf-16-le"}, stored={"1": {"comment": FRENCH}}),
        Case("windows_1252.csv",
             delimited(good("1", FRENCH), [*good("2")[:2], "Très satisfait", "8", "5", "Œuvre"],
                       sep=";").encode("cp1252"),
             (2, 2, 0, 0), recorded={"encoding": "cp1252"},
             stored={"1": {"comment": FRENCH}, "2": {"csat": 5, "comment": "Œuvre"}}),
        Case("mac_roman.csv", delimited(good("1", FRENCH), sep=";").encode("mac_roman"),
             (1, 1, 0, 0), recorded={"encoding": "mac_roman"}, stored={"1": {"comment": FRENCH}}),
        Case("mac_roman_lone_cr.csv",
             delimited(good("1", "déjà réglé, à côté"), good("2", "reçu")).replace("\n", "\r")
             .encode("mac_roman"),
             (2, 2, 0, 0), recorded={"encoding": "mac_roman"},
             stored={"1": {"comment": "déjà réglé, à côté"}, "2": {"comment": "reçu"}}),
        Case("latin_1.csv", delimited(good("1", "élève à l'école")).encode("latin-1"),
             (1, 1, 0, 0), stored={"1": {"comment": "élève à l'école"}}),
        Case("pipe.csv", delimited(good("1"), good("2"), sep="|").encode(), (2, 2, 0, 0),
             recorded={"delimiter": "|"}),
        Case("multiline.csv",
             delimited(good("1", 'line one\nline two, with "quotes" and ; ,'),
                       good("2"), "", good("3")).encode(),
             (3, 3, 0, 0), stored={"1": {"comment": 'line one\nline two, with "quotes" and ; ,',
                                         "file_row": 2}, "3": {"file_row": 5}}),
        Case("header_only.csv", delimited().encode(), (0, 0, 0, 0)),
        Case("empty.csv", b"", (0, 0, 0, 0)),
        Case("blank_lines.csv", (delimited(good("1")) + "\n  \n,,,,,\n").encode(), (1, 1, 0, 0)),
        Case("trailing_columns.csv",
             delimited([*good("1"), "", ""], [*good("2"), "", ""],
                       header=[*HEADER, "", ""]).encode(), (2, 2, 0, 0)),
        Case("ragged.csv", ragged.encode(), (3, 1, 2, 0),
             reasons={3: ["more cells than the 6 header columns"],
                      4: ["no answer in any question column"]}),
        Case("unclosed_quote.csv",
             delimited(good("1"), '2,2026-11-16 10:00,Satisfied,9,6,"never closed',
                       good("3"), good("4")).encode(),
             (2, 1, 1, 0), reasons={3: ["quote opened in this row is never closed"]}),
        Case("duplicate_headers.csv",
             delimited([*good("1"), "second"], header=[*HEADER, "comment"]).encode(), (1, 1, 0, 0),
             stored={"1": {"comment": "ok"}}),
        Case("huge_comment.csv", delimited(good("1", huge)).encode(), (1, 1, 0, 0),
             stored={"1": {"comment": huge.strip()}}),
        Case("control_characters.csv",
             delimited(good("1", "bell\x07 esc\x1b[31m tab\there"), good("2", "nul\x00byte"))
             .encode(), (2, 2, 0, 0),
             stored={"1": {"comment": "bell\x07 esc\x1b[31m tab\there"},
                     "2": {"comment": "nulbyte"}}),
        Case("emoji.csv", delimited(good("1", "Super 👍🏽 merci 😍"), good("2", "🤬")).encode(),
             (2, 2, 0, 0), stored={"1": {"comment": "Super 👍🏽 merci 😍"}}),
        Case("formulas.csv",
             delimited(good("1", hostile_text),
                       good("2", "+cmd|' /C calc'!A0"), good("3", "@SUM(1+1)")).encode(),
             (3, 3, 0, 0), stored={"1": {"comment": hostile_text},
                                    "2": {"comment": "+cmd|' /C calc'!A0"}}),
        Case("out_of_range.csv",
             delimited(["1", "2026-11-16", "Satisfied", "11", "6", ""],
                       ["2", "2026-11-16", "Satisfied", "-1", "6", ""],
                       ["3", "2026-11-16", "6", "9", "6", ""],
                       ["4", "2026-11-16", "Satisfied", "9", "0", ""],
                       ["5", "2026-11-16", "Satisfied", "9.5", "6", ""]).encode(),
             (5, 5, 0, 0),  # each row keeps its other answers
             stored={"1": {"csat": 4, "nps": None, "ces": 6.0}},
             answers={2: ["'11'", "from 0 to 10"], 3: ["'-1'"],
                      4: ["unknown CSAT answer '6'", "Very satisfied", "1-5"],
                      5: ["CES answer '0'", "from 1 to 7"], 6: ["'9.5'", "whole number"]}),
        Case("unknown_labels.csv",
             delimited(["1", "2026-11-16", "Bof bof", "9", "6", ""], good("2")).encode(),
             (2, 2, 0, 0), stored={"1": {"csat": None, "nps": 9}},
             answers={2: ["unknown CSAT answer 'Bof bof' in column 'csat'", "Very satisfied"]}),
        Case("no_answer_words.csv",
             delimited(["1", "2026-11-16", "N/A", "Ne sais pas", "NSP", "merci"],
                       ["2", "2026-11-16", "Satisfied", "Don't know", "n/a", ""],
                       ["3", "2026-11-16", "N/A", "", "-", ""]).encode(),
             (3, 2, 1, 0), stored={"1": {"csat": None, "nps": None, "ces": None},
                                   "2": {"csat": 4, "nps": None}},
             reasons={4: ["no answer in any question column"]}),
        Case("numbers_with_labels.csv",
             delimited(["1", "2026-11-16", "5 - Very satisfied", "10 - Extremely likely",
                        "4,0", ""],
                       ["2", "2026-11-16", "1 (Very dissatisfied)", "0 - Not at all likely",
                        "6.5", ""]).encode(),
             (2, 2, 0, 0), stored={"1": {"csat": 5, "nps": 10, "ces": 4.0},
                                   "2": {"csat": 1, "nps": 0, "ces": 6.5}}),
        Case("future_and_bad_dates.csv",
             delimited(good("1", date="2027-01-04 10:00"), good("2", date="31/02/2026"),
                       good("3", date="yesterday"), good("4", date="")).encode(),
             (4, 0, 4, 0),
             reasons={2: ["'2027-01-04 10:00'", "in the future"],
                      3: ["cannot read date '31/02/2026'"], 4: ["'yesterday'"],
                      5: ["submitted-at is empty"]}),
        Case("french_dates.csv",
             delimited(good("1", date="16/11/2026 10:00"), good("2", date="03/11/2026"),
                       good("3", date="16.11.2026 23:30:15")).encode(),
             (3, 3, 0, 0), source={"date_format": "day_first"},
             stored={"2": {"week": "2026-11-02"}, "3": {"submitted_at": "2026-11-16 22:30:15"}}),
        Case("us_dates.csv",
             delimited(good("1", date="11/16/2026 10:00 PM"), good("2", date="03/11/2026"))
             .encode(),
             (2, 2, 0, 0), source={"date_format": "month_first"},
             stored={"1": {"submitted_at": "2026-11-16 21:00:00"},
                     "2": {"submitted_at": "2026-03-10 23:00:00"}}),
        Case("configured_offset.csv",  # a date_format with its offset (tweets exports)
             delimited(good("1", date="2024-07-29 10:00:00+02:00"),
                       good("2", date="2024-07-29 10:00:00+00:00")).encode(),
             (2, 2, 0, 0), source={"date_format": "%Y-%m-%d %H:%M:%S%z"},
             stored={"1": {"submitted_at": "2024-07-29 08:00:00"},
                     "2": {"submitted_at": "2024-07-29 10:00:00"}}),
        Case("iso_offsets.csv",
             delimited(good("1", date="2026-11-16T10:00:00+05:00"),
                       good("2", date="2026-11-16T10:00:00.250Z"),
                       good("3", date="2026-11-16T10:00:00")).encode(),
             (3, 3, 0, 0),
             stored={"1": {"submitted_at": "2026-11-16 05:00:00"},
                     "2": {"submitted_at": "2026-11-16 10:00:00.250000"},
                     "3": {"submitted_at": "2026-11-16 09:00:00"}}),
        Case("duplicate_ids.csv", delimited(good("1", "first"), good("2"), good("1", "again"))
             .encode(), (3, 2, 0, 1), stored={"1": {"comment": "first"}}),
        Case("keep_latest.csv", delimited(good("1", "first"), good("1", "again")).encode(),
             (2, 1, 0, 1), source={"duplicates": "keep_latest"},
             stored={"1": {"comment": "again"}}),
        Case("qualtrics.csv", _qualtrics(), (2, 2, 0, 0), source=QUALTRICS_SOURCE,
             recorded={"format": "qualtrics", "encoding": "utf-8"},
             stored={"R_1aB": {"csat": 5, "nps": 10, "comment": "Rapide,\nefficace",
                               "customer_email": "jean@example.fr", "file_row": 4},
                     "R_2cD": {"csat": 1, "nps": 3, "customer_email": None}}),
        Case("qualtrics_legacy.csv", QUALTRICS_LEGACY.encode(), (1, 1, 0, 0),
             source={"columns": {"response_id": "ResponseID", "submitted_at": "EndDate"},
                     "questions": [{"column": "Q1", "metric": "csat"},
                                   {"column": "How likely are you to recommend us?",
                                    "metric": "nps"}]},
             recorded={"format": "qualtrics"}, stored={"R_9xY": {"csat": 5, "nps": 9,
                                                                 "file_row": 3}}),
        Case("surveymonkey.csv", SURVEYMONKEY.encode(), (2, 2, 0, 0), source=SURVEYMONKEY_SOURCE,
             recorded={"format": "surveymonkey"},
             stored={"1123": {"csat": 5, "nps": 10, "channel": "Phone", "file_row": 3,
                              "submitted_at": "2026-11-16 09:03:10"},
                     "1124": {"csat": 2, "channel": None}}),
        Case("surveymonkey_resaved_by_pandas.csv",
             SURVEYMONKEY.replace("\n", "\n0,", 1).replace("Respondent ID", ",Respondent ID", 1)
             .replace("How did you contact us?,,", "How did you contact us?,Unnamed: 8,", 1)
             .replace("\n1123", "\n1,1123").replace("\n1124", "\n2,1124").encode(),
             (2, 2, 0, 0), source=SURVEYMONKEY_SOURCE, recorded={"format": "surveymonkey"},
             stored={"1123": {"channel": "Phone", "file_row": 3}}),
        Case("google_forms.csv", GOOGLE_FORMS.encode(), (3, 3, 0, 0), source=GOOGLE_FORMS_SOURCE,
             recorded={"format": "google_forms"},
             stored={"c1@example.com": {"csat": 5, "ces": 3.0},
                     "c2@example.com": {"csat": 2, "ces": 1.0}}),
        Case("typeform.csv", TYPEFORM.encode(), (2, 2, 0, 0), source=TYPEFORM_SOURCE,
             recorded={"format": "typeform"},  # times in UTC: 23:35 UTC is Monday in Paris
             stored={"a1b2c3": {"submitted_at": "2026-11-15 23:35:00", "week": "2026-11-16"}}),
        Case("zendesk.csv", ZENDESK.encode(), (3, 2, 1, 0), source=ZENDESK_SOURCE,
             stored={"7001": {"csat": 5}, "7002": {"csat": 1, "comment": "Nobody called me back"}},
             reasons={4: ["no answer in any question column"]}),
        Case("array.json",
             json.dumps([{"id": 1, "date": "2026-11-16 10:00", "csat": "Satisfied", "nps": 9,
                          "effort": 6.0, "comment": FRENCH, "meta": {"tags": ["a"]}},
                         {"id": 2, "date": "2026-11-16 10:00", "csat": None, "nps": 3}],
                        ensure_ascii=False).encode(),
             (2, 2, 0, 0), recorded={"format": "json"},
             stored={"1": {"nps": 9, "ces": 6.0, "comment": FRENCH}, "2": {"csat": None}}),
        Case("lines.jsonl",
             (json.dumps({"id": "1", "date": "2026-11-16", "nps": "9"}) + "\n"
              + '{"id": "2", "date": broken\n'
              + json.dumps({"id": "3", "date": "2026-11-16", "nps": 7}) + "\n"
              + "[1, 2]\n").encode(),
             (4, 2, 2, 0), recorded={"format": "jsonl"},
             source={"questions": [{"column": "nps", "metric": "nps"}]},
             reasons={2: ["line is not valid JSON"], 4: ["expected an object, got list"]}),
        Case("workbook.xlsx",
             _xlsx([["id", "date", "csat", "nps", "effort", "comment"],
                    [1, 46342.4375, "Satisfied", 9, 6, "serial date"],
                    ["2", "2026-11-16 10:00", "Very satisfied", 10.0, 7, None],
                    [None, None, None, None, None, None],
                    [3, "2026-11-16", "Satisfied", 9, 6, "=1+1", "surplus"]]),
             (3, 2, 1, 0), source={"sheet": "Responses"}, recorded={"format": "xlsx"},
             stored={"1": {"submitted_at": "2026-11-16 09:30:00", "comment": "serial date"},
                     "2": {"nps": 10}},
             reasons={5: ["more cells than the 6 header columns"]}),
        Case("libreoffice.ods",
             _ods([HEADER, [1, "16/11/2026 10:00", "Très satisfait", 9, 2, "Très bien"],
                   [2, 46342.75, "Insatisfait", 3, 6, "«Trop lent»"]]),
             (2, 2, 0, 0), source={"date_format": "day_first"}, recorded={"format": "ods"},
             stored={"1": {"csat": 5, "submitted_at": "2026-11-16 09:00:00"},
                     "2": {"csat": 2, "comment": "«Trop lent»",
                           "submitted_at": "2026-11-16 17:00:00"}}),
        Case("wrong_sheet.xlsx", _xlsx([HEADER, good("1")], sheet="Data"),
             "no sheet named 'Responses'; sheets found: ['Read me', 'Data']",
             source={"sheet": "Responses"}),
        Case("not_a_workbook.xlsx", delimited(good("1")).encode(),
             "not a readable XLSX (or XLS, ODS) workbook"),
        Case("wrong_declared_encoding.csv", delimited(good("1", FRENCH)).encode("cp1252"),
             "cannot decode as utf-8", source={"encoding": "utf-8"}),
        Case("garbage.csv", bytes(range(256)) * 4, "column 'id' not found"),
        Case("not_qualtrics.csv", delimited(good("1")).encode(),
             "expected a Qualtrics export (two or three header rows), but a plain delimited",
             source={"format": "qualtrics"}),
        Case("missing_columns.csv", b"ident;when\n1;2026-11-16\n",
             "column 'id' not found (closest: 'ident')"),
    ]  # fmt: skip


CASES = _cases()


def _more_cases() -> list[Case]:
    """Cases a review of the first corpus found missing."""
    quoted_list = delimited(
        *[good(str(i), 'Options "rapide", "simple", top' if i == 1 else "ok") for i in range(14)],
        sep=";",
    )
    separator = "\u2028"
    return [
        Case("sniffer_fooled_by_a_comment.csv", quoted_list.encode(), (14, 14, 0, 0),
             recorded={"delimiter": ";"}),
        Case("line_separator_in_json.jsonl",
             (json.dumps({"id": "1", "date": "2026-11-16", "nps": 9, "comment": f"a{separator}b"},
                         ensure_ascii=False) + "\n"
              + json.dumps({"id": "2", "date": "2026-11-16", "nps": 7}) + "\n").encode(),
             (2, 2, 0, 0),
             source={"questions": [{"column": "nps", "metric": "nps"},
                                   {"column": "comment", "metric": "comment"}]},
             stored={"1": {"comment": f"a{separator}b", "file_row": 1},
                                   "2": {"file_row": 2}}),
        Case("day_first_workbook.xlsx",
             _xlsx([HEADER, [1, "16/11/2026 10:00", "Satisfied", 9, 6, ""],
                    [2, __import__("datetime").datetime(2026, 11, 16, 10), "Satisfied", 9, 6, ""]],
                   extra_sheet=False),
             (2, 2, 0, 0), source={"date_format": "day_first"},
             stored={"2": {"submitted_at": "2026-11-16 09:00:00"}}),
        Case("label_named_none.csv",
             delimited(["1", "2026-11-16", "", "", "None", ""],
                       ["2", "2026-11-16", "", "", "N/A", "rien"]).encode(),
             (2, 2, 0, 0),
             source={"questions": [
                 {"column": "effort", "metric": "ces",
                  "scale": {"min": 1, "max": 3, "labels": {"None": 3, "Little": 2, "Lots": 1}}},
                 {"column": "comment", "metric": "comment"}]},
             stored={"1": {"ces": 3.0}, "2": {"ces": None}}),
        Case("utf16_big_endian_no_bom.csv", delimited(good("1", FRENCH)).encode("utf-16-be"),
             (1, 1, 0, 0), recorded={"encoding": "utf-16-be"}, stored={"1": {"comment": FRENCH}}),
    ]  # fmt: skip


CASES += _more_cases()
