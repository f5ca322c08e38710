"""`satisfaction-pipeline`: run weeks, backfill ranges, the demo, the UI, config validation, and
inspecting how the inbox's files read.

The CLI is thin: it resolves paths into the SATISFACTION_* environment, then drives the same Dagster
job the schedule and the UI run, recorded in the Dagster instance (DAGSTER_HOME, default
`./.dagster`), so CLI runs show up in the UI.
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import datetime as dt
import os
import sys
import time
from pathlib import Path

from satisfaction_pipeline.config.paths import ENVIRONMENT, Paths
from satisfaction_pipeline.config.settings import ConfigError, Settings, load_settings
from satisfaction_pipeline.config.taxonomy import TaxonomyError, read_taxonomy

# The theme engine (scikit-learn, scipy) and Dagster are imported by the commands that use them:
# `--help`, `status` or `validate-config` need not wait for them, and neither does a process the
# CLI spawns (its main module is imported again there).

JOB_NAME = "weekly_report_job"


class UserError(Exception):
    """A mistake the user can fix; printed without a stack trace."""


def _monday(text: str) -> dt.date:
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2026-11-16") from None
    if day.weekday() != 0:
        monday = day - dt.timedelta(days=day.weekday())
        raise argparse.ArgumentTypeError(
            f"{text} is a {day:%A}; weeks start on Monday: use {monday}"
        )
    return day


def _path_options(without_reports: bool = False) -> argparse.ArgumentParser:
    """--config, --inbox, --warehouse and --out (the reports; left out for the commands whose
    --out is their own file)."""
    paths = argparse.ArgumentParser(add_help=False)
    for option, (variable, default) in ENVIRONMENT.items():
        if option == "reports" and without_reports:
            continue
        flag = "--out" if option == "reports" else f"--{option}"
        paths.add_argument(
            flag,
            dest=option,
            metavar="PATH",
            help=f"default: ${variable}, else ./{default}",
        )
    return paths


def _weeks(text: str) -> tuple[dt.date, dt.date]:
    """`2026-10-05..2026-11-23` (Mondays, both included), or one Monday."""
    first, _, last = text.partition("..")
    start, end = _monday(first.strip()), _monday((last or first).strip())
    if end < start:
        raise argparse.ArgumentTypeError(f"{text!r}: the last week is before the first")
    return start, end


def _parser() -> argparse.ArgumentParser:
    paths, config_only = _path_options(), _path_options(without_reports=True)

    parser = argparse.ArgumentParser(
        prog="satisfaction-pipeline",
        description="Weekly customer-satisfaction pipeline (CSAT, NPS, CES) on Dagster.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = commands.add_parser("run", parents=[paths], help="build one week (all assets)")
    run.add_argument(
        "--week", type=_monday, required=True, metavar="YYYY-MM-DD", help="the week's Monday"
    )
    run.add_argument(
        "--resend",
        action="store_true",
        help="e-mail the report even if this week's report went out before",
    )

    backfill = commands.add_parser(
        "backfill", parents=[paths], help="rebuild a range of weeks in one Dagster run"
    )
    backfill.add_argument("--from", dest="start", type=_monday, required=True, metavar="MONDAY")
    backfill.add_argument(
        "--to", dest="end", type=_monday, required=True, metavar="MONDAY", help="last week included"
    )

    demo = commands.add_parser(
        "demo", parents=[paths], help="generate demo exports and build their weeks"
    )
    demo.add_argument(
        "--dir",
        default="demo",
        type=Path,
        help="where the demo inbox, warehouse and reports go (default: ./demo)",
    )
    demo.add_argument("--weeks", type=int, default=8, help="weeks of data (default 8)")
    demo.add_argument(
        "--last-week", type=_monday, metavar="MONDAY", help="default: the last complete week"
    )

    ui = commands.add_parser("ui", parents=[paths], help="start the Dagster UI (dagster dev)")
    ui.add_argument("--port", type=int, default=3000)

    backup = commands.add_parser(
        "backup",
        parents=[paths],
        help="copy the warehouse consistently, waiting for the step of a run in progress",
    )
    backup.add_argument(
        "--to",
        type=Path,
        metavar="FILE",
        help="the copy (default: backups/<name>.<UTC time>.duckdb beside the warehouse)",
    )

    commands.add_parser(
        "status",
        parents=[paths],
        help="who holds the warehouse, since when, and whether that run's process is alive",
    )
    unlock = commands.add_parser(
        "unlock",
        parents=[paths],
        help="free the warehouse from a run whose process died (a live one is refused)",
    )
    unlock.add_argument(
        "--force",
        action="store_true",
        help="also free it from a run that cannot be checked from here (another machine, or "
        "a run of an older release): only when you know it is gone",
    )

    commands.add_parser("validate-config", parents=[paths], help="check satisfaction.yaml")
    inspect = commands.add_parser(
        "inspect",
        parents=[paths],
        help="read the inbox as the next run would, writing nothing: how each file reads",
    )
    inspect.add_argument(
        "--rows", type=int, default=3, metavar="N", help="rejected rows shown per file (3)"
    )

    themes = commands.add_parser(
        "themes", help="comment themes: learn them from labelled comments, measure detection"
    )
    theme_commands = themes.add_subparsers(dest="themes_command", required=True, metavar="ACTION")
    suggest = theme_commands.add_parser(
        "suggest",
        parents=[config_only],
        help="write the comments no theme explains to a spreadsheet to code, low scorers first, "
        "then those the model is least sure of",
    )
    suggest.add_argument(
        "--weeks",
        required=True,
        type=_weeks,
        metavar="MONDAY..MONDAY",
        help="built weeks, e.g. 2026-10-05..2026-11-23 (or one Monday)",
    )
    suggest.add_argument(
        "--out", required=True, type=Path, metavar="FILE", help="the spreadsheet (.xlsx)"
    )
    suggest.add_argument(
        "--limit", type=int, default=300, metavar="N", help="comments at most (300)"
    )
    suggest.add_argument(
        "--coded",
        type=Path,
        nargs="*",
        metavar="PATH",
        help="coding sheets (or folders) whose coded comments are not suggested again "
        "(default: the sheets in --out's folder)",
    )
    train = theme_commands.add_parser(
        "train",
        parents=[config_only],
        help="learn a theme model from hand-coded comments; prints its cross-validated scores",
    )
    train.add_argument(
        "--examples",
        required=True,
        type=Path,
        nargs="+",
        metavar="FILE",
        help="CSV/XLSX with a text column and theme column(s), SemEval ABSA XML, coding "
        "sheets of `themes suggest`, or folders of them",
    )
    train.add_argument(
        "--base",
        choices=["default", "default-encoder", "none"],
        help="learn the examples on top of a packaged model's corpus, or alone (default: "
        "`default` when every file is a coding sheet of `themes suggest`, else `none`)",
    )
    train.add_argument(
        "--out", required=True, type=Path, metavar="MODEL", help="model file to write"
    )
    train.add_argument(
        "--language",
        choices=["fr", "en", "auto"],
        default="auto",
        help="train on the French or English texts only, or on all (auto, the default)",
    )
    train.add_argument(
        "--folds", type=int, default=5, metavar="K", help="cross-validation folds (5; 0: none)"
    )
    train.add_argument(
        "--no-encoder",
        action="store_true",
        help="TF-IDF alone, without the sentence encoder: smaller and faster, less accurate",
    )
    evaluate = theme_commands.add_parser(
        "evaluate",
        parents=[paths],
        help="precision / recall / F1 per theme against hand-labelled comments",
    )
    evaluate.add_argument(
        "--gold",
        required=True,
        type=Path,
        metavar="FILE",
        help="labelled comments: CSV (comment, labels = theme:polarity;…), XLSX or SemEval XML",
    )
    for command in (train, evaluate):
        command.add_argument(
            "--text-column", metavar="NAME", help="the text column (default: found by its name)"
        )
        command.add_argument(
            "--theme-columns",
            metavar="NAME,…",
            type=lambda text: [c.strip() for c in text.split(",") if c.strip()],
            help="the theme columns (default: theme…, code…, label…, category…; else 0/1 columns)",
        )
    measured = evaluate.add_mutually_exclusive_group()
    measured.add_argument(
        "--taxonomy",
        type=Path,
        metavar="FILE",
        help="the patterns of a taxonomy YAML file (default: what the configuration tags with: "
        "the default model, its own theme_model, or patterns)",
    )
    measured.add_argument(
        "--model", type=Path, metavar="MODEL", help="a model written by `themes train`"
    )
    return parser


def _resolve(args: argparse.Namespace, defaults: dict[str, Path] | None = None) -> Paths:
    """Options win over the environment, which wins over `defaults`, then the built-in defaults."""
    for option, (variable, _) in ENVIRONMENT.items():
        value = getattr(args, option, None)
        if value:
            os.environ[variable] = str(value)
        elif defaults and option in defaults and not os.environ.get(variable):
            os.environ[variable] = str(defaults[option])
    paths = Paths.from_environment()
    paths.export()
    _dagster_home()
    return paths


def _dagster_home() -> Path:
    """DAGSTER_HOME (default ./.dagster), created with a minimal dagster.yaml if new."""
    home = Path(os.environ.setdefault("DAGSTER_HOME", str(Path(".dagster").resolve())))
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    if not config.exists():
        config.write_text(
            "# Local instance: runs and events in SQLite files here.\n"
            "telemetry:\n  enabled: false\n"
            "# One step at a time may open a DuckDB warehouse file (its duckdb_warehouse_* pool).\n"
            "concurrency:\n  pools:\n    default_limit: 1\n"
            "# With `satisfaction-pipeline ui` (its daemon): a run whose process died is failed\n"
            "# and its slot freed by dead_run_sensor within seconds; these are the fallback.\n"
            "run_monitoring:\n  enabled: true\n  start_timeout_seconds: 300\n"
            "  max_runtime_seconds: 7200\n  free_slots_after_run_end_seconds: 30\n"
            "  max_resume_run_attempts: 0\n  poll_interval_seconds: 30\n"
            "# Runs launched from the UI wait in a queue the daemon looks at every second (its\n"
            "# default, 5 s, added 2.5 s to each run on average).\n"
            "run_coordinator:\n  module: dagster._core.run_coordinator\n"
            "  class: QueuedRunCoordinator\n  config:\n    dequeue_interval_seconds: 1\n"
        )
    return home


def _settings(paths: Paths) -> Settings:
    return load_settings(paths.config)


def _check_weeks(
    settings: Settings, warehouse: Path, first: dt.date, last: dt.date, today: dt.date
) -> None:
    from satisfaction_pipeline.config.first_week import first_week

    if last < first:
        raise UserError(f"--to {last} is before --from {first}")
    start = first_week(settings.first_week, warehouse, today)
    if first < start and settings.first_week is not None:
        raise UserError(
            f"week {first} is before first_week ({start}) in the config: set first_week: "
            f"{first} to report it"
        )
    if first < start:
        raise UserError(
            f"week {first} is before the earliest week with responses loaded ({start}); run the "
            "latest week first to load the inbox's exports (older weeks then exist), or set "
            "first_week in the config"
        )
    this_week = today - dt.timedelta(days=today.weekday())
    if last >= this_week:
        raise UserError(
            f"week {last} has not ended yet; the last complete week is "
            f"{this_week - dt.timedelta(weeks=1)}"
        )


def execute_weeks(
    first: dt.date,
    last: dt.date,
    tags: dict[str, str] | None = None,
    log_level: str = "WARNING",
    resend: bool = False,
):
    """Run the weekly job over [first, last] as ONE Dagster run; returns the run result."""
    import dagster as dg

    from satisfaction_pipeline.definitions import load_definitions
    from satisfaction_pipeline.defs.warehouse_pool import (
        Process,
        ensure_one_writer,
        wait_for_warehouse,
    )
    from satisfaction_pipeline.redact.names import start_reader

    start_reader()  # its models load on another core meanwhile (the run's resource reuses it)
    job = load_definitions().resolve_job_def(JOB_NAME)
    run_tags = dict(tags or {}) | Process.current().tags()  # this process runs it
    if first == last:
        partition_key = first.isoformat()
    else:
        partition_key = None
        run_tags |= {
            "dagster/asset_partition_range_start": first.isoformat(),
            "dagster/asset_partition_range_end": last.isoformat(),
        }
    with dg.DagsterInstance.get() as instance:
        ensure_one_writer(instance)  # a run started meanwhile waits for the warehouse
        wait_for_warehouse(instance, lambda text: print(text, file=sys.stderr))
        run_config: dict = {"loggers": {"console": {"config": {"log_level": log_level}}}}
        if resend:
            run_config["ops"] = {"report_email": {"config": {"resend": True}}}
        return job.execute_in_process(
            run_config=run_config,
            instance=instance,
            partition_key=partition_key,
            tags=run_tags,
            raise_on_error=False,
        )


def _backup(to: Path | None) -> int:
    """Run warehouse_backup_job, a step of the warehouse pool, and say where the copy is."""
    import dagster as dg

    from satisfaction_pipeline.definitions import load_definitions
    from satisfaction_pipeline.defs.warehouse_pool import ensure_one_writer, wait_for_warehouse

    job = load_definitions().resolve_job_def("warehouse_backup_job")
    with dg.DagsterInstance.get() as instance:
        ensure_one_writer(instance)
        wait_for_warehouse(instance, lambda text: print(text, file=sys.stderr))
        result = job.execute_in_process(
            run_config={
                "ops": {"back_up_warehouse": {"config": {"to": str(to or "")}}},
                "loggers": {"console": {"config": {"log_level": "WARNING"}}},
            },
            instance=instance,
            tags={"satisfaction/trigger": "cli-backup"},
            raise_on_error=False,
        )
    if not result.success:
        raise UserError(f"backup run {result.run_id} failed — {_failure_message(result)}")
    print(f"warehouse copied to {result.output_for_node('back_up_warehouse')}")
    return 0


def _status(paths: Paths) -> int:
    """The warehouse file, its last backup, who holds it and the runs still marked running."""
    import dagster as dg

    from satisfaction_pipeline.defs.warehouse_pool import holders, waiting_runs
    from satisfaction_pipeline.warehouse import latest_backup

    file = paths.warehouse
    if file.exists():
        changed = dt.datetime.fromtimestamp(file.stat().st_mtime, dt.UTC)
        print(f"warehouse: {file} ({file.stat().st_size / 1e6:.1f} MB, "
              f"written {changed:%Y-%m-%d %H:%M} UTC)")  # fmt: skip
    else:
        print(f"warehouse: {file} (not created yet)")
    backup = latest_backup(file)
    print(f"last backup: {backup if backup else 'none (satisfaction-pipeline backup)'}")
    with dg.DagsterInstance.get() as instance:
        held, waiting = holders(instance), waiting_runs(instance)
    print("held by: " + ("nobody" if not held else ""))
    for run in held:
        print(f"  {run.describe()}")
    if waiting:
        print("runs marked running that do not hold it:")
        for run in waiting:
            print(f"  {run.describe()}")
    if any(run.alive is False for run in [*held, *waiting]):
        print(
            "a run's process is gone: `satisfaction-pipeline unlock` marks it failed and frees it"
        )
    return 0


def _unlock(force: bool) -> int:
    """Release the runs whose process is gone; refuse a live holder, and one that cannot be
    checked from here unless `force`."""
    import dagster as dg

    from satisfaction_pipeline.defs.warehouse_pool import dead_runs, holders, release

    with dg.DagsterInstance.get() as instance:
        dead = dead_runs(instance)
        unchecked = [h for h in holders(instance) if h.alive is None]
        live = [h for h in holders(instance) if h.alive]
        for holder in dead + (unchecked if force else []):
            print(f"released {release(instance, holder, 'satisfaction-pipeline unlock')}")
    for holder in live:
        print(f"not released: {holder.describe()} — it is working; wait for it, or stop it "
              f"first (kill {holder.process.pid})", file=sys.stderr)  # fmt: skip
    for holder in [] if force else unchecked:
        print(f"not released: {holder.describe()} — if you know it is gone, run "
              "`satisfaction-pipeline unlock --force`", file=sys.stderr)  # fmt: skip
    if not (dead or live or unchecked):
        print("nothing holds the warehouse, and no run is left marked running")
    return 1 if live or (unchecked and not force) else 0


def _failure_message(result) -> str:
    for event in result.all_events:
        if event.is_step_failure and event.step_failure_data:
            error = event.step_failure_data.error
            user = getattr(event.step_failure_data, "user_failure_data", None)
            text = (user.description if user and user.description else None) or (
                error.message.strip() if error else "unknown error"
            )
            return f"step {event.step_key} failed: {text}"
    return "the run failed (see the Dagster UI for its logs)"


def _build(
    paths: Paths, first: dt.date, last: dt.date, tags: dict[str, str], resend: bool = False
) -> int:
    from satisfaction_pipeline.progress import shown

    settings = _settings(paths)
    _check_weeks(settings, paths.warehouse, first, last, dt.date.today())
    weeks = [first + dt.timedelta(weeks=k) for k in range((last - first).days // 7 + 1)]
    # a year's backfill takes minutes: a bar in a terminal, a line per step in a log
    with shown(len(weeks)) if len(weeks) > 1 else contextlib.nullcontext():
        result = execute_weeks(first, last, tags, resend=resend)
    if not result.success:
        raise UserError(f"run {result.run_id} failed — {_failure_message(result)}")
    print(f"run {result.run_id} succeeded ({len(weeks)} week(s)). Reports:")
    for week in weeks:
        folder = paths.reports / week.isoformat()
        print(f"  {folder / 'report.pdf'}\n  {folder / 'report.html'}")
    _print_theme_changes(result)
    _print_email_outcomes(result)
    return 0


def _print_email_outcomes(result) -> None:
    """Each week's e-mail outcome; weeks that share one (a backfill: not sent) on one line."""
    weeks_of: dict[str, list[str]] = {}
    for materialization in result.asset_materializations_for_node("report_email"):
        if (outcome := materialization.metadata.get("outcome")) is not None:
            weeks_of.setdefault(outcome.value, []).append(materialization.partition)
    for outcome, weeks in weeks_of.items():
        span = weeks[0] if len(weeks) == 1 else f"{len(weeks)} weeks, {weeks[0]} to {weeks[-1]}"
        print(f"E-mail {span}: {outcome}")


