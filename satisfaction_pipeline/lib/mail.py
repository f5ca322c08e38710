"""The weekly report by e-mail: the message, whether to send it, and sending it (SMTP or an
outbox of `.eml` files).

Exactly once: `ops.email_log` keeps one row per attempt. A week whose report was sent (or
written to the outbox) with the same content hash is not sent again; a changed report is sent
again only when asked (`resend`). The hash covers what the message carries that can change:
report.html and the CSV files (report.pdf embeds its creation time, so it would differ on
every render of the same report).

SMTP settings come from the environment only, and the password never enters a message, a log
line or an exception of ours.
"""

from __future__ import annotations

import datetime as dt
import errno
import hashlib
import smtplib
import socket
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr
from pathlib import Path
from typing import Literal

from satisfaction_pipeline.lib.formats import format_date, format_score, metric_name

Security = Literal["none", "starttls", "ssl"]
ATTACHED_CSV = ("action_list.csv", "follow_up.csv")
RETRIES = 3  # transient failures retried, with backoff of BACKOFF · 2^k seconds
BACKOFF = 2.0


pause = time.sleep  # between tries; tests replace it


class MailError(Exception):
    """Sending failed for good: the reason in plain words, without secrets."""


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    security: Security
    sender: str
    user: str | None = None
    password: str | None = field(default=None, repr=False)  # never in a log or a traceback
    ca_file: str | None = None  # a CA to trust beyond the system's (a private relay's)
    timeout: float = 30.0  # seconds per network operation

    @classmethod
    def from_environment(cls, environ: dict[str, str]) -> SmtpSettings | None:
        """SMTP_HOST, SMTP_PORT, SMTP_USER, SMTP_PASSWORD, SMTP_SECURITY, REPORT_SENDER and
        SMTP_CA_FILE; None when SMTP_HOST is not set (the message goes to the outbox)."""
        host = environ.get("SMTP_HOST", "").strip()
        if not host:
            return None
        security = environ.get("SMTP_SECURITY", "starttls").strip().lower() or "starttls"
        if security not in ("none", "starttls", "ssl"):
            raise MailError(f"SMTP_SECURITY must be none, starttls or ssl (got {security!r})")
        default_port = {"none": 25, "starttls": 587, "ssl": 465}[security]
        port_text = environ.get("SMTP_PORT", "").strip() or str(default_port)
        if not port_text.isdigit():
            raise MailError(f"SMTP_PORT must be a number (got {port_text!r})")
        sender = environ.get("REPORT_SENDER", "").strip()
        if not sender:
            raise MailError("REPORT_SENDER is not set: the From address of the report e-mail")
        if "@" not in parseaddr(sender)[1]:
            raise MailError(
                f"REPORT_SENDER must be an address, e.g. Reports <reports@example.com> "
                f"(got {sender!r})"
            )
        return cls(
            host=host,
            port=int(port_text),
            security=security,  # type: ignore[arg-type]
            sender=sender,
            user=environ.get("SMTP_USER") or None,
            password=environ.get("SMTP_PASSWORD") or None,
            ca_file=environ.get("SMTP_CA_FILE") or None,
        )


def _message_id(sender: str) -> str:
    """A Message-ID in the sender's domain: `Name <reports@example.com>` gives @example.com."""
    address = parseaddr(sender)[1]
    return make_msgid(domain=address.rpartition("@")[2] or None)


