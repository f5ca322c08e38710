"""A second, minimal code location that tells operations when the pipeline's own code location
does not load — the one failure its own sensors cannot report, since they are not running.

It imports nothing of the pipeline's definitions: only the configuration's kept settings (who
to tell, config/location.py) and the mail route (SMTP_* or the outbox). Every few minutes its
sensor loads the definitions in a separate process, as Dagster's code server would; the first
failure (and each new error after it) e-mails `recipients.operations` with the error, and the
first load that works again says so. Five minutes between looks: a load is about three seconds
of one core.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys

import dagster as dg

from satisfaction_pipeline.config.location import OPERATIONS_VARIABLE, location_settings
from satisfaction_pipeline.config.paths import Paths
from satisfaction_pipeline.delivery.message import location_message
from satisfaction_pipeline.delivery.smtp import send_alert

PIPELINE_LOCATION = "satisfaction_pipeline"
LOAD = "from satisfaction_pipeline.definitions import load_definitions; load_definitions()"
LOOK_EVERY = 300  # seconds
LOAD_TIMEOUT = 240
ERROR_LINES = 25  # the end of the traceback: where it failed and why


def load_error() -> str | None:
    """What loading the pipeline's definitions in a fresh process says, when it fails."""
    try:
        done = subprocess.run(
            [sys.executable, "-c", LOAD],
            capture_output=True,
            text=True,
            timeout=LOAD_TIMEOUT,
            env=dict(os.environ, PYTHONWARNINGS="ignore"),
        )
    except subprocess.TimeoutExpired:
        return f"loading the definitions took more than {LOAD_TIMEOUT} s"
    if done.returncode == 0:
        return None
    return "\n".join(done.stderr.strip().splitlines()[-ERROR_LINES:]) or f"exit {done.returncode}"


@dg.sensor(
    minimum_interval_seconds=LOOK_EVERY,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description=f"E-mails recipients.operations when the {PIPELINE_LOCATION} code location "
    "does not load (its schedule and sensors are then down), and when it loads again.",
)
def pipeline_location_loads(context: dg.SensorEvaluationContext) -> dg.SkipReason:
    error = load_error()
    told = context.cursor or "loads"  # the digest of the error last told, or "loads"
    now = "loads" if error is None else hashlib.sha256(error.encode()).hexdigest()[:16]
    if now == told:
        return dg.SkipReason(
            f"{PIPELINE_LOCATION} loads" if error is None else "still the error already told"
        )
    paths = Paths.from_environment()
    to = location_settings(paths.config, paths.warehouse).operations
    if to:
        send_alert(
            lambda sender: location_message(
                sender=sender, to=to, location=PIPELINE_LOCATION, error=error
            ),
            paths.reports / "outbox",
            context.log,
            f"location-{now}",
        )
    context.update_cursor(now)
    said = "does not load" if error else "loads again"
    return dg.SkipReason(
        f"{PIPELINE_LOCATION} {said}: "
        + ("operations told" if to else f"no operations recipient ({OPERATIONS_VARIABLE})")
    )


@dg.definitions
def defs() -> dg.Definitions:
    return dg.Definitions(sensors=[pipeline_location_loads])