def _print_theme_changes(result) -> None:
    """The weeks whose themes the run tagged otherwise than before (a new model, taxonomy or
    late export), from comment_themes' metadata."""
    import polars as pl

    from satisfaction_pipeline.themes.detect import CHANGES_SCHEMA, describe_changes

    # the run's, on each week's materialization: the first says it all
    for materialization in result.asset_materializations_for_node("comment_themes")[:1]:
        if (entry := materialization.metadata.get("run_theme_changes")) is None or not entry.value:
            continue
        rows = pl.DataFrame(entry.value).with_columns(pl.col("week").str.to_date())
        if lines := describe_changes(
            rows.select(pl.col(c).cast(t) for c, t in CHANGES_SCHEMA.items())
        ):
            print("Themes tagged otherwise than before (marts.theme_changes):")
            print("\n".join(f"  {line}" for line in lines))


def _demo(args: argparse.Namespace) -> int:
    from satisfaction_pipeline.demo_data import generate_demo, last_complete_week

    base = args.dir.resolve()
    paths = _resolve(
        args,
        {
            "inbox": base / "inbox",
            "warehouse": base / "warehouse.duckdb",
            "reports": base / "reports",
        },
    )
    last = args.last_week or last_complete_week(dt.date.today())
    manifest = generate_demo(paths.inbox, last, weeks=args.weeks)
    print(f"demo: {len(manifest.files)} export files for {args.weeks} weeks in {paths.inbox}")
    return _build(paths, manifest.weeks[0], manifest.weeks[-1], {"satisfaction/trigger": "demo"})


