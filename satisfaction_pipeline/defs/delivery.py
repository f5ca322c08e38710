"""The report e-mail: after the weekly report, exactly once per week and report, never from a
backfill (the `delivery` package computes; this module wires it to the warehouse and Dagster)."""

import datetime as dt
from email.message import EmailMessage
from pathlib import Path

import dagster as dg
import duckdb
from dagster_duckdb import DuckDBResource

from satisfaction_pipeline import progress
from satisfaction_pipeline import warehouse as wh
from satisfaction_pipeline.config.settings import Settings
from satisfaction_pipeline.config.taxonomy import Taxonomy
from satisfaction_pipeline.defs.metadata import for_each_week, run_metadata
from satisfaction_pipeline.defs.partitions import WEEKLY, weeks_in
from satisfaction_pipeline.defs.report import weekly_report
from satisfaction_pipeline.defs.resources import SmtpResource, SurveySettings, open_warehouse
from satisfaction_pipeline.delivery.exactly_once import decide, report_hash
from satisfaction_pipeline.delivery.message import attachments, build_message
from satisfaction_pipeline.delivery.smtp import MailError, SmtpSettings, send, write_outbox
from satisfaction_pipeline.report.context import warehouse_context
from satisfaction_pipeline.report.email import email_parts

_INTERRUPTED = (
    "week {week}: the last attempt to e-mail this report was cut off while sending (the run "
    "stopped between handing it to the mail server and recording the answer; ops.email_log "
    "says 'sending'). It may have reached the recipients, or not: it is not sent again, so "
    "that nobody gets it twice. Ask a recipient; if it did not arrive, send it again ({how}; "
    "the copy keeps the first one's Message-ID, so a server that got it drops it)."
)
RESEND_TAG = "satisfaction/resend"
# how to send a week's report again, from the UI or the command line
HOW_TO_RESEND = (
    "in the Dagster UI, materialize report_email for week {week} with the tag "
    f"{RESEND_TAG}=true or the run config resend: true (Shift+click Materialize opens the "
    "launchpad); or `satisfaction-pipeline run --week {week} --resend`"
)


class EmailConfig(dg.Config):
    """`resend`: send the week's report again even if it went out before (also the run tag
    satisfaction/resend=true; CLI: run --resend)."""

    resend: bool = False


@dg.asset(deps=[weekly_report], kinds={"email"}, **WEEKLY)
def report_email(
    context: dg.AssetExecutionContext,
    config: EmailConfig,
    survey_settings: SurveySettings,
    warehouse: DuckDBResource,
    smtp: SmtpResource,
) -> dg.MaterializeResult:
    """The week's report e-mailed to the configured recipients, exactly once (`ops.email_log`):
    a re-run sends nothing unless `resend` is set (or the run tag satisfaction/resend=true);
    backfills never send. Without SMTP_HOST the message is written to `<reports>/outbox/`
    instead. A week's materialization says what happened: `sent` (true only when this run
    e-mailed it or wrote it to the outbox) and `outcome`."""
    tags = context.run.tags
    weeks = weeks_in(context.partition_time_window)
    if "dagster/backfill" in tags or tags.get("satisfaction/trigger") == "cli-backfill":
        context.log.info("a backfill: no e-mail is sent")
        return _outcomes(context, weeks, dict.fromkeys(weeks, "backfill: not sent"))
    settings = survey_settings.load()
    if not settings.recipients.to:
        context.log.warning("recipients.to is empty in the configuration: no e-mail is sent")
        return _outcomes(context, weeks, dict.fromkeys(weeks, "no recipients: not sent"))
    try:
        server = smtp.settings()
    except MailError as exc:
        raise dg.Failure(description=str(exc), allow_retries=False) from None
    if tags.get("satisfaction/trigger") == "demo":
        server = None  # the demo shows the outbox, whatever SMTP_HOST says
    taxonomy = survey_settings.taxonomy()
    outcomes: dict[dt.date, str] = {}
    with open_warehouse(warehouse) as conn:
        for week in weeks:
            folder = survey_settings.report_dir(week.isoformat())
            digest = report_hash(folder)
            history = wh.query(conn, "ops/email_history", week=week).rows()
            resend = config.resend or tags.get(RESEND_TAG, "").lower() in {"true", "1", "yes"}
            decision = decide(history, digest, resend)
            if decision != "send":
                outcomes[week] = decision
                if decision == "changed":
                    context.log.warning(
                        f"week {week}: the report changed since it was e-mailed; not sent "
                        f"again (to send it: {HOW_TO_RESEND.format(week=week)})"
                    )
                elif decision == "interrupted":
                    how = HOW_TO_RESEND.format(week=week)
                    context.log.warning(_INTERRUPTED.format(week=week, how=how))
                continue
            sender = server.sender if server else "satisfaction-pipeline@localhost"
            message = _message(conn, week, settings, taxonomy, folder, sender)
            cut_off = wh.query(conn, "ops/interrupted_attempt", week=week)
            if not cut_off.is_empty():  # sent again as the same message: a duplicate to drop
                message_id = cut_off.item(0, "message_id")
                message.replace_header("Message-ID", message_id)
                wh.execute(
                    conn, "ops/settle_email", message_id=message_id, status="interrupted",
                    detail="cut off mid-send; sent again under the same Message-ID",
                )  # fmt: skip
            outcomes[week] = _deliver(
                context, conn, message, week, digest, server, survey_settings.outbox_dir, smtp
            )
    return _outcomes(context, weeks, outcomes)


