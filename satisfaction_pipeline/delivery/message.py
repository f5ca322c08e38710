"""The e-mails themselves: the weekly report's message (its words are the report's digest,
report.email; here its headers and the files attached), and the operations messages (a failed
run, an overdue report)."""

from __future__ import annotations

from email.header import Header
from email.message import EmailMessage
from email.policy import EmailPolicy
from email.utils import formatdate, make_msgid, parseaddr
from pathlib import Path

from satisfaction_pipeline.delivery.exactly_once import ATTACHED_CSV
from satisfaction_pipeline.report.email import EmailParts


def _message_id(sender: str) -> str:
    """A Message-ID in the sender's domain: `Name <reports@example.com>` gives @example.com."""
    address = parseaddr(sender)[1]
    return make_msgid(domain=address.rpartition("@")[2] or None)


class _SubjectPolicy(EmailPolicy):
    """The default policy, but a non-ASCII subject is written as encoded words throughout (as
    the legacy `Header` does): CPython's folder before gh-144156 (Python 3.11 has it) drops a
    space that falls where it folds between two encoded words, and the subject, which names
    the week's changes, is long enough to fold ("(▼ −9,9 pts)" arrived as "(▼−9,9 pts)")."""

    def fold(self, name: str, value: str) -> str:
        if name.lower() != "subject" or str(value).isascii():
            return super().fold(name, value)
        folded = Header(str(value), "utf-8", self.max_line_length, name)
        return f"{name}: {folded.encode(linesep=self.linesep)}{self.linesep}"

    def fold_binary(self, name: str, value: str) -> bytes:
        if name.lower() != "subject" or str(value).isascii():
            return super().fold_binary(name, value)
        return self.fold(name, value).encode("ascii")


REPORT_POLICY = _SubjectPolicy()


def build_message(
    *,
    sender: str,
    to: list[str],
    cc: list[str],
    parts: EmailParts,
    folder: Path,
    follow_up: bool,
) -> EmailMessage:
    """The report e-mail: the digest's subject, plain-text body and HTML alternative
    (report.email: inline styles, no script, no remote image, everything escaped), with
    report.pdf and the CSVs attached (follow_up.csv only if `follow_up`)."""
    message = EmailMessage(policy=REPORT_POLICY)
    message["Subject"] = parts.subject
    message["From"] = sender
    message["To"] = ", ".join(to)
    if cc:
        message["Cc"] = ", ".join(cc)
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = _message_id(sender)
    message.set_content(parts.text)
    message.add_alternative(parts.html, subtype="html")
    for path in attachments(folder, follow_up):
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


def attachments(folder: Path, follow_up: bool) -> list[Path]:
    """The week's files the e-mail carries: report.pdf, then the CSVs that exist
    (follow_up.csv only if `follow_up`)."""
    return [folder / "report.pdf"] + [
        folder / name
        for name in ATTACHED_CSV
        if (folder / name).exists() and (follow_up or name != "follow_up.csv")
    ]


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
