"""Sending a message: by SMTP (STARTTLS, SSL or plain, retried with backoff on transient
failures), or to an outbox of `.eml` files when no SMTP server is configured.

SMTP settings come from the environment only, and the password never enters a message, a log
line or an exception of ours.
"""

from __future__ import annotations

import errno
import smtplib
import socket
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import parseaddr
from pathlib import Path
from typing import Literal

Security = Literal["none", "starttls", "ssl"]
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


# -- the message --------------------------------------------------------------------------------


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
    handing_over: Callable[[], object] | None = None,
) -> dict[str, str]:
    """Deliver `message` to its To and Cc, retrying transient failures `retries` times with
    exponential backoff; raise MailError with a readable reason when it cannot be delivered.
    Returns the recipients the server refused while accepting the others (address → reply).
    Once the server has accepted the message nothing is retried: a hiccup at QUIT must not
    deliver it twice. `handing_over` is called once connected and logged in, just before the
    message itself goes: from then on, a crash leaves it unknown whether it arrived."""
    where = f"SMTP {smtp.host}:{smtp.port} ({smtp.security})"
    for attempt in range(retries + 1):
        try:
            return _deliver(message, smtp, handing_over)
        except Exception as exc:  # classified below; none of them holds the password
            if not _transient(exc) or attempt == retries:
                tries = f" after {attempt + 1} attempts" if attempt else ""
                raise MailError(f"{where}: {_describe(exc)}{tries}") from None
            (sleep or pause)(backoff * 2**attempt)


def _deliver(
    message: EmailMessage, smtp: SmtpSettings, handing_over: Callable[[], object] | None = None
) -> dict[str, str]:
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
        if handing_over is not None:
            handing_over()
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


def send_alert(make: Callable[[str], EmailMessage], outbox: Path, log, name: str) -> Path | None:
    """An operations message (`make(sender)` builds it) sent quickly — a sensor has about a
    minute — through the environment's SMTP server, or written to `outbox` (`name`.eml) without
    one, with unusable settings, or when the server cannot take it: never lost. The outbox
    file's path, when written there."""
    import dataclasses
    import os

    try:
        server = SmtpSettings.from_environment(dict(os.environ))
    except MailError as exc:
        log.error(f"SMTP settings unusable ({exc}): the e-mail goes to the outbox")
        server = None
    message = make(server.sender if server else "satisfaction-pipeline@localhost")
    if server is None:
        path = write_outbox(message, outbox, name)
        log.info(f"no SMTP_HOST set: the e-mail was written to {path}")
        return path
    try:  # one quick try
        send(message, dataclasses.replace(server, timeout=10.0), retries=0)
    except MailError as exc:
        path = write_outbox(message, outbox, name)
        log.error(f"{message['Subject']!r} could not be e-mailed ({exc}): written to {path}")
        return path
    return None