def _check_inbox(paths: Paths, settings: Settings) -> int:
    """The configuration against the inbox's exports, when there are some: patterns that
    overlap, columns a source's newest export lacks."""
    from satisfaction_pipeline.ingest.inbox import check_inbox

    problems, notes = check_inbox(settings, paths.inbox)
    for note in notes:
        print(f"note: {note}")
    if problems:
        for problem in problems:
            print(f"error: {problem}", file=sys.stderr)
        return 1
    print(
        f"{paths.config}: OK — {len(settings.sources)} source(s): "
        f"{', '.join(s.name for s in settings.sources)}"
    )
    return 0


def _inspect(paths: Paths, shown: int) -> int:
    """Print how every inbox file reads against its source; exit 1 if any cannot be read."""
    from satisfaction_pipeline.ingest.inbox import IngestError, read_inbox

    settings = _settings(paths)
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    try:
        inbox = read_inbox(settings, paths.inbox, now)
    except IngestError as exc:
        raise UserError(str(exc)) from None
    for read in inbox.reads:
        print(f"{read.name}  (source {read.source.name})")
        if read.status == "failed":
            print(f"  cannot be read: {read.detail}")
            continue
        if read.result is None:  # a copy of another file: not read again
            print(f"  {read.detail}: its rows would all be duplicates")
            continue
        result = read.result
        layout = f"{read.format}, {read.encoding or 'binary'}"
        layout += f", delimiter {read.delimiter!r}" if read.delimiter else ""
        excluded = (
            result.excluded.group_by("reason").len().sort("len", "reason", descending=[True, False])
        )
        why = ", ".join(f"{reason} {count}" for reason, count in excluded.iter_rows())
        print(
            f"  {layout} · {result.rows_read} rows: {result.responses.height} responses, "
            f"{result.rejected.height} rejected, {result.duplicates} duplicate(s) in the file"
            + (f", {result.excluded.height} excluded ({why})" if why else "")
        )
        rejected = result.rejected.select("row_number", "reason").head(shown)
        for row, reason in rejected.iter_rows():
            print(f"    row {row}: {reason}")
        if result.rejected.height > shown:
            print(f"    … and {result.rejected.height - shown} more")
        answers = result.rejected_answers
        if not answers.is_empty():
            print(f"  {answers.height} answer(s) set aside, their rows kept:")
            for row, reason in answers.select("row_number", "reason").head(shown).iter_rows():
                print(f"    row {row}: {reason}")
        copies = result.duplicate_rows.select("row_number", "kept_row", "differs").iter_rows()
        for row, kept, _ in [c for c in copies if c[2]][:shown]:
            print(
                f"    row {row}: the response id of row {kept}, other answers (row {kept} counts)"
            )
    for name in inbox.unmatched:
        print(f"{name}  matched by no source pattern: would not be loaded")
    weeks = sorted(
        week
        for read in inbox.reads
        if read.result is not None
        for week in read.result.responses.get_column("week").to_list()
    )
    if weeks and settings.first_week is not None and weeks[0] < settings.first_week:
        before = sum(week < settings.first_week for week in weeks)
        print(
            f"{before} responses are in weeks before first_week ({settings.first_week}): they "
            f"would be loaded and kept; set first_week: {weeks[0]} in the config to report them"
        )
    failed = sum(read.status == "failed" for read in inbox.reads)
    print(f"{len(inbox.reads)} file(s) read, {failed} cannot be read, nothing written.")
    return 1 if failed else 0


