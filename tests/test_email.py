"""The report e-mail against a real SMTP server on loopback (aiosmtpd): STARTTLS with a test
certificate, a login, the message as received, exactly-once delivery, backfills, failures and
retries, and the password kept out of every log."""

from __future__ import annotations

import datetime as dt
import email
import re
import socket
import ssl
from email import policy
from pathlib import Path

import dagster as dg
import duckdb
import pytest
import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from dagster_duckdb import DuckDBResource

from satisfaction_pipeline.cli import main
from satisfaction_pipeline.config.paths import Paths
from satisfaction_pipeline.config.taxonomy import default_taxonomy
from satisfaction_pipeline.delivery import smtp as mail
from satisfaction_pipeline.delivery.exactly_once import decide
from satisfaction_pipeline.delivery.smtp import MailError, SmtpSettings, send

from .conftest import LAST_WEEK

PASSWORD = "s3cret-Pa55w0rd!"
USER = "reports@example.com"


class _Inbox:
    """The aiosmtpd handler: keeps every message it is given."""

    def __init__(self) -> None:
        self.received: list[tuple[list[str], bytes]] = []

    async def handle_DATA(self, server, session, envelope):
        self.received.append((list(envelope.rcpt_tos), envelope.original_content))
        return "250 Message accepted"


