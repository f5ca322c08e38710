"""Resources: where the configuration, inbox and reports are, and the DuckDB warehouse."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import duckdb
from dagster_duckdb import DuckDBResource

from satisfaction_pipeline.lib.config import Settings, load_settings
from satisfaction_pipeline.lib.paths import Paths
from satisfaction_pipeline.lib.taxonomy import Taxonomy
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

    @property
    def inbox_dir(self) -> Path:
        return Path(self.inbox)

    def report_dir(self, week: str) -> Path:
        return Path(self.reports) / week


@contextmanager
def open_warehouse(warehouse: DuckDBResource) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection to the warehouse file, with its schemas and tables created if new."""
    Path(warehouse.database).parent.mkdir(parents=True, exist_ok=True)
    with warehouse.get_connection() as conn:
        create_schema(conn)
        yield conn


@dg.definitions
def resources() -> dg.Definitions:
    paths = Paths.from_environment()
    return dg.Definitions(
        resources={
            "survey_settings": SurveySettings(
                config_path=str(paths.config), inbox=str(paths.inbox), reports=str(paths.reports)
            ),
            "warehouse": DuckDBResource(database=str(paths.warehouse)),
        }
    )
