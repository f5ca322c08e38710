"""Dagster objects only, found by `dg.load_from_defs_folder` (definitions.py). A module per
capability holds its assets and checks — `ingest`, `scoring`, `themes`, `actions`, `report`,
`delivery` — each asset reading its inputs, calling its capability package, writing its
outputs and returning metadata; then what runs them: `jobs` (the weekly job and schedule),
`inbox` (the inbox sensor), `sensors` (failure e-mails), `freshness` (the report's deadline),
`backup`, `warehouse_pool` (the one-writer pool, and the dead_run_sensor that releases the runs
whose process died); and the shared wiring: `resources`, `partitions`, `metadata`.
"""
