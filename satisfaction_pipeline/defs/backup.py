"""A consistent copy of the warehouse, taken while no run touches it: the backup is a step of
the warehouse's pool, so it waits for the step in progress and the next one waits for it.
Copying the file by hand during a run could catch it half-written.

`satisfaction-pipeline backup [--to FILE]`, or launch `warehouse_backup_job` from the UI.
"""

import datetime as dt
import shutil
from pathlib import Path

import dagster as dg
import duckdb
from dagster_duckdb import DuckDBResource

from satisfaction_pipeline.defs.resources import open_warehouse
from satisfaction_pipeline.defs.warehouse_pool import WAREHOUSE_POOL


class BackupConfig(dg.Config):
    to: str = ""  # the copy's path; default: backups/<file>.<UTC time>.duckdb beside the warehouse


def backup_path(warehouse: Path, to: str, now: dt.datetime) -> Path:
    if to:
        return Path(to).expanduser().resolve()
    return warehouse.parent / "backups" / f"{warehouse.stem}.{now:%Y%m%dT%H%M%SZ}.duckdb"


@dg.op(pool=WAREHOUSE_POOL)
def back_up_warehouse(
    context: dg.OpExecutionContext, config: BackupConfig, warehouse: DuckDBResource
) -> dg.Output[str]:
    """Checkpoint the warehouse (its write-ahead log folded into the file), copy the file, and
    open the copy to prove it reads."""
    source = Path(warehouse.database)
    target = backup_path(source, config.to, dt.datetime.now(dt.UTC))
    if target.exists():
        raise dg.Failure(f"{target} exists already: choose another --to", allow_retries=False)
    with open_warehouse(warehouse) as conn:  # upgraded if need be: a backup of today's schema
        conn.execute("CHECKPOINT")
    target.parent.mkdir(parents=True, exist_ok=True)
    # copied beside its name, proved to read, then renamed: a backup killed half-way is never
    # taken for one (`latest_backup` names the newest when the warehouse is damaged)
    partial = target.with_name(f".{target.name}.partial")
    shutil.copy2(source, partial)
    with duckdb.connect(str(partial), read_only=True) as copy:
        files = copy.execute("SELECT count(*) FROM ops.files").fetchone()[0]
        responses = copy.execute("SELECT count(*) FROM raw.responses").fetchone()[0]
    partial.replace(target)
    context.log.info(f"warehouse copied to {target}: {files} files, {responses} responses")
    return dg.Output(
        str(target),
        metadata={
            "backup": dg.MetadataValue.path(str(target)),
            "size_bytes": target.stat().st_size,
            "files": files,
            "responses": responses,
        },
    )


@dg.job(description="Copy the warehouse file, consistently, while no run touches it.")
def warehouse_backup_job() -> None:
    back_up_warehouse()
