"""Resources: where the configuration, inbox and reports are, and the DuckDB warehouse."""

from __future__ import annotations

import dataclasses
import datetime as dt
import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from importlib.metadata import version as _distribution_version
from pathlib import Path

import dagster as dg
import duckdb
from dagster_duckdb import DuckDBResource

from satisfaction_pipeline.config.paths import Paths
from satisfaction_pipeline.config.settings import Settings, load_settings
from satisfaction_pipeline.config.taxonomy import Taxonomy
from satisfaction_pipeline.delivery.smtp import (
    BACKOFF,
    RETRIES,
    MailError,
    SmtpSettings,
    send,
    write_outbox,
)
from satisfaction_pipeline.themes.detect import ModelThemes, learned_themes
from satisfaction_pipeline.warehouse import WarehouseUpgradeError, create_schema, upgrade

# DuckDB lets one process at a time open the file (a reader too, while another writes): every
# asset and check that opens the warehouse is in this Dagster concurrency pool, whose limit is
# 1. A backfill started during the weekly run then waits for its turn instead of failing on the
# file's lock. The limit lives in the Dagster instance: `dagster.yaml` (concurrency: pools:
# default_limit: 1), and the CLI sets it explicitly (`ensure_one_writer`).
WAREHOUSE_POOL = "duckdb_warehouse"


def ensure_one_writer(instance: dg.DagsterInstance) -> None:
    """Give the warehouse pool its limit of 1 in this instance, whatever its dagster.yaml says
    (an instance made before the pool existed has no limit, so runs would not wait). Under a
    file lock in DAGSTER_HOME: two processes first setting it at once could each add a slot."""
    storage = instance.event_log_storage
    if not storage.supports_global_concurrency_limits:
        raise RuntimeError(
            "this Dagster instance's storage cannot limit concurrency; "
            "run `dagster instance migrate` with DAGSTER_HOME set to it"
        )
    with (Path(instance.root_directory) / ".warehouse_pool.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if storage.get_concurrency_info(WAREHOUSE_POOL).slot_count != 1:
            storage.set_concurrency_slots(WAREHOUSE_POOL, 1)


def package_version() -> str:
    """This release's version, as the warehouse records who upgraded it."""
    return _distribution_version("satisfaction_pipeline")


def wait_for_warehouse(instance: dg.DagsterInstance, say, poll_seconds: float = 2.0) -> None:
    """Return once no step holds the warehouse pool, asleep meanwhile. Dagster polls for a pool
    slot without sleeping, so a run started while another holds the warehouse would keep a CPU
    core busy for the whole wait; the CLI waits here first. `say` hears once who holds it."""
    told = False
    while True:
        info = instance.event_log_storage.get_concurrency_info(WAREHOUSE_POOL)
        if info.active_slot_count < info.slot_count:
            return
        if not told:
            holders = ", ".join(sorted(info.active_run_ids))
            say(f"waiting for the warehouse: run {holders} is using it")
            told = True
        time.sleep(poll_seconds)


class SurveySettings(dg.ConfigurableResource):
    """The validated `satisfaction.yaml`, and the inbox and report folders."""

    config_path: str
    inbox: str
    reports: str
    archive: str | None = None  # where ingested exports go (inbox.archive_after_days)

    def load(self) -> Settings:
        return load_settings(self.config_path)

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


def deliver(make, smtp: SmtpResource, survey_settings: SurveySettings, log, name: str) -> None:
    """Send an operations message (`make(sender)` builds it) by SMTP, quickly: a sensor has
    about a minute. Without SMTP_HOST, with unusable SMTP settings, or when the server cannot
    take it, it goes to the outbox: the message is never lost."""
    try:
        server = smtp.settings()
    except MailError as exc:
        log.error(f"SMTP settings unusable ({exc}): the e-mail goes to the outbox")
        server = None
    message = make(server.sender if server else "satisfaction-pipeline@localhost")
    if server is None:
        path = write_outbox(message, survey_settings.outbox_dir, name)
        log.info(f"no SMTP_HOST set: the e-mail was written to {path}")
        return
    try:  # one quick try
        send(message, dataclasses.replace(server, timeout=10.0), retries=0)
    except MailError as exc:
        path = write_outbox(message, survey_settings.outbox_dir, name)
        log.error(f"{message['Subject']!r} could not be e-mailed ({exc}): written to {path}")


_UP_TO_DATE: set[str] = set()  # warehouse files this process found at SCHEMA_VERSION


@contextmanager
def open_warehouse(warehouse: DuckDBResource) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection to the warehouse file, with its schemas and tables created if new; a file
    from an older release is backed up and upgraded first, one from a newer one refused."""
    path = Path(warehouse.database)
    path.parent.mkdir(parents=True, exist_ok=True)
    if str(path) not in _UP_TO_DATE:  # once per process: every step opens the file
        try:
            upgrade(path, package_version(), dt.datetime.now(dt.UTC).replace(tzinfo=None))
        except WarehouseUpgradeError as exc:
            raise dg.Failure(description=str(exc), allow_retries=False) from None
        _UP_TO_DATE.add(str(path))
    with warehouse.get_connection() as conn:
        # closed here too: the resource's own close is skipped when the step raises, and
        # Dagster keeps the failure's traceback, so the file would stay open and locked
        try:
            create_schema(conn)
            yield conn
        finally:
            conn.close()


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
            "warehouse": DuckDBResource(database=str(paths.warehouse)),
            "smtp": SmtpResource(),
        }
    )
