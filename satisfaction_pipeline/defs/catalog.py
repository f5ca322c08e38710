"""What the Dagster UI's catalog shows of each asset beside its description: the table it writes
(`dagster/table_name`), the capability it belongs to (tag `capability`), who is told when it
fails (owners: recipients.operations), and where its code is (code references)."""

from __future__ import annotations

import warnings
from email.utils import parseaddr

import dagster as dg

from satisfaction_pipeline.defs.partitions import LOCATION

# asset: (capability, the warehouse table it writes; the report writes files)
WRITES = {
    "survey_files": ("ingest", "raw.responses"),
    "responses": ("scoring", "marts.responses"),
    "weekly_scores": ("scoring", "marts.weekly_scores"),
    "standouts": ("scoring", "marts.standouts"),
    "comment_themes": ("themes", "marts.comment_themes"),
    "emerging_themes": ("themes", "marts.emerging_themes"),
    "action_list": ("actions", "marts.action_list"),
    "score_movement": ("actions", "marts.score_movement"),
    "theme_spikes": ("actions", "marts.theme_spikes"),
    "weekly_report": ("report", None),
    "report_email": ("delivery", "ops.email_log"),
}


def for_the_catalog(defs: dg.Definitions) -> dg.Definitions:
    """`defs` with every asset's table, capability, owners and code references."""
    owners = [parseaddr(address)[1] for address in LOCATION.operations]

    def described(spec: dg.AssetSpec) -> dg.AssetSpec:
        capability, table = WRITES[spec.key.to_user_string()]
        return spec.replace_attributes(owners=owners).merge_attributes(
            tags={"capability": capability},
            metadata={"dagster/table_name": table} if table else {},
        )

    # each asset once: a module that imports another's asset (a dependency) lists it again
    assets = [a.map_asset_specs(described) for a in {id(a): a for a in defs.assets or []}.values()]
    with warnings.catch_warnings():  # code references are "beta": 17 warnings at every load
        warnings.simplefilter("ignore", dg.BetaWarning)
        assets = dg.with_source_code_references(assets)
    return dg.Definitions(
        assets=assets,
        asset_checks=defs.asset_checks,
        schedules=defs.schedules,
        sensors=defs.sensors,
        jobs=defs.jobs,
        resources=defs.resources,
        executor=defs.executor,
        loggers=defs.loggers,
    )
