"""What this machine's CPUs offer the prebuilt engine: the instructions it needs, and how busy they are."""

from __future__ import annotations

import time
from pathlib import Path

CPUINFO = Path("/proc/cpuinfo")


def missing_cpu_feature(cpuinfo: Path | None = None) -> str | None:
    """The CPU feature the prebuilt engine needs and this machine lacks ("avx2"), or None.

    None too where there is no /proc/cpuinfo to tell (not Linux): the engine's own loader decides there.
    """
    try:
        text = (cpuinfo or CPUINFO).read_text("ascii", "replace")
    except OSError:
        return None
    flags = next(
        (line.split(":", 1)[1].split() for line in text.splitlines() if line.startswith("flags")), None
    )
    if flags is None:
        return None
    return None if "avx2" in flags else "avx2"


def _cpu_times() -> tuple[int, int] | None:
    """(idle, total) jiffies of all CPUs from /proc/stat, or None where there is no such file."""
    try:
        with open("/proc/stat", encoding="ascii") as fh:
            fields = [int(x) for x in fh.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    if len(fields) < 5:
        return None
    return fields[3] + fields[4], sum(fields[:8])


def cpus_idle(window: float = 0.3, busy_limit: float = 0.15) -> bool:
    """Whether the machine's CPUs are almost idle right now (under `busy_limit` busy over `window` s)."""
    before = _cpu_times()
    if before is None:
        return False
    time.sleep(window)
    after = _cpu_times()
    if after is None or after[1] <= before[1]:
        return False
    busy = 1 - (after[0] - before[0]) / (after[1] - before[1])
    return busy < busy_limit