def _ui(args: argparse.Namespace) -> int:
    paths = _resolve(args)
    _settings(paths)  # fail here, readably, rather than in the UI's code-location error
    import dagster as dg

    from satisfaction_pipeline.defs.warehouse_pool import ensure_one_writer

    with dg.DagsterInstance.get() as instance:
        ensure_one_writer(instance)  # a UI backfill during a run waits for the warehouse
    workspace = Path(__file__).resolve().parents[1] / "workspace.yaml"
    command = [sys.executable, "-m", "dagster", "dev", "-w", str(workspace), "-p", str(args.port)]
    os.execvp(command[0], command)
    return 0  # not reached


def _train_themes(paths: Paths, args: argparse.Namespace) -> int:
    """Cross-validate, then fit on all the examples (alone, or on top of a packaged model's
    corpus) and write the model; then say what satisfaction.yaml needs to use it."""
    from satisfaction_pipeline.themes.examples import (
        ExamplesError,
        keep_language,
        read_all_examples,
    )
    from satisfaction_pipeline.themes.model import ModelError

    out: Path = args.out
    if out.is_dir() or not os.access(_existing_parent(out), os.W_OK):
        raise UserError(f"--out {out}: cannot write a model file there")
    try:
        examples = read_all_examples(args.examples, args.text_column, args.theme_columns)
        examples = keep_language(examples, args.language)
        print(examples.summary())
        base = args.base or ("default" if examples.coding else "none")
        started = time.perf_counter()
        if base == "none":
            model = _train_alone(examples, args)
        else:
            model = _train_on(base, examples, args.folds)
        model.save(out)
    except (ExamplesError, ModelError) as exc:
        raise UserError(str(exc)) from None
    except OSError as exc:
        raise UserError(f"--out {out}: cannot write the model ({exc.strerror})") from None
    print(
        f"\nModel: {out} ({out.stat().st_size / 1e6:.1f} MB, {len(model.themes)} themes, "
        f"trained in {time.perf_counter() - started:.1f} s)"
    )
    _say_how_to_use(paths, model, out)
    return 0


