"""Resources: where the configuration, inbox and reports are, the DuckDB warehouse, and SMTP.
Every job runs its steps in the run's own process (`in_process_executor`): the warehouse admits
one step at a time anyway, and one process per run is what `warehouse_pool` checks is alive."""

from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from importlib.metadata import version as _distribution_version
from pathlib import Path

import dagster as dg
import duckdb
from dagster_duckdb import DuckDBResource

from satisfaction_pipeline.config.location import LocationSettings, location_settings
from satisfaction_pipeline.config.paths import Paths
from satisfaction_pipeline.config.settings import ConfigError, Settings, load_settings
from satisfaction_pipeline.config.taxonomy import Taxonomy
from satisfaction_pipeline.defs.warehouse_pool import WAREHOUSE_POOL, record_process
from satisfaction_pipeline.delivery.smtp import (
    BACKOFF,
    RETRIES,
    SmtpSettings,
    send_alert,
)
from satisfaction_pipeline.redact.names import start_reader, stop_reader
from satisfaction_pipeline.themes.detect import ModelThemes, learned_themes
from satisfaction_pipeline.warehouse import (
    WarehouseUpgradeError,
    create_schema,
    explain_file_error,
    upgrade,
)


def package_version() -> str:
    """This release's version, as the warehouse records who upgraded it."""
    return _distribution_version("satisfaction_pipeline")


class SurveySettings(dg.ConfigurableResource):
    """The validated `satisfaction.yaml`, and the inbox and report folders."""

    config_path: str
    inbox: str
    reports: str
    archive: str | None = None  # where ingested exports go (inbox.archive_after_days)

    def load(self) -> Settings:
        """The configuration; one that does not load fails the step with what is wrong in it,
        where, not with a stack trace."""
        try:
            return load_settings(self.config_path)
        except ConfigError as exc:
            raise dg.Failure(description=str(exc), allow_retries=False) from None

    def taxonomy(self) -> Taxonomy:
        """The theme taxonomy the configuration names; a file is found beside the config."""
        return self.load().theme_taxonomy(Path(self.config_path).parent)

    def learned_themes(self, taxonomy: Taxonomy) -> ModelThemes | None:
        """The trained theme model the configuration names (a file beside it), if any."""
        return learned_themes(self.load(), taxonomy, Path(self.config_path).parent)

    @property
    def inbox_dir(self) -> Path:
        return Path(self.inbox)

    @property
    def archive_dir(self) -> Path:
        """SATISFACTION_ARCHIVE, else an `archive` folder beside the inbox."""
        return Path(self.archive) if self.archive else self.inbox_dir.parent / "archive"

    def report_dir(self, week: str) -> Path:
        return Path(self.reports) / week

    @property
    def outbox_dir(self) -> Path:
        """Where report e-mails are written as .eml files when no SMTP server is configured."""
        return Path(self.reports) / "outbox"


class SmtpResource(dg.ConfigurableResource):
    """The SMTP server the report is e-mailed through, read from the environment only
    (SMTP_HOST, SMTP_PORT, SMTP_USER, SMTP_PASSWORD, SMTP_SECURITY, REPORT_SENDER, SMTP_CA_FILE)
    when it is used: no setting, let alone the password, is stored in Dagster's run config.
    Without SMTP_HOST the message goes to the outbox folder beside the reports. Its own config
    is only how hard to try: transient failures are retried `retries` times, waiting
    `backoff_seconds` · 2^k between tries."""

    retries: int = RETRIES
    backoff_seconds: float = BACKOFF

    def settings(self) -> SmtpSettings | None:
        return SmtpSettings.from_environment(dict(os.environ))


def alert_settings(survey_settings: SurveySettings, warehouse: DuckDBResource) -> LocationSettings:
    """What the alerts need (operations recipients, deadline, time zone) now: from the
    configuration, or from the last one that loaded when it does not (config/location.py)."""
    return location_settings(Path(survey_settings.config_path), Path(warehouse.database))


def deliver(make, smtp: SmtpResource, survey_settings: SurveySettings, log, name: str) -> None:
    """An operations message, by SMTP or to the outbox beside the reports (`send_alert`)."""
    send_alert(make, survey_settings.outbox_dir, log, name)


class WarehouseResource(DuckDBResource):
    """The DuckDB warehouse file; a run that uses it records the process it runs in (run tags
    read by `warehouse_pool`, to tell a run that died from one still working)."""

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        if context.instance is not None and context.run is not None:
            record_process(context.instance, context.run)


