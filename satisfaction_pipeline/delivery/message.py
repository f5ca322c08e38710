"""The e-mails themselves: the weekly report's message (headline scores, the first actions, the
files attached) in the report's language, and the operations messages (a failed run, an overdue
report)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr
from pathlib import Path

from satisfaction_pipeline.delivery.exactly_once import (
    ATTACHED_CSV,
)
from satisfaction_pipeline.formats import format_date, format_number, format_score, metric_name
from satisfaction_pipeline.i18n import translations


def _message_id(sender: str) -> str:
    """A Message-ID in the sender's domain: `Name <reports@example.com>` gives @example.com."""
    address = parseaddr(sender)[1]
    return make_msgid(domain=address.rpartition("@")[2] or None)


@dataclass(frozen=True)
class Headline:
    metric: str
    scale: str
    score: float
    n: int


@dataclass(frozen=True)
class Action:
    label: str
    owner: str
    complaints: int
    recommendation: str


def build_message(
    *,
    week: dt.date,
    language: str,
    sender: str,
    to: list[str],
    cc: list[str],
    headline: list[Headline],
    actions: list[Action],
    folder: Path,
    follow_up: bool,
) -> EmailMessage:
    """The report e-mail: subject with the week and headline scores, a plain-text body and an
    HTML alternative (inline styles, no script, no remote image), report.pdf and the CSVs
    (follow_up.csv only if `follow_up`). Everything in it is escaped: labels come from the
    configuration, never from customers."""
    from html import escape

    _ = translations(language).gettext
    week_label = format_date(week, language)
    scores = ", ".join(
        f"{metric_name(h.metric, h.scale)} {format_score(h.metric, h.score, language)}"
        for h in headline
    )
    message = EmailMessage()
    subject = _("Customer satisfaction — week of {week}").format(week=week_label)
    if scores:
        subject = _("{subject}: {scores}").format(subject=subject, scores=scores)
    message["Subject"] = subject
    message["From"] = sender
    message["To"] = ", ".join(to)
    if cc:
        message["Cc"] = ", ".join(cc)
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = _message_id(sender)
    attachments = [folder / "report.pdf"] + [
        folder / name
        for name in ATTACHED_CSV
        if (folder / name).exists() and (follow_up or name != "follow_up.csv")
    ]
    intro = _("The weekly customer-satisfaction report for the week of {week} is attached.")
    lines = [intro.format(week=week_label), ""]
    lines += [
        "  "
        + _("{metric}: {score} (n = {n})").format(
            metric=metric_name(h.metric, h.scale),
            score=format_score(h.metric, h.score, language),
            n=format_number(h.n, language, 0),
        )
        for h in headline
    ]
    actions_title = _("What to fix first (the complaint themes that weigh most on the scores)")
    no_actions = _("No complaint theme stands out clearly yet (see the watch list).")
    attached = _("Attached: {files}.")
    footer = _("Sent by satisfaction_pipeline. Comments are quoted without personal data.")
    lines += ["", actions_title]
    lines += [
        f"  {k}. {a.label} ({a.owner}, {a.complaints}) — {a.recommendation}"
        for k, a in enumerate(actions, 1)
    ] or [f"  {no_actions}"]
    files = ", ".join(p.name for p in attachments)
    lines += ["", attached.format(files=files), "", footer]
    message.set_content("\n".join(lines))
    cell = "padding:6px 10px;border-bottom:1px solid #dde;font-family:Arial,sans-serif;"
    kpis = "".join(
        f'<td style="{cell}text-align:center"><div style="font-size:12px;color:#556">'
        f'{escape(metric_name(h.metric, h.scale))}</div><div style="font-size:22px;'
        f'font-weight:bold;color:#123">{escape(format_score(h.metric, h.score, language))}</div>'
        f'<div style="font-size:11px;color:#778">n = {h.n}</div></td>'
        for h in headline
    )
    rows = (
        "".join(
            f'<tr><td style="{cell}">{k}</td><td style="{cell}"><b>{escape(a.label)}</b><br>'
            f'<span style="color:#556;font-size:12px">{escape(a.recommendation)}</span></td>'
            f'<td style="{cell}">{escape(a.owner)}</td>'
            f'<td style="{cell}text-align:right">{a.complaints}</td></tr>'
            for k, a in enumerate(actions, 1)
        )
        or f'<tr><td style="{cell}">{escape(no_actions)}</td></tr>'
    )
    html = (
        f'<!DOCTYPE html><html lang="{language}"><head><meta charset="utf-8"></head>'
        f'<body style="margin:0;padding:16px;font-family:Arial,sans-serif;color:#123">'
        f"<p>{escape(intro.format(week=week_label))}</p>"
        f'<table role="presentation" style="border-collapse:collapse"><tr>{kpis}</tr></table>'
        f'<h3 style="font-family:Arial,sans-serif">{escape(actions_title)}</h3>'
        f'<table role="presentation" style="border-collapse:collapse">{rows}</table>'
        f"<p>{escape(attached.format(files=files))}</p>"
        f'<p style="font-size:11px;color:#778">{escape(footer)}</p></body></html>'
    )
    message.add_alternative(html, subtype="html")
    for path in attachments:
        if path.suffix == ".pdf":
            message.add_attachment(
                path.read_bytes(), maintype="application", subtype="pdf", filename=path.name
            )
        else:  # our CSV files are UTF-8 (with a BOM for Excel): say so, or clients guess ASCII
            message.add_attachment(
                path.read_bytes(),
                maintype="text",
                subtype="csv",
                filename=path.name,
                params={"charset": "utf-8"},
            )
    return message