def _train_alone(examples, args: argparse.Namespace):
    from satisfaction_pipeline.themes.evaluation import Scores, format_scores
    from satisfaction_pipeline.themes.model import (
        Recipe,
        check_trainable,
        cross_validate,
        describe,
        format_cross_validation,
        train,
    )

    check_trainable(examples.items)
    if not examples.has_polarity():
        print(
            "note: no theme has a polarity (theme:complaint, …): the model's themes will all "
            "be neutral, and only complaints rank in the action list"
        )
    recipe = Recipe(encoder=not args.no_encoder)
    cross_validation = None
    if args.folds:
        started = time.perf_counter()
        result = cross_validate(examples, recipe, folds=args.folds)
        print(
            f"\n{args.folds}-fold cross-validation (folds keep a group's texts together), "
            f"{time.perf_counter() - started:.0f} s; the table pools the folds' predictions:"
        )
        print(format_scores(Scores.of(result.per_theme, result.pooled(), len(examples.items))))
        print(format_cross_validation(result))
        cross_validation = result.summary()
    model = train(examples, recipe)
    describe(model, examples, cross_validation)
    return model


def _train_on(base: str, examples, folds: int):
    from satisfaction_pipeline.themes.coding import learn_codes

    print(
        f"\nLearning the {len(examples.items)} coded comments on top of the `{base}` model's "
        f"corpus{f', measured first over {folds} folds' if folds else ''} (about "
        f"{(folds + 1) * 15} s)…"
    )
    learned = learn_codes(examples, base, folds)
    if learned.before and learned.after:
        print(
            f"On the coded comments, each read by a model trained without it ({learned.folds} "
            f"folds): theme F1 {learned.before['theme_f1']:.2f} with `{base}` → "
            f"{learned.after['theme_f1']:.2f}; complaint F1 {learned.before['complaint_f1']:.2f}"
            f" → {learned.after['complaint_f1']:.2f}. (They were chosen where `{base}` reads "
            "worst: `themes evaluate --gold` on comments coded at random says more.)"
        )
    elif folds:
        print("not measured: fewer coded groups than folds (--folds 0 skips it)")
    return learned.model