def _authenticate(server, session, envelope, mechanism, auth_data) -> AuthResult:
    ok = isinstance(auth_data, LoginPassword) and (
        auth_data.login.decode(),
        auth_data.password.decode(),
    ) == (USER, PASSWORD)
    return AuthResult(success=ok, handled=False)  # handled=False: aiosmtpd answers 535


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A STARTTLS server that requires the login, and the SMTP_* environment pointing at it."""
    authority = trustme.CA()
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("127.0.0.1", "localhost").configure_cert(server_context)
    ca_file = tmp_path / "ca.pem"
    authority.cert_pem.write_to_path(str(ca_file))
    inbox = _Inbox()
    port = _free_port()
    controller = Controller(
        inbox,
        hostname="127.0.0.1",
        port=port,
        tls_context=server_context,
        require_starttls=True,
        authenticator=_authenticate,
        auth_required=True,
    )
    controller.start()
    for name, value in {
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(port),
        "SMTP_SECURITY": "starttls",
        "SMTP_USER": USER,
        "SMTP_PASSWORD": PASSWORD,
        "SMTP_CA_FILE": str(ca_file),
        "REPORT_SENDER": "Satisfaction <reports@example.com>",
    }.items():
        monkeypatch.setenv(name, value)
    yield inbox, controller, port
    controller.stop()


def _email_log(warehouse: Path) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        return conn.execute(
            "SELECT week, status, recipients, detail FROM ops.email_log ORDER BY logged_at"
        ).fetchall()


def test_the_report_arrives_once_with_its_pdf(
    pipeline_env: Paths,
    smtp_server,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    inbox, _, _ = smtp_server
    import yaml

    data = yaml.safe_load(pipeline_env.config.read_text(encoding="utf-8"))
    data["actions"] = {"min_mentions": 10}  # the test weeks are a third of the demo's size
    config = tmp_path / "smaller_weeks.yaml"
    config.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    monkeypatch.setenv("SATISFACTION_CONFIG", str(config))
    assert main(["run", "--week", LAST_WEEK.isoformat()]) == 0
    assert len(inbox.received) == 1
    recipients, raw = inbox.received[0]
    assert recipients == ["direction.relation-client@example.com"]
    message = email.message_from_bytes(raw, policy=policy.default)
    subject = message["Subject"]
    assert subject.startswith("Satisfaction client — semaine du 9 nov. 2026\u202f: ")
    assert "CSAT" in subject and "NPS" in subject
    with duckdb.connect(str(pipeline_env.warehouse), read_only=True) as conn:
        [(moved,)] = conn.execute(
            "SELECT count(*) FROM marts.weekly_scores WHERE week = ? AND dimension = 'overall'"
            " AND (significant_prev OR significant_trail)",
            [LAST_WEEK],
        ).fetchall()
    assert subject.count("▲") + subject.count("▼") == moved  # every significant change
    assert not re.search(r"[▲▼]\S", subject), subject  # no space lost in the subject's folding
    assert re.fullmatch(r"<[^<>@\s]+@example\.com>", message["Message-ID"])
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert "En bref" in text and "À traiter en priorité" in text
    with duckdb.connect(str(pipeline_env.warehouse), read_only=True) as conn:
        ranked = conn.execute(
            "SELECT theme FROM marts.action_list WHERE week = ? AND metric = 'csat'"
            " AND status = 'ranked' ORDER BY rank",
            [LAST_WEEK],
        ).fetchall()
    labels = {t.id: t.label.fr for t in default_taxonomy().themes}
    assert ranked, "the demo week has a theme that costs points clearly"
    first = labels[ranked[0][0]].replace("'", "’")  # French typography's apostrophe
    assert f"1. {first} (Service client" in text
    assert "<script" not in html and "src=" not in html and "style=" in html
    attachments = {part.get_filename(): part for part in message.iter_attachments()}
    pdf = (pipeline_env.reports / LAST_WEEK.isoformat() / "report.pdf").read_bytes()
    assert attachments["report.pdf"].get_content() == pdf
    assert "follow_up.csv" not in attachments
    action_csv = (pipeline_env.reports / LAST_WEEK.isoformat() / "action_list.csv").read_bytes()
    assert attachments["action_list.csv"].get_payload(decode=True) == action_csv
    assert attachments["action_list.csv"].get_content_charset() == "utf-8"
    assert f"E-mail {LAST_WEEK}: sent" in capsys.readouterr().out
    assert [r[1] for r in _email_log(pipeline_env.warehouse)] == ["sent"]

    # the same week again: nothing; --resend: once more; a backfill of 3 weeks: nothing
    assert main(["run", "--week", LAST_WEEK.isoformat()]) == 0
    assert len(inbox.received) == 1
    assert main(["run", "--week", LAST_WEEK.isoformat(), "--resend"]) == 0
    assert len(inbox.received) == 2
    first = (LAST_WEEK - dt.timedelta(weeks=2)).isoformat()
    assert main(["backfill", "--from", first, "--to", LAST_WEEK.isoformat()]) == 0
    assert len(inbox.received) == 2
    assert [r[1] for r in _email_log(pipeline_env.warehouse)] == ["sent", "sent"]

    # from the UI: report_email alone, with the resend tag; without it, nothing, and it says so
    from satisfaction_pipeline.definitions import load_definitions

    job = load_definitions().resolve_implicit_global_asset_job_def()

    def from_the_ui(tags: dict[str, str]) -> dict:
        result = job.execute_in_process(
            asset_selection=[dg.AssetKey("report_email")], partition_key=LAST_WEEK.isoformat(),
            instance=dg.DagsterInstance.get(), tags=tags,
        )  # fmt: skip
        [week] = result.asset_materializations_for_node("report_email")
        return {name: value.value for name, value in week.metadata.items()}

    assert from_the_ui({"satisfaction/resend": "true"}) | {"run_weeks": ""} == {
        "outcome": "sent", "sent": True, "run_weeks": ""
    }  # fmt: skip
    assert len(inbox.received) == 3
    said = from_the_ui({})
    assert said["outcome"] == "already_sent" and said["sent"] is False
    assert len(inbox.received) == 3


def test_a_ui_backfill_never_sends(pipeline_env: Paths, smtp_server) -> None:
    inbox, _, _ = smtp_server
    from satisfaction_pipeline.cli import execute_weeks

    result = execute_weeks(LAST_WEEK, LAST_WEEK, {"dagster/backfill": "abcdefgh"})
    assert result.success and inbox.received == []


def test_server_down_fails_clearly_then_the_next_run_sends(
    pipeline_env: Paths, smtp_server, monkeypatch: pytest.MonkeyPatch
) -> None:
    inbox, _, port = smtp_server
    waits: list[float] = []
    monkeypatch.setattr(mail, "pause", waits.append)
    monkeypatch.setenv("SMTP_PORT", str(_free_port()))  # nobody listens there
    code = main(["run", "--week", LAST_WEEK.isoformat()])
    assert code == 1 and waits == [2.0, 4.0, 8.0]  # three retries, with backoff
    log = _email_log(pipeline_env.warehouse)
    assert [r[1] for r in log] == ["failed"] and "connection refused" in log[0][3]
    assert (pipeline_env.reports / LAST_WEEK.isoformat() / "report.pdf").exists()
    monkeypatch.setenv("SMTP_PORT", str(port))
    assert main(["run", "--week", LAST_WEEK.isoformat()]) == 0
    assert len(inbox.received) == 1
    assert [r[1] for r in _email_log(pipeline_env.warehouse)] == ["failed", "sent"]


def test_the_password_never_reaches_a_log(
    pipeline_env: Paths,
    smtp_server,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["run", "--week", LAST_WEEK.isoformat()]) == 0
    monkeypatch.setenv("SMTP_PASSWORD", PASSWORD + "-wrong")  # a refused login fails the run
    assert main(["run", "--week", LAST_WEEK.isoformat(), "--resend"]) == 1
    captured = capsys.readouterr()
    assert "refused the login of SMTP_USER" in captured.err
    with dg.DagsterInstance.get() as instance:
        runs = instance.get_runs()
        events = [e for run in runs for e in instance.all_logs(run.run_id)]
    assert len(runs) == 2 and events
    everything = captured.out + captured.err + "".join(repr(e) for e in events)
    everything += "".join(str(run.run_config) for run in runs)
    assert PASSWORD not in everything
    log = _email_log(pipeline_env.warehouse)
    assert PASSWORD not in repr(log) and [r[1] for r in log] == ["sent", "failed"]


def test_without_smtp_the_message_goes_to_the_outbox(
    pipeline_env: Paths, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["run", "--week", LAST_WEEK.isoformat()]) == 0
    written = list((pipeline_env.reports / "outbox").glob("*.eml"))
    assert len(written) == 1 and written[0].name.startswith(f"report-{LAST_WEEK}")
    message = email.message_from_bytes(written[0].read_bytes(), policy=policy.default)
    assert message["To"] == "direction.relation-client@example.com"
    assert f"E-mail {LAST_WEEK}: written to {written[0]}" in capsys.readouterr().out
    assert main(["run", "--week", LAST_WEEK.isoformat()]) == 0  # once only
    assert len(list((pipeline_env.reports / "outbox").glob("*.eml"))) == 1


def test_retries_and_decisions_without_a_pipeline() -> None:
    closed = SmtpSettings("127.0.0.1", _free_port(), "none", "r@example.com")
    waits: list[float] = []
    message = email.message.EmailMessage()
    message["To"] = "a@example.com"
    message["From"] = "r@example.com"
    message.set_content("x")
    with pytest.raises(MailError, match=r"connection refused.*after 3 attempts"):
        send(message, closed, retries=2, backoff=0.5, sleep=waits.append)
    assert waits == [0.5, 1.0]
    assert decide([], "a", resend=False) == "send"
    assert decide([("a", "sent")], "a", resend=False) == "already_sent"
    assert decide([("a", "written")], "b", resend=False) == "changed"
    assert decide([("a", "sent")], "a", resend=True) == "send"
    assert decide([("a", "failed")], "a", resend=False) == "send"  # never delivered
    assert decide([("a", "sending")], "a", resend=False) == "interrupted"  # may have left
    assert decide([("a", "sending")], "a", resend=True) == "send"
    assert decide([("a", "interrupted"), ("a", "sent")], "a", resend=False) == "already_sent"
    # a failed --resend of a changed report is tried again by the next run
    assert decide([("a", "sent"), ("b", "failed")], "b", resend=False) == "send"
    assert SmtpSettings.from_environment({}) is None
    with pytest.raises(MailError, match="REPORT_SENDER must be an address"):
        SmtpSettings.from_environment({"SMTP_HOST": "h", "REPORT_SENDER": "reports"})
    with pytest.raises(MailError, match="SMTP_SECURITY must be none, starttls or ssl"):
        SmtpSettings.from_environment({"SMTP_HOST": "h", "SMTP_SECURITY": "tls"})
    with pytest.raises(MailError, match="REPORT_SENDER is not set"):
        SmtpSettings.from_environment({"SMTP_HOST": "h"})


def _failed_run(pipeline_env: Paths, config: Path, monkeypatch: pytest.MonkeyPatch):
    """A weekly run that fails at its first step (the inbox is gone), and the sensor's context."""
    from satisfaction_pipeline.cli import execute_weeks
    from satisfaction_pipeline.defs.resources import SmtpResource, SurveySettings

    monkeypatch.setenv("SATISFACTION_INBOX", str(pipeline_env.inbox.parent / "no_such_inbox"))
    result = execute_weeks(LAST_WEEK, LAST_WEEK)
    assert not result.success
    instance = dg.DagsterInstance.get()
    failure = instance.all_logs(result.run_id, of_type=dg.DagsterEventType.RUN_FAILURE)[0]
    settings = SurveySettings(
        config_path=str(config),
        inbox=str(pipeline_env.inbox),
        reports=str(pipeline_env.reports),
    )
    context = dg.build_run_status_sensor_context(
        sensor_name="weekly_run_failure_email",
        dagster_event=failure.dagster_event,
        dagster_instance=instance,
        dagster_run=instance.get_run_by_id(result.run_id),
        resources={
            "survey_settings": settings,
            "smtp": SmtpResource(),
            "warehouse": DuckDBResource(database=str(pipeline_env.warehouse)),
        },
    ).for_run_failure()
    return result.run_id, context, instance