def _operations_message(sender: str, to: list[str], subject: str, body: str) -> EmailMessage:
    """A plain-text message to the operations address: read by whoever runs the pipeline."""
    message = EmailMessage()
    message["Subject"] = f"[satisfaction_pipeline] {subject}"
    message["From"] = sender
    message["To"] = ", ".join(to)
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = _message_id(sender)
    message.set_content(body)
    return message


def failure_message(
    *, sender: str, to: list[str], run_id: str, job: str, weeks: str, step: str, reason: str
) -> EmailMessage:
    """When a run fails: which run, which step, why, and where to look."""
    return _operations_message(
        sender,
        to,
        f"{job} failed for {weeks}: step {step}",
        f"The run {run_id} of {job} for {weeks} failed.\n\n"
        f"Failing step: {step}\nReason: {reason}\n\n"
        "Its logs are in the Dagster UI (Runs → this run id). The warehouse is as it was before "
        "the failing step; once the cause is fixed, re-run the week with\n"
        f"  satisfaction-pipeline run --week <the week's Monday>\n",
    )


def overdue_message(
    *, sender: str, to: list[str], week: str, deadline: str, cause: str | None = None
) -> EmailMessage:
    """When Monday's report is not built by its deadline: the run may have failed, still be
    queued, or never have started; `cause`, when known (the configuration does not load)."""
    known = f"The configuration does not load, which stops every run:\n{cause}\n\n" if cause else ""
    return _operations_message(
        sender,
        to,
        f"the report of week {week} is overdue",
        f"The weekly report of the week of {week} was due by {deadline} and has not been "
        f"built.\n\n{known}In the Dagster UI, look at Runs (a failed or queued "
        "weekly_report_job run), then at Automation (is weekly_report_schedule running? is "
        "the daemon up?).\n"
        "Once the cause is fixed, build the week with\n"
        f"  satisfaction-pipeline run --week {week}\n",
    )


def location_message(
    *, sender: str, to: list[str], location: str, error: str | None
) -> EmailMessage:
    """When the pipeline's code location stops loading (`error`), or loads again (None)."""
    if error is None:
        return _operations_message(
            sender,
            to,
            f"the {location} code location loads again",
            f"The {location} code location loads again: its schedule and sensors are back.\n"
            "Build the weeks missed meanwhile (the overdue e-mail names them) with\n"
            "  satisfaction-pipeline run --week <the week's Monday>\n",
        )
    return _operations_message(
        sender,
        to,
        f"the {location} code location does not load",
        f"Dagster cannot load the {location} code location, so its schedule, sensors and "
        "failure e-mails are down until it loads again.\n\n"
        f"The error:\n{error}\n\n"
        "Fix it (often an upgrade or a file left half-edited), then reload the code location "
        "in the UI (Deployment → Reload) or restart the webserver and the daemon.\n",
    )