def _say_how_to_use(paths: Paths, model, out: Path) -> None:
    """The lines of satisfaction.yaml that use the model, with the themes the taxonomy does not
    describe yet (validate-config refuses them until they are)."""
    from satisfaction_pipeline.config.taxonomy import default_taxonomy
    from satisfaction_pipeline.themes.coding import new_themes, taxonomy_lines

    try:
        taxonomy = _settings(paths).theme_taxonomy(paths.config.parent)
        where = paths.config
    except (ConfigError, TaxonomyError):
        taxonomy, where = default_taxonomy(), None
    try:
        model_file = str(out.resolve().relative_to(paths.config.parent))
    except ValueError:
        model_file = str(out.resolve())
    new = new_themes(model.themes, taxonomy)
    print(f"\nTo tag with it, in {where or 'satisfaction.yaml'}:" + (
        f" ({len(new)} new theme(s) to describe: owner, labels, description, action)"
        if new else ""
    ))  # fmt: skip
    print(taxonomy_lines(new, model.names, model_file))


def _suggest_themes(paths: Paths, args: argparse.Namespace) -> int:
    """Write the comments of the weeks that no theme explains, not coded before, to a coding
    sheet, low scorers first, then those the model is least sure of."""
    import duckdb
    import polars as pl

    from satisfaction_pipeline.redact import redacted_all
    from satisfaction_pipeline.redact.names import start_reader
    from satisfaction_pipeline.themes.coding import candidates, suggest, themed_weeks, write_sheet
    from satisfaction_pipeline.themes.detect import learned_themes
    from satisfaction_pipeline.themes.examples import ExamplesError, coded_in

    first, last = args.weeks
    out: Path = args.out
    if out.suffix.lower() != ".xlsx":
        raise UserError(f"--out {out}: a coding sheet is an .xlsx file")
    if out.is_dir() or not os.access(_existing_parent(out), os.W_OK):
        raise UserError(f"--out {out}: cannot write there")
    start_reader()  # the names in comments are redacted: its model loads meanwhile
    settings = _settings(paths)
    taxonomy = settings.theme_taxonomy(paths.config.parent)
    learned = learned_themes(settings, taxonomy, paths.config.parent)
    try:
        coded = coded_in(args.coded if args.coded is not None else [out.parent])
    except ExamplesError as exc:
        raise UserError(str(exc)) from None
    if learned is not None:
        coded |= set(learned.model.header.get("coded", []))
    if not paths.warehouse.is_file():
        raise UserError(f"{paths.warehouse}: no warehouse yet (run a week first)")
    try:
        conn = duckdb.connect(str(paths.warehouse), read_only=True)
    except duckdb.IOException as exc:
        raise UserError(
            f"{paths.warehouse} cannot be read now ({exc}): a run is writing it; try again "
            "when it ends (satisfaction-pipeline status says who holds it)"
        ) from None
    with conn:
        built = themed_weeks(conn, first, last)
        if not built:
            raise UserError(
                f"no week from {first} to {last} has its themes built: run or backfill them first"
            )
        found = candidates(conn, first, last, coded)
    redacted = redacted_all(list(zip(found["text"], found["customer_ref"], strict=True)))
    found = found.with_columns(text=pl.Series(redacted, dtype=pl.String)).drop("customer_ref")
    rows = suggest(found, learned.model if learned else None, args.limit)
    title = f"Comments to code, weeks {first} to {last} ({len(built)} built)"
    write_sheet(rows, taxonomy, settings.report.language, out, title)
    low = found.filter(found["band"] == 0).height
    print(
        f"{found.height} comments of {len(built)} built week(s) no theme explains "
        f"({low} from low scorers), {len(coded)} coded before left out.\n"
        f"Wrote the {rows.height}, low scorers first, then those the model is least sure of, "
        f"to {out}: code 'theme 1' and 'polarity 1' (a drop-down), as many as you can from the "
        "top; then\n"
        f"  satisfaction-pipeline themes train --examples {out} --out models/coded.npz"
    )
    return 0


