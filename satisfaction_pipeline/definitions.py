"""The code location: every Dagster object under `defs/`, found by `dg.load_from_defs_folder`."""

from pathlib import Path

import dagster as dg


def load_definitions() -> dg.Definitions:
    """The project's definitions, built from the current SATISFACTION_* environment."""
    from satisfaction_pipeline.defs.catalog import for_the_catalog

    return for_the_catalog(dg.load_from_defs_folder(path_within_project=Path(__file__).parent))


@dg.definitions
def defs() -> dg.Definitions:
    return load_definitions()