class NameReader(dg.ConfigurableResource):
    """The process that finds people's names in the comments a step quotes (`redact.names`). A
    run sets up its resources first, so a run with a quoting step starts the process then, and
    its models (three seconds of one core) load while the steps before the first quote run."""

    # False: start it at the first quote instead. (A resource needs a field anyway: Dagster 1.13
    # reads a field-less one through a deprecated pydantic attribute.)
    start_with_run: bool = True

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        if self.start_with_run:
            start_reader()

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        stop_reader()


_UP_TO_DATE: set[str] = set()  # warehouse files this process found at SCHEMA_VERSION


@contextmanager
def open_warehouse(warehouse: DuckDBResource) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection to the warehouse file, with its schemas and tables created if new; a file
    from an older release is backed up and upgraded first, one from a newer one refused. While
    another process holds the file, the step waits for it (`_connect`). A file that is not a
    readable database, or a full disk, fails the step with what to do
    (`warehouse.explain_file_error`); the step's transaction leaves the file as it was."""
    path = Path(warehouse.database)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = _connect(warehouse, path)
        # closed here too: the resource's own close is skipped when the step raises, and
        # Dagster keeps the failure's traceback, so the file would stay open and locked
        try:
            # a long query (a year of 10M responses) would draw DuckDB's progress bar in the
            # run's output
            conn.execute("SET enable_progress_bar = false")
            create_schema(conn)
            yield conn
        finally:
            conn.close()
    except WarehouseUpgradeError as exc:
        raise dg.Failure(description=str(exc), allow_retries=False) from None
    except (duckdb.Error, OSError) as exc:
        explained = explain_file_error(path, exc)
        if explained is None:
            raise
        raise dg.Failure(description=explained, allow_retries=False) from None


LOCK_WAIT_SECONDS = 30 * 60  # then the step fails, saying which process holds the file
LOCK_SAID_EVERY = 60.0


def _connect(warehouse: DuckDBResource, path: Path) -> duckdb.DuckDBPyConnection:
    """Open the file (upgraded first, once per process), waiting while another process holds
    it. The warehouse's one-writer pool makes steps take turns; an instance whose dagster.yaml
    gives the pool no limit lets two steps start at once, and the second waits here, saying so
    in the run's log, instead of failing on DuckDB's lock."""
    started, said = time.monotonic(), None
    while True:
        try:
            if str(path) not in _UP_TO_DATE:  # once per process: every step opens the file
                upgrade(path, package_version(), dt.datetime.now(dt.UTC).replace(tzinfo=None))
                _UP_TO_DATE.add(str(path))
            config = {"custom_user_agent": "dagster", **warehouse.connection_config}
            return duckdb.connect(str(path), config=config)
        except duckdb.IOException as exc:
            waited = time.monotonic() - started
            if "Could not set lock" not in str(exc) or waited > LOCK_WAIT_SECONDS:
                raise
            if said is None or time.monotonic() - said >= LOCK_SAID_EVERY:
                said = time.monotonic()
                dg.get_dagster_logger().warning(
                    f"waiting for the warehouse {path} ({waited:.0f} s so far): "
                    f"{str(exc).splitlines()[-1].strip()}. Steps take turns through the pool "
                    f"{WAREHOUSE_POOL} when the instance gives it a limit of 1 (dagster.yaml: "
                    "concurrency: pools: default_limit: 1); this step waits for the file "
                    f"instead, up to {LOCK_WAIT_SECONDS // 60} minutes."
                )
            time.sleep(0.5)


@contextmanager
def writing_files(what: str) -> Iterator[None]:
    """Fail the step with the path and what to do when `what` (e.g. "the report") cannot be
    written: a read-only or full reports folder is the operator's to fix, not a bug."""
    try:
        yield
    except OSError as exc:
        where = exc.filename or "the reports folder"
        raise dg.Failure(
            description=f"could not write {what} to {where}: {exc.strerror or exc}. Make the "
            "reports folder (SATISFACTION_REPORTS, --out) writable, or free space on its disk, "
            "then run the week again.",
            allow_retries=False,
        ) from None


def check_writable(folder: Path) -> None:
    """Fail now, before anything is written, if the reports folder cannot take files."""
    with writing_files("the report files"):
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / f".writable.{os.getpid()}"
        probe.write_bytes(b"")
        probe.unlink()


@dg.definitions
def resources() -> dg.Definitions:
    paths = Paths.from_environment()
    return dg.Definitions(
        resources={
            "survey_settings": SurveySettings(
                config_path=str(paths.config),
                inbox=str(paths.inbox),
                reports=str(paths.reports),
                archive=os.environ.get("SATISFACTION_ARCHIVE"),
            ),
            "warehouse": WarehouseResource(database=str(paths.warehouse)),
            "smtp": SmtpResource(),
            "name_reader": NameReader(),
        },
        executor=dg.in_process_executor,
    )