def _existing_parent(path: Path) -> Path:
    """The nearest folder of `path` that exists (the model's folders are created)."""
    for folder in path.absolute().parents:
        if folder.exists():
            return folder
    return Path("/")


def _evaluate_themes(paths: Paths, args: argparse.Namespace) -> int:
    """Print per-theme and micro-averaged scores of what the configuration tags with (the
    default model, its own, or patterns), a taxonomy's patterns or a model, on a gold file."""
    from satisfaction_pipeline.themes.detect import learned_themes
    from satisfaction_pipeline.themes.evaluation import (
        GoldError,
        engine_predictor,
        evaluate,
        format_scores,
        read_gold,
        taxonomy_predictor,
        unknown_themes,
    )
    from satisfaction_pipeline.themes.model import ModelError, load_model

    gold, taxonomy_file, model_file = args.gold, args.taxonomy, args.model
    if not gold.is_file():
        raise UserError(f"{gold}: gold file not found")
    try:
        if model_file is not None:
            model = load_model(model_file)
            themes, predict, against = model.themes, model.predict, f"the model {model_file}"
        elif taxonomy_file is not None:
            taxonomy = read_taxonomy(taxonomy_file)
            themes = [t.id for t in taxonomy.themes]
            predict, against = taxonomy_predictor(taxonomy), "the taxonomy"
        else:
            settings = _settings(paths)
            taxonomy = settings.theme_taxonomy(paths.config.parent)
            learned = learned_themes(settings, taxonomy, paths.config.parent)
            themes = [t.id for t in taxonomy.themes]
            predict, against = engine_predictor(taxonomy, learned), "the taxonomy"
        labelled = read_gold(gold, args.text_column, args.theme_columns)
    except (GoldError, ModelError, TaxonomyError) as exc:
        raise UserError(str(exc)) from None
    if warning := unknown_themes(labelled, set(themes), against):
        print(f"warning: {warning}", file=sys.stderr)
    print(format_scores(evaluate(labelled, predict, themes)))
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "demo":
            return _demo(args)
        if args.command == "ui":
            return _ui(args)
        paths = _resolve(args)
        if args.command == "validate-config":
            from satisfaction_pipeline.themes.detect import check_detection, learned_themes
            from satisfaction_pipeline.themes.tagger import check_taxonomy

            settings = _settings(paths)
            taxonomy = settings.theme_taxonomy(paths.config.parent)
            check_taxonomy(taxonomy)
            check_detection(taxonomy, learned_themes(settings, taxonomy, paths.config.parent))
            return _check_inbox(paths, settings)
        if args.command == "inspect":
            return _inspect(paths, args.rows)
        if args.command == "themes" and args.themes_command == "train":
            return _train_themes(paths, args)
        if args.command == "themes" and args.themes_command == "suggest":
            return _suggest_themes(paths, args)
        if args.command == "themes":
            return _evaluate_themes(paths, args)
        if args.command == "backup":
            return _backup(args.to)
        if args.command == "status":
            return _status(paths)
        if args.command == "unlock":
            return _unlock(args.force)
        if args.command == "run":
            tags = {"satisfaction/trigger": "cli"}
            return _build(paths, args.week, args.week, tags, resend=args.resend)
        return _build(paths, args.start, args.end, {"satisfaction/trigger": "cli-backfill"})
    except (ConfigError, TaxonomyError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except UserError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


def entry() -> None:
    """The console script: `main`, then an exit that skips the interpreter's teardown. Freeing
    one by one what a run imported and built took 1.3 s of a 14 s weekly run; by then every
    file is written and renamed, every connection closed, and the exit handlers have run."""
    code = [1]  # an exception escaping main prints its traceback, then exits with 1
    atexit.register(lambda: _exit_now(code[0]))  # registered first: runs after all others
    try:
        code[0] = main()
    except SystemExit as exc:  # argparse: 0 after --help, 2 for a wrong command line
        code[0] = exc.code if isinstance(exc.code, int) else int(exc.code is not None)
        raise
    except KeyboardInterrupt:
        code[0] = 130
        raise
    sys.exit(code[0])


def _exit_now(code: int) -> None:
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    entry()
