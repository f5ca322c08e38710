"""Resources: where the configuration, inbox and reports are, and the DuckDB warehouse."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import duckdb
from dagster_duckdb import DuckDBResource

from satisfaction_pipeline.lib.config import Settings, load_settings
from satisfaction_pipeline.lib.mail import BACKOFF, RETRIES, SmtpSettings
from satisfaction_pipeline.lib.paths import Paths
from satisfaction_pipeline.lib.taxonomy import Taxonomy
from satisfaction_pipeline.lib.theme_pipeline import ModelThemes
from satisfaction_pipeline.lib.warehouse import create_schema


class SurveySettings(dg.ConfigurableResource):
    """The validated `satisfaction.yaml`, and the inbox and report folders."""

    config_path: str
    inbox: str
    reports: str

    def load(self) -> Settings:
        return load_settings(self.config_path)

    def taxonomy(self) -> Taxonomy:
        """The theme taxonomy the configuration names; a file is found beside the config."""
        return self.load().theme_taxonomy(Path(self.config_path).parent)

    def learned_themes(self, taxonomy: Taxonomy) -> ModelThemes | None:
        """The trained theme model the configuration names (a file beside it), if any."""
        return self.load().learned_themes(taxonomy, Path(self.config_path).parent)

    @property
    def inbox_dir(self) -> Path:
        return Path(self.inbox)

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


@contextmanager
def open_warehouse(warehouse: DuckDBResource) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection to the warehouse file, with its schemas and tables created if new."""
    Path(warehouse.database).parent.mkdir(parents=True, exist_ok=True)
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
                config_path=str(paths.config), inbox=str(paths.inbox), reports=str(paths.reports)
            ),
            "warehouse": DuckDBResource(database=str(paths.warehouse)),
            "smtp": SmtpResource(),
        }
    )
