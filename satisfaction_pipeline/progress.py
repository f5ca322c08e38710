"""How far a run has got, for whoever shows it. A step says when it has finished some of its
weeks (`weeks_done`); the command line, whose runs execute their steps in its own process, shows
it (`shown`): a progress bar in a terminal, plain lines in a log. In a run the UI launched
nobody listens, and saying costs nothing."""

from __future__ import annotations

import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TextIO

Listener = Callable[[str, int], None]
_listeners: list[Listener] = []

# A week's share of each step, from a year's backfill (bench/backfill.py): the report is most of
# it, the themes next. The estimate of what is left rests on them.
STEP_WEIGHTS = {
    "survey_files": 1.0,
    "responses": 1.0,
    "weekly_scores": 1.0,
    "comment_themes": 4.0,
    "action_list": 2.0,
    "score_movement": 1.0,
    "weekly_report": 6.0,
    "report_email": 0.1,
}


def weeks_done(step: str, weeks: int) -> None:
    """`step` has finished `weeks` more of its weeks."""
    for listener in _listeners:
        listener(step, weeks)


@contextmanager
def listening(listener: Listener) -> Iterator[None]:
    _listeners.append(listener)
    try:
        yield
    finally:
        _listeners.remove(listener)


@contextmanager
def shown(weeks: int, out: TextIO | None = None) -> Iterator[None]:
    """Show the progress of a run over `weeks` weeks: a bar with the elapsed time and an
    estimate of what is left when `out` is a terminal, else a line per finished step."""
    out = out or sys.stdout
    total = weeks * sum(STEP_WEIGHTS.values())
    done: Counter[str] = Counter()
    if out.isatty():
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            Progress,
            TaskProgressColumn,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        columns = (
            TextColumn("{task.description:<32}"),
            BarColumn(),
            TaskProgressColumn(),
            TimeElapsedColumn(),
            TextColumn("left"),
            TimeRemainingColumn(),
        )
        with Progress(*columns, console=Console(file=out)) as bar:
            task = bar.add_task(f"{weeks} weeks: starting", total=total)

            def advance(step: str, finished: int) -> None:
                done[step] += finished
                bar.update(
                    task,
                    advance=finished * STEP_WEIGHTS.get(step, 0.0),
                    description=f"{step}: {min(done[step], weeks)}/{weeks} weeks",
                )

            with listening(advance):
                yield
        return
    started = time.monotonic()

    def line(step: str, finished: int) -> None:
        done[step] += finished
        if done[step] < weeks:
            return
        elapsed = time.monotonic() - started
        share = sum(STEP_WEIGHTS.get(s, 0.0) * min(n, weeks) for s, n in done.items()) / total
        left = elapsed / share - elapsed if share else 0.0
        print(
            f"progress: {step} done for {weeks} weeks, {share:.0%} of the run, "
            f"{_duration(elapsed)} elapsed, about {_duration(left)} left",
            file=out,
            flush=True,
        )

    with listening(line):
        yield


def _duration(seconds: float) -> str:
    minutes, seconds = divmod(round(seconds), 60)
    return f"{minutes} min {seconds:02d} s" if minutes else f"{seconds} s"
