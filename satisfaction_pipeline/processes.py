"""The helper processes a step starts (the names reader, the theme model's readers, the report's
renderers): how many the machine gives it, and that none outlives the process that started it."""

from __future__ import annotations

import os
import threading
import time


def usable_cores() -> int:
    """The cores this process may run on: a container's or a taskset's share, where the
    platform says it (Linux), not the host's count."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def end_with_parent(parent: int) -> None:
    """End this process when `parent` does: a run killed mid-step (or a crashed UI process)
    must not leave its helper processes behind, holding their models' memory."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1)
        os._exit(0)

    threading.Thread(target=watch, daemon=True, name="end-with-parent").start()
