"""Ingest throughput: N generated responses (with comments) as one CSV export, loaded the way the
`survey_files` asset loads them, against DuckDB's bare `read_csv` of the same file.

    make bench-ingest              # 1,000,000 responses
    .venv/bin/python bench/ingest.py --rows 200000

Prints rows/second for each stage, the peak memory of the process, and the ratio of the whole
ingest (decode, parse, map, validate, write to a DuckDB file) to DuckDB's bare read of the file.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from satisfaction_pipeline import warehouse
from satisfaction_pipeline.config.settings import parse_settings
from satisfaction_pipeline.ingest.inbox import ingest_inbox
from satisfaction_pipeline.ingest.mapping import map_file
from satisfaction_pipeline.ingest.readers import read_export

WORDS = (  # a French / English support vocabulary, with the typography that breaks encodings
    "attente", "conseiller", "très", "aimable", "mais", "problème", "toujours", "pas", "résolu",
    "livraison", "en", "retard", "remboursement", "facture", "rappel", "promis", "jamais",
    "reçu", "wait", "time", "agent", "helpful", "refund", "order", "late", "« super »",
    "service", "rapide", "l’application", "plante", "29,99 €", "merci",
)  # fmt: skip
LABELS = ["Très satisfait", "Satisfait", "Plutôt satisfait", "Insatisfait", "Très insatisfait"]
SETTINGS = {
    "timezone": "Europe/Paris",
    "sources": [
        {
            "name": "bench",
            "pattern": "*.csv",
            "date_format": "%d/%m/%Y %H:%M",
            "columns": {"response_id": "id_reponse", "submitted_at": "date"},
            "segments": {"channel": "canal", "team": "equipe"},
            "questions": [
                {"column": "satisfaction", "metric": "csat"},
                {"column": "recommandation", "metric": "nps"},
                {"column": "effort", "metric": "ces", "scale": {"min": 1, "max": 5}},
                {"column": "commentaire", "metric": "comment"},
            ],
        }
    ],
}


def write_export(path: Path, rows: int, seed: int = 7) -> None:
    """A French support export: semicolon-separated, quoted multi-line comments, ~2 % bad rows."""
    rng = random.Random(seed)
    start = dt.datetime(2026, 9, 7)
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write("id_reponse;date;canal;equipe;satisfaction;recommandation;effort;commentaire\n")
        for i in range(rows):
            when = start + dt.timedelta(minutes=rng.randrange(10 * 7 * 24 * 60))
            comment = " ".join(rng.choices(WORDS, k=rng.randrange(0, 30)))
            if i % 40 == 0:
                comment = f'"{comment};\nsuite sur une autre ligne ""citée"""'
            label = rng.choice(LABELS) if i % 50 else "Bof bof"  # unknown label: rejected
            out.write(
                f"R{i:08d};{when:%d/%m/%Y %H:%M};{rng.choice(['tel', 'chat', 'mail'])};"
                f"E{rng.randrange(12)};{label};{rng.randrange(11)};{rng.randrange(1, 6)};"
                f"{comment}\n"
            )


def timed(label: str, rows: int, work):
    started = time.perf_counter()
    result = work()
    seconds = time.perf_counter() - started
    print(f"{label:<34} {seconds:7.2f} s  {rows / seconds:>12,.0f} rows/s")
    return result, seconds


def read_and_map(export: Path, settings, rows: int, now: dt.datetime) -> None:
    """The two in-memory stages alone (the table is freed when this returns)."""
    data, source = export.read_bytes(), settings.sources[0]
    table, _ = timed("  read (decode, parse)", rows, lambda: read_export(data, ".csv", source))
    timed("  map (scales, dates, checks)", rows,
          lambda: map_file(table, source, settings, export.name, now))  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    settings = parse_settings(SETTINGS)
    now = dt.datetime(2026, 11, 23, 6)
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        inbox = root / "inbox"
        inbox.mkdir()
        export = inbox / "export.csv"
        write_export(export, args.rows)
        size = export.stat().st_size
        print(f"{args.rows:,} responses, {size / 1e6:,.0f} MB, {export.name}")

        csv = f"read_csv('{export}', all_varchar = true, sep = ';')"
        _, count_only = timed(
            "duckdb read_csv, count(*)",
            args.rows,
            lambda: duckdb.sql(f"SELECT count(*) FROM {csv}").fetchall(),
        )
        with duckdb.connect() as memory:  # every column read and stored, as the ingest does
            _, bare = timed(
                "duckdb read_csv into a table", args.rows,
                lambda: memory.execute(f"CREATE TABLE bare AS SELECT * FROM {csv}"),
            )  # fmt: skip
        read_and_map(export, settings, args.rows, now)

        with duckdb.connect(str(root / "warehouse.duckdb")) as conn:
            warehouse.create_schema(conn)
            summary, whole = timed(
                "ingest_inbox (all of it)",
                args.rows,
                lambda: ingest_inbox(conn, settings, inbox, now),
            )
        files = summary.files.row(0, named=True)
        print(
            f"  loaded {files['rows_loaded']:,} · rejected {files['rows_rejected']:,} · "
            f"duplicate {files['rows_duplicate']:,} of {files['rows_read']:,} read"
        )
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory (RSS)                  {peak_mb:7,.0f} MB")
    print(f"ingest / duckdb read into a table  {whole / bare:7.1f} ×  (target: under 3 ×)")
    print(f"ingest / duckdb count(*)           {whole / count_only:7.1f} ×")


if __name__ == "__main__":
    main()