def report_hash(folder: Path) -> str:
    """SHA-256 of report.html and the CSV files beside it: what says the report changed."""
    digest = hashlib.sha256()
    for name in ("report.html", *ATTACHED_CSV):
        path = folder / name
        if path.exists():
            digest.update(name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


Decision = Literal["send", "already_sent", "changed"]


DELIVERED = ("sent", "written", "sending")  # "sending": it may have left; never twice


def decide(history: list[tuple[str, str]], report_sha256: str, resend: bool) -> Decision:
    """Whether a week's report goes out, given its earlier attempts (hash, status), oldest
    first: yes the first time, or when asked; not when this report went out; for a changed
    report only when asked, unless the last try of this very report failed (a failed
    --resend is retried by the next run)."""
    delivered = [h for h, status in history if status in DELIVERED]
    if resend or not delivered:
        return "send"
    if report_sha256 in delivered:
        return "already_sent"
    mine = [status for h, status in history if h == report_sha256]
    return "send" if mine and mine[-1] == "failed" else "changed"


# -- the message --------------------------------------------------------------------------------

TEXT = {
    "en": {
        "subject": "Customer satisfaction — week of {week}",
        "intro": "The weekly customer-satisfaction report for the week of {week} is attached.",
        "actions": "What to fix first (the complaint themes that cost the most points)",
        "no_actions": "No complaint theme costs points clearly this week (see the watch list).",
        "answers": "answers",
        "attached": "Attached: {files}.",
        "footer": "Sent by satisfaction_pipeline. Comments are quoted without personal data.",
    },
    "fr": {
        "subject": "Satisfaction client — semaine du {week}",
        "intro": "Le rapport hebdomadaire de satisfaction client de la semaine du {week} est en "
        "pièce jointe.",
        "actions": "À traiter en priorité (les thèmes de plainte qui coûtent le plus de points)",
        "no_actions": "Aucun thème de plainte ne coûte clairement de points cette semaine "
        "(voir les thèmes à surveiller).",
        "answers": "réponses",
        "attached": "En pièces jointes : {files}.",
        "footer": "Envoyé par satisfaction_pipeline. Les commentaires sont cités sans données "
        "personnelles.",
    },
}


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

    text = TEXT[language]
    week_label = format_date(week, language)
    scores = ", ".join(
        f"{metric_name(h.metric, h.scale)} {format_score(h.metric, h.score, language)}"
        for h in headline
    )
    message = EmailMessage()
    colon = "\u202f: " if language == "fr" else ": "  # French puts a space before the colon
    subject = text["subject"].format(week=week_label)
    message["Subject"] = f"{subject}{colon}{scores}" if scores else subject
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
    lines = [text["intro"].format(week=week_label), ""]
    lines += [
        f"  {metric_name(h.metric, h.scale)}{colon}{format_score(h.metric, h.score, language)}"
        f" (n = {h.n} {text['answers']})"
        for h in headline
    ]
    lines += ["", text["actions"]]
    lines += [
        f"  {k}. {a.label} ({a.owner}, {a.complaints}) — {a.recommendation}"
        for k, a in enumerate(actions, 1)
    ] or [f"  {text['no_actions']}"]
    files = ", ".join(p.name for p in attachments)
    lines += ["", text["attached"].format(files=files), "", text["footer"]]
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
        or f'<tr><td style="{cell}">{escape(text["no_actions"])}</td></tr>'
    )
    html = (
        f'<!DOCTYPE html><html lang="{language}"><head><meta charset="utf-8"></head>'
        f'<body style="margin:0;padding:16px;font-family:Arial,sans-serif;color:#123">'
        f"<p>{escape(text['intro'].format(week=week_label))}</p>"
        f'<table role="presentation" style="border-collapse:collapse"><tr>{kpis}</tr></table>'
        f'<h3 style="font-family:Arial,sans-serif">{escape(text["actions"])}</h3>'
        f'<table role="presentation" style="border-collapse:collapse">{rows}</table>'
        f"<p>{escape(text['attached'].format(files=files))}</p>"
        f'<p style="font-size:11px;color:#778">{escape(text["footer"])}</p></body></html>'
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


# -- delivery -----------------------------------------------------------------------------------


def write_outbox(message: EmailMessage, outbox: Path, stem: str) -> Path:
    """The message as `<outbox>/<stem>.eml`, for when no SMTP server is configured."""
    outbox.mkdir(parents=True, exist_ok=True)
    path = outbox / f"{stem}.eml"
    partial = path.with_suffix(".eml.partial")
    partial.write_bytes(bytes(message))
    partial.replace(path)
    return path


def _transient(exc: Exception) -> bool:
    """Worth another try: the server is unreachable, hung up, or answered 4xx."""
    if isinstance(exc, smtplib.SMTPResponseException):
        return 400 <= exc.smtp_code < 500
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(400 <= code < 500 for code, _ in exc.recipients.values())
    if isinstance(exc, socket.gaierror):  # a name server that did not answer in time
        return exc.errno == socket.EAI_AGAIN
    if isinstance(exc, OSError) and exc.errno in (errno.ENETUNREACH, errno.EHOSTUNREACH):
        return True
    return isinstance(exc, (smtplib.SMTPServerDisconnected, ConnectionError, TimeoutError))


def _describe(exc: Exception) -> str:
    """A reason a person can act on; the server's words, never our credentials."""
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return f"the server refused the login of SMTP_USER ({exc.smtp_code})"
    if isinstance(exc, smtplib.SMTPResponseException):
        reply = exc.smtp_error
        reply = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
        return f"the server answered {exc.smtp_code} {reply.strip()}"
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return f"every recipient was refused ({', '.join(exc.recipients)})"
    if isinstance(exc, ssl.SSLError):
        return f"TLS failed ({exc.reason or exc.__class__.__name__})"
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused: no SMTP server listens there"
    if isinstance(exc, UnicodeError):  # its text would quote the login or the password
        return "SMTP_USER and SMTP_PASSWORD must be ASCII: smtplib sends them as such"
    if isinstance(exc, OSError):  # the system's words: host not found, unreachable…
        return f"{exc.__class__.__name__}: {exc.strerror or exc}"
    return exc.__class__.__name__  # nothing of an unknown error's text, in case it quotes


def send(
    message: EmailMessage,
    smtp: SmtpSettings,
    retries: int = RETRIES,
    backoff: float = BACKOFF,
    sleep: Callable[[float], object] | None = None,
) -> dict[str, str]:
    """Deliver `message` to its To and Cc, retrying transient failures `retries` times with
    exponential backoff; raise MailError with a readable reason when it cannot be delivered.
    Returns the recipients the server refused while accepting the others (address → reply).
    Once the server has accepted the message nothing is retried: a hiccup at QUIT must not
    deliver it twice."""
    where = f"SMTP {smtp.host}:{smtp.port} ({smtp.security})"
    for attempt in range(retries + 1):
        try:
            return _deliver(message, smtp)
        except Exception as exc:  # classified below; none of them holds the password
            if not _transient(exc) or attempt == retries:
                tries = f" after {attempt + 1} attempts" if attempt else ""
                raise MailError(f"{where}: {_describe(exc)}{tries}") from None
            (sleep or pause)(backoff * 2**attempt)


def _deliver(message: EmailMessage, smtp: SmtpSettings) -> dict[str, str]:
    context = ssl.create_default_context(cafile=smtp.ca_file)
    if smtp.security == "ssl":
        client: smtplib.SMTP = smtplib.SMTP_SSL(
            smtp.host, smtp.port, context=context, timeout=smtp.timeout
        )
    else:
        client = smtplib.SMTP(smtp.host, smtp.port, timeout=smtp.timeout)
    try:
        if smtp.security == "starttls":
            client.starttls(context=context)
        if smtp.user:
            client.login(smtp.user, smtp.password or "")
        refused = client.send_message(message)
    except BaseException:
        client.close()
        raise
    try:  # accepted: whatever QUIT says, it is delivered
        client.quit()
    except (smtplib.SMTPException, OSError):
        client.close()
    return {
        address: f"{code} {reply.decode('utf-8', 'replace') if isinstance(reply, bytes) else reply}"
        for address, (code, reply) in refused.items()
    }


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


def overdue_message(*, sender: str, to: list[str], week: str, deadline: str) -> EmailMessage:
    """When Monday's report is not built by its deadline: the run may have failed, still be
    queued, or never have started."""
    return _operations_message(
        sender,
        to,
        f"the report of week {week} is overdue",
        f"The weekly report of the week of {week} was due by {deadline} and has not been "
        "built.\n\nIn the Dagster UI, look at Runs (a failed or queued weekly_report_job run), "
        "then at Automation (is weekly_report_schedule running? is the daemon up?).\n"
        "Once the cause is fixed, build the week with\n"
        f"  satisfaction-pipeline run --week {week}\n",
    )