def _with_operations(pipeline_env: Paths, tmp_path: Path, monkeypatch) -> Path:
    """The example configuration with an operations address, in use."""
    import yaml

    data = yaml.safe_load(pipeline_env.config.read_text(encoding="utf-8"))
    data["recipients"]["operations"] = ["ops@example.com"]
    config = tmp_path / "with_operations.yaml"
    config.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    monkeypatch.setenv("SATISFACTION_CONFIG", str(config))
    return config


def test_a_failed_weekly_run_is_e_mailed_to_operations(
    pipeline_env: Paths, smtp_server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from satisfaction_pipeline.defs.sensors import weekly_run_failure_email

    inbox, _, _ = smtp_server
    config = _with_operations(pipeline_env, tmp_path, monkeypatch)
    run_id, context, instance = _failed_run(pipeline_env, config, monkeypatch)
    with instance:
        weekly_run_failure_email(context)
    assert len(inbox.received) == 1
    recipients, raw = inbox.received[0]
    message = email.message_from_bytes(raw, policy=policy.default)
    assert recipients == ["ops@example.com"]
    assert "step survey_files" in message["Subject"] and LAST_WEEK.isoformat() in message["Subject"]
    body = message.get_content()
    assert run_id in body and "Failing step: survey_files" in body and "inbox" in body
    assert PASSWORD not in raw.decode("utf-8", "replace")


def test_without_smtp_the_failure_goes_to_the_outbox(
    pipeline_env: Paths, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from satisfaction_pipeline.defs.sensors import weekly_run_failure_email

    config = _with_operations(pipeline_env, tmp_path, monkeypatch)
    run_id, context, instance = _failed_run(pipeline_env, config, monkeypatch)
    with instance:
        weekly_run_failure_email(context)
    written = pipeline_env.reports / "outbox" / f"failure-{run_id}.eml"
    assert "Failing step: survey_files" in written.read_text(encoding="utf-8")


def test_implicit_tls_and_a_plain_relay(tmp_path: Path) -> None:
    """SMTP_SECURITY=ssl (port 465 style) and none (an internal relay on port 25)."""
    authority = trustme.CA()
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("127.0.0.1").configure_cert(server_context)
    ca_file = tmp_path / "ca.pem"
    authority.cert_pem.write_to_path(str(ca_file))
    message = email.message.EmailMessage()
    message["To"] = "a@example.com"
    message["From"] = "r@example.com"
    message["Subject"] = "test"
    message.set_content("x")
    for security, extra in (("ssl", {"ssl_context": server_context}), ("none", {})):
        inbox, port = _Inbox(), _free_port()
        controller = Controller(inbox, hostname="127.0.0.1", port=port, **extra)
        controller.start()
        try:
            settings = SmtpSettings(
                "127.0.0.1", port, security, "r@example.com", ca_file=str(ca_file)
            )
            send(message, settings, retries=0)
        finally:
            controller.stop()
        assert [r for r, _ in inbox.received] == [["a@example.com"]], security


def test_settings_never_show_the_password() -> None:
    settings = SmtpSettings.from_environment(
        {"SMTP_HOST": "h", "REPORT_SENDER": "r@example.com", "SMTP_PASSWORD": PASSWORD}
    )
    assert settings is not None and settings.password == PASSWORD
    assert PASSWORD not in repr(settings) and PASSWORD not in str(settings)


class _GrumpyAtQuit(_Inbox):
    """Accepts the message, then answers QUIT with 421, as overloaded servers do; and refuses
    one of the recipients."""

    async def handle_RCPT(self, server, session, envelope, address, options):
        if address.startswith("refused@"):
            return "550 5.1.1 no such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_QUIT(self, server, session, envelope):
        return "421 closing, busy"


def test_an_accepted_message_is_never_sent_twice_and_refusals_are_returned() -> None:
    inbox, port = _GrumpyAtQuit(), _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    message = email.message.EmailMessage()
    message["To"] = "a@example.com, refused@example.com"
    message["From"] = "r@example.com"
    message["Subject"] = "test"
    message.set_content("x")
    try:
        settings = SmtpSettings("127.0.0.1", port, "none", "r@example.com")
        refused = send(message, settings, retries=3, backoff=0, sleep=lambda _: None)
    finally:
        controller.stop()
    assert len(inbox.received) == 1
    assert list(refused) == ["refused@example.com"] and refused["refused@example.com"].startswith(
        "550"
    )


def test_attachments_follow_the_configuration(tmp_path: Path) -> None:
    from satisfaction_pipeline.delivery.message import attachments, build_message
    from satisfaction_pipeline.report.email import EmailParts

    (tmp_path / "report.pdf").write_bytes(b"%PDF-1.7 test")
    (tmp_path / "action_list.csv").write_text("rank,theme\n1,wait_time\n")
    (tmp_path / "follow_up.csv").write_text("customer,email\nC1,a@example.com\n")

    def attached(follow_up: bool) -> list[str]:
        parts = EmailParts("Customer satisfaction — week of 9 Nov 2026", "text", "<p>html</p>")
        message = build_message(
            sender="Reports <reports@example.com>",
            to=["boss@example.com"],
            cc=["deputy@example.com"],
            parts=parts,
            folder=tmp_path,
            follow_up=follow_up,
        )
        assert message["Subject"] == parts.subject and message["Cc"] == "deputy@example.com"
        assert message.get_body(("html",)).get_content().strip() == parts.html
        names = [part.get_filename() for part in message.iter_attachments()]
        assert names == [path.name for path in attachments(tmp_path, follow_up)]
        return names

    assert attached(False) == ["report.pdf", "action_list.csv"]
    assert attached(True) == ["report.pdf", "action_list.csv", "follow_up.csv"]


def test_a_broken_configuration_still_reaches_operations(
    pipeline_env: Paths, smtp_server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`min_sample_size: thirty` saved while the daemon runs: the definitions still load (from
    what the last configuration that loaded kept), the run fails on the configuration with its
    readable message, and the failure and overdue e-mails reach that configuration's operations
    address, saying what is wrong."""
    import subprocess
    import sys

    import yaml

    from satisfaction_pipeline.cli import execute_weeks
    from satisfaction_pipeline.defs import freshness
    from satisfaction_pipeline.defs.resources import SmtpResource, SurveySettings
    from satisfaction_pipeline.defs.sensors import weekly_run_failure_email

    received, _, _ = smtp_server
    config = _with_operations(pipeline_env, tmp_path, monkeypatch)
    load = "from satisfaction_pipeline.definitions import load_definitions; load_definitions()"
    check = [sys.executable, "-c", load]
    subprocess.run(check, check=True, capture_output=True)  # loaded once: what alerts need kept
    broken = yaml.safe_load(config.read_text(encoding="utf-8")) | {"min_sample_size": "thirty"}
    config.write_text(yaml.safe_dump(broken, allow_unicode=True), encoding="utf-8")
    loaded = subprocess.run(check, capture_output=True, text=True)
    assert loaded.returncode == 0, loaded.stderr[-2000:]

    result = execute_weeks(LAST_WEEK, LAST_WEEK)
    assert not result.success
    instance = dg.DagsterInstance.get()
    [failed] = [e for e in result.all_events if e.is_step_failure]
    description = failed.step_failure_data.user_failure_data.description
    assert "min_sample_size" in description and "Traceback" not in description
    [failure] = instance.all_logs(result.run_id, of_type=dg.DagsterEventType.RUN_FAILURE)
    resources = {
        "survey_settings": SurveySettings(
            config_path=str(config), inbox=str(pipeline_env.inbox),
            reports=str(pipeline_env.reports),
        ),
        "smtp": SmtpResource(),
        "warehouse": DuckDBResource(database=str(pipeline_env.warehouse)),
    }  # fmt: skip
    with instance:
        weekly_run_failure_email(
            dg.build_run_status_sensor_context(
                sensor_name="weekly_run_failure_email",
                dagster_event=failure.dagster_event,
                dagster_instance=instance,
                dagster_run=instance.get_run_by_id(result.run_id),
                resources=resources,
            ).for_run_failure()
        )
        monkeypatch.setattr(
            freshness, "_now", lambda: dt.datetime(2026, 11, 16, 9, 30, tzinfo=dt.UTC)
        )
        with dg.build_sensor_context(instance=instance, resources=resources) as context:
            freshness.weekly_report_overdue_email(context)
    assert [to for to, _ in received.received] == [["ops@example.com"]] * 2
    failed_mail, overdue_mail = (
        email.message_from_bytes(raw, policy=policy.default).get_content()
        for _, raw in received.received
    )
    assert "Failing step: survey_files" in failed_mail and "min_sample_size" in failed_mail
    assert "The configuration does not load" in overdue_mail and "min_sample_size" in overdue_mail


def test_operations_hear_when_the_pipeline_location_does_not_load(
    pipeline_env: Paths, smtp_server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The alerts location loads the pipeline's definitions in a fresh process: a failure is
    e-mailed once with its error, and the first load that works again says so."""
    from satisfaction_pipeline import alerts

    received, _, _ = smtp_server
    _with_operations(pipeline_env, tmp_path, monkeypatch)
    with dg.instance_for_test() as instance:

        def look(cursor: str | None) -> tuple[str, str | None]:
            with dg.build_sensor_context(instance=instance, cursor=cursor) as context:
                return alerts.pipeline_location_loads(context).skip_message, context.cursor

        working = alerts.LOAD
        monkeypatch.setattr(alerts, "LOAD", "import satisfaction_pipeline.defs.no_such_module")
        said, cursor = look(None)
        assert said == "satisfaction_pipeline does not load: operations told"
        assert look(cursor)[0] == "still the error already told"
        monkeypatch.setattr(alerts, "LOAD", working)
        said, cursor = look(cursor)
        assert said == "satisfaction_pipeline loads again: operations told"
        assert look(cursor)[0] == "satisfaction_pipeline loads"
    down, up = (
        email.message_from_bytes(raw, policy=policy.default) for _, raw in received.received
    )
    assert [to for to, _ in received.received] == [["ops@example.com"]] * 2
    assert "does not load" in down["Subject"]
    assert "No module named 'satisfaction_pipeline.defs.no_such_module'" in down.get_content()
    assert "loads again" in up["Subject"]
