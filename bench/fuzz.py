"""Fuzz the HTTP API with schemathesis against a real server: ``python -m bench.fuzz [--examples N] [--database URL]``.

Starts a server on the sample district (a temporary SQLite file, or a fresh database at ``--database``), logs in
as a clerk and as the admin, and runs ``st run`` on ``/openapi.json`` once with each token, checking that no
answer is a 5xx (``not_a_server_error``) and that every status code is documented in the OpenAPI document
(``status_code_conformance``). Prints the number of cases and exits non-zero on any failure. Left out:
``/api/events`` (a stream that never ends by itself) and ``/api/auth/logout`` (it would end the token).

The suite runs a smaller, fixed-seed version of this (tests/api/test_fuzz.py, still over 1,000 cases).
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
CHECKS = "not_a_server_error,status_code_conformance"
EXCLUDE = r"/api/events|/api/auth/logout"
USERS = ("shuanghu", "admin")


@dataclass
class FuzzResult:
    cases: int
    ok: bool
    output: str


def fuzz(base_url: str, examples: int, seed: int | None = None, workdir: Path | None = None) -> FuzzResult:
    """One ``st run`` per user; the counts are summed, the outputs joined."""
    from huiyin.server.district.sample import SAMPLE_PASSWORD

    st = Path(sys.executable).with_name("st")
    total, ok, outputs = 0, True, []
    tokens = {}
    for user in USERS:  # all logins first: fuzzing the login route soon throttles this address (429)
        login = httpx.post(f"{base_url}/api/auth/login", json={"username": user, "password": SAMPLE_PASSWORD})
        login.raise_for_status()
        tokens[user] = login.json()["token"]
    for user, token in tokens.items():
        cmd = [str(st), "run", f"{base_url}/openapi.json", "-H", f"Authorization: Bearer {token}",
               "--checks", CHECKS, "--max-examples", str(examples), "--exclude-path-regex", EXCLUDE,
               "--generation-database", ":memory:", "--no-color"]
        if seed is not None:
            cmd += ["--seed", str(seed)]
        done = subprocess.run(cmd, capture_output=True, text=True, cwd=workdir or tempfile.gettempdir(),
                              timeout=900)
        found = re.search(r"(\d+) generated", done.stdout)
        total += int(found.group(1)) if found else 0
        ok = ok and done.returncode == 0 and found is not None
        outputs.append(f"--- as {user} (exit {done.returncode})\n{done.stdout}{done.stderr}")
    return FuzzResult(total, ok, "\n".join(outputs))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.fuzz", description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=100, help="schemathesis --max-examples (default 100)")
    parser.add_argument("--database", help="an empty database URL (default: a temporary SQLite file)")
    parser.add_argument("--seed", type=int)
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    from huiyin.server.serving.embedded import EmbeddedServer

    with tempfile.TemporaryDirectory() as tmp:
        url = args.database or f"sqlite:///{Path(tmp) / 'fuzz.db'}"
        with EmbeddedServer(url, sample=True, sample_matters=True) as srv:
            result = fuzz(srv.base_url, args.examples, args.seed, Path(tmp))
    print(result.output)
    print(f"{result.cases} cases, {'no failures' if result.ok else 'FAILURES (see above)'}")
    return 0 if result.ok else 1


if __name__ == "__main__":
    sys.exit(main())
