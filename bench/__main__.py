"""``python -m bench [--quick]``: every figure of issue 10, on SQLite and PostgreSQL, on this machine.

``python -m bench assessment [--seeds 500] ...`` runs instead the assessment's long property check
(``bench.assessment``: the report against a reading of docs/assessment.md, many seeds; ``--help`` for its options).

Starts what it needs (embedded servers on temporary SQLite files and fresh PostgreSQL databases, dropped
afterwards) and stops it. ``--quick`` stores 110,000 matters on SQLite (the workbench's 100k queue and some
history) and 60,000 on PostgreSQL instead of 1,000,000 each, to take about two minutes with every section on an
idle 2-core machine. Sections: ``bench.scale`` (queue pages, counts, search, supervision, the workbench on a
100k queue) and, when present, ``bench.feed`` (the live feed) and ``bench.writes`` (record and claim); each is a
module with ``run(quick: bool) -> list[str]`` returning markdown lines. The figures and the goals they meet or
miss are kept in ``bench/RESULTS.md``.
"""

from __future__ import annotations

import argparse
import importlib
import os
import platform
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

SECTIONS = ("bench.scale", "bench.feed", "bench.writes")


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = " / ".join(f"{x:.1f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "?"
    return (f"Machine: {cpu}, {os.cpu_count()} cores, {platform.system()} {platform.release()}, "
            f"Python {platform.python_version()}; {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; "
            f"load average {load} (1/5/15 min) at the start")


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["assessment"]:
        from bench import assessment

        return assessment.main(argv[1:])
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="110k / 60k matters instead of 1M: about two minutes")
    parser.add_argument("--only", action="append", choices=[s.rsplit(".", 1)[1] for s in SECTIONS],
                        help="run only this section (repeatable)")
    args = parser.parse_args(argv)
    print(machine())
    print()
    started = time.perf_counter()
    for name in SECTIONS:
        if args.only and name.rsplit(".", 1)[1] not in args.only:
            continue
        try:
            section = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            print(f"({name}: not present)")
            continue
        t0 = time.perf_counter()
        print("\n".join(section.run(args.quick)))
        print(f"({name}: {time.perf_counter() - t0:.0f} s)")
        print()
        sys.stdout.flush()
    print(f"total {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
