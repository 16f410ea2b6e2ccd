"""The assessment against the reading of its rules, many seeds: ``python -m bench assessment [--seeds 500]
[--first 0] [--matters 40] [--database URL --http-seeds 50 --http-matters 6]``.

Core (always): each seed's random history (tests/core/assessment_histories.py) reported by
``huiyin.core.assessment`` and by ``tests/core/assessment_reference.py`` (written from docs/assessment.md) for
February at its end and months later, March while it goes on and the year, every figure compared
(tests/core/test_assessment_reference.py's check, the suite runs 30 seeds of 30 matters). With ``--database``
(``sqlite`` for a temporary file, or a PostgreSQL URL whose database is used as it is: give an empty one), also
``--http-seeds`` seeds POSTed through an embedded server with its clock moved and ``GET /api/reports/assessment``
compared (tests/api/assessment_play.py; the suite runs 20 seeds of 6 matters on each database). Prints each failing
seed with its first differences and exits non-zero if any failed.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def core(first: int, seeds: int, matters: int) -> list[int]:
    sys.path.insert(0, str(ROOT))
    from tests.core import test_assessment_reference as t

    failed = []
    started = time.perf_counter()
    for seed in range(first, first + seeds):
        try:
            t.check_seed(seed, matters)
        except AssertionError as exc:
            failed.append(seed)
            print(f"core seed {seed}: {str(exc)[:2000]}")
        if (seed - first + 1) % 50 == 0:
            print(f"  core: {seed - first + 1} seeds, {len(failed)} failed, {time.perf_counter() - started:.0f} s")
            sys.stdout.flush()
    return failed


def http(database: str, first: int, seeds: int, matters: int) -> list[int]:
    sys.path.insert(0, str(ROOT))
    from huiyin.core.clock import ManualClock
    from huiyin.server.serving.embedded import EmbeddedServer
    from tests.api.assessment_play import play_seed, prepare
    from tests.conftest import FROZEN_NOW
    from tests.helpers import Api

    failed = []
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench-assessment.db" if database == "sqlite" else database
        srv = EmbeddedServer(url, ManualClock(FROZEN_NOW), sample=True, supervise_seconds=3600)
        srv.start()
        try:
            with Api(srv.base_url) as api:
                mapping, units = prepare(api)
                started = time.perf_counter()
                for seed in range(first, first + seeds):
                    try:
                        play_seed(srv, api, mapping, units, 1000 + seed, matters)
                    except AssertionError:
                        failed.append(seed)
                        print(f"http seed {seed}: {traceback.format_exc(limit=1)[-2000:]}")
                    if (seed - first + 1) % 10 == 0:
                        print(f"  http: {seed - first + 1} seeds, {len(failed)} failed, "
                              f"{time.perf_counter() - started:.0f} s")
                        sys.stdout.flush()
        finally:
            srv.stop()
    return failed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench assessment", description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=500, help="core seeds (default 500)")
    parser.add_argument("--first", type=int, default=0, help="the first seed (default 0)")
    parser.add_argument("--matters", type=int, default=40, help="matters per core history (default 40)")
    parser.add_argument("--database", help="also through a server: 'sqlite' or a PostgreSQL URL")
    parser.add_argument("--http-seeds", type=int, default=50, help="seeds through the server (default 50)")
    parser.add_argument("--http-matters", type=int, default=6, help="matters per server history (default 6)")
    args = parser.parse_args(argv)
    t0 = time.perf_counter()
    failed = core(args.first, args.seeds, args.matters)
    print(f"core: {args.seeds} seeds of {args.matters} matters, {len(failed)} failed {failed[:20]}, "
          f"{time.perf_counter() - t0:.0f} s")
    if args.database:
        t0 = time.perf_counter()
        bad = http(args.database, args.first, args.http_seeds, args.http_matters)
        print(f"http ({args.database.split('@')[-1]}): {args.http_seeds} seeds of {args.http_matters} matters, "
              f"{len(bad)} failed {bad[:20]}, {time.perf_counter() - t0:.0f} s")
        failed += bad
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