def _outcomes(
    context: dg.AssetExecutionContext, weeks: list[dt.date], outcomes: dict[dt.date, str]
) -> dg.MaterializeResult:
    """Each week's `outcome` — sent, written to the outbox, already_sent, changed (not sent
    again), interrupted, or why nothing was sent — and whether this run e-mailed it (`sent`):
    the week's materialization records the step, not that a message went out."""
    progress.weeks_done("report_email", len(weeks))
    went = ("sent", "written")
    for_each_week(
        context,
        weeks,
        lambda week: {"outcome": outcomes[week], "sent": outcomes[week].startswith(went)},
    )
    return dg.MaterializeResult(metadata=run_metadata(weeks))


def _message(
    conn: duckdb.DuckDBPyConnection,
    week: dt.date,
    settings: Settings,
    taxonomy: Taxonomy,
    folder: Path,
    sender: str,
) -> EmailMessage:
    """The week's message: the digest of its report (the same context the report was
    rendered from, without its charts), with the report's files attached."""
    follow_up = settings.report.email_follow_up
    parts = email_parts(
        warehouse_context(conn, week, settings, taxonomy, charts=False),
        [path.name for path in attachments(folder, follow_up)],
    )
    return build_message(
        sender=sender,
        to=settings.recipients.to,
        cc=settings.recipients.cc,
        parts=parts,
        folder=folder,
        follow_up=follow_up,
    )


def _deliver(
    context: dg.AssetExecutionContext,
    conn: duckdb.DuckDBPyConnection,
    message: EmailMessage,
    week: dt.date,
    digest: str,
    server: SmtpSettings | None,
    outbox: Path,
    smtp: SmtpResource,
) -> str:
    """Send the message (or write it to the outbox) and log the attempt: logged as 'sending'
    once connected and logged in, just before the message goes, so that a crash after the
    server took it cannot send it twice (delivery.exactly_once); a failure is logged, then
    fails the asset with the reason, the report files staying where they are."""
    row = {
        "week": week,
        "report_sha256": digest,
        "recipients": ", ".join(filter(None, [message["To"], message["Cc"]])),
        "message_id": message["Message-ID"],
        "logged_at": dt.datetime.now(dt.UTC).replace(tzinfo=None),
    }
    settle = {"message_id": row["message_id"]}
    if server is None:
        wh.execute(conn, "ops/log_email", **row, status="sending", detail=None)
        stamp = row["logged_at"].strftime("%Y%m%dT%H%M%S")
        path = write_outbox(message, outbox, f"report-{week.isoformat()}-{digest[:12]}-{stamp}")
        wh.execute(conn, "ops/settle_email", **settle, status="written", detail=str(path))
        context.log.info(f"week {week}: no SMTP_HOST set, so the e-mail was written to {path}")
        return f"written to {path}"
    logged = []

    def handing_over() -> None:  # connected and logged in: from here it may arrive
        if not logged:
            wh.execute(conn, "ops/log_email", **row, status="sending", detail=None)
            logged.append(True)

    try:
        refused = send(message, server, smtp.retries, smtp.backoff_seconds, None, handing_over)
    except MailError as exc:
        if logged:
            wh.execute(conn, "ops/settle_email", **settle, status="failed", detail=str(exc))
        else:
            wh.execute(conn, "ops/log_email", **row, status="failed", detail=str(exc))
        raise dg.Failure(
            description=f"week {week}: the report was not e-mailed: {exc}. The report files "
            "are on disk; a later run of the week sends it.",
            allow_retries=False,
        ) from None
    detail = "; ".join(f"refused {a}: {why}" for a, why in refused.items()) or None
    wh.execute(conn, "ops/settle_email", **settle, status="sent", detail=detail)
    if refused:
        context.log.warning(f"week {week}: e-mailed, but the server refused {detail}")
        return f"sent ({detail})"
    context.log.info(f"week {week}: report e-mailed to {row['recipients']}")
    return "sent"
