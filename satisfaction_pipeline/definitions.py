"""The code location: every Dagster object under `defs/`, found by `dg.load_from_defs_folder`."""

import multiprocessing
import sys
from pathlib import Path

import dagster as dg

# The commands that start a process to run steps: the run worker the UI, the schedule and the
# sensors launch (`dagster api execute_run`), a step worker, and Dagster's own CLI; and the code
# servers (`dagster dev`, a deployment's), whose spawned children, with the server's arguments,
# are the runs they start.
RUNS_STEPS = [("api", "execute_run"), ("api", "execute_step"), ("asset", "materialize"),
              ("job", "execute")]  # fmt: skip
CODE_SERVERS = [("api", "grpc"), ("code-server", "start")]


def load_definitions() -> dg.Definitions:
    """The project's definitions, built from the current SATISFACTION_* environment."""
    from satisfaction_pipeline.defs.catalog import for_the_catalog

    if _runs_steps(sys.argv[1:], spawned=multiprocessing.parent_process() is not None):
        _start_name_reader()
    return for_the_catalog(dg.load_from_defs_folder(path_within_project=Path(__file__).parent))


def _runs_steps(arguments: list[str], spawned: bool = False) -> bool:
    """Whether this process loads the definitions to run steps: a run command, or a child a
    code server spawned (it carries the server's arguments) — not the server itself."""
    commands = CODE_SERVERS if spawned else RUNS_STEPS
    return any(tuple(arguments[i : i + 2]) in commands for i in range(len(arguments)))


def _start_name_reader() -> None:
    """In a process about to run steps, the name reader's models (three seconds of one core)
    load on another core while the definitions load, as in a CLI run; the webserver, the daemon
    and code servers, which load the definitions too, never start it (redact/names.py)."""
    from satisfaction_pipeline.redact.names import start_reader

    start_reader()


@dg.definitions
def defs() -> dg.Definitions:
    return load_definitions()
