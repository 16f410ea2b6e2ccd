"""Types and style are checked by the suite: mypy (``[tool.mypy]``: strict for core, checked for the server and the
workbench) and ruff (``[tool.ruff]``), both from pyproject.toml, both with zero findings; and the ``type: ignore``
comments that remain are few, each with its error code and a reason.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("core", "server", "tui", "themes")
MAX_IGNORES = 30


def test_ruff_finds_nothing() -> None:
    run = subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", "."], cwd=ROOT,
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]


def test_mypy_finds_nothing(tmp_path: Path) -> None:
    # pyproject maps the folders to huiyin.* (package-dir); mypy reads them as that package through a tree of links
    tree = tmp_path / "src" / "huiyin"
    tree.mkdir(parents=True)
    for name in PACKAGES:
        (tree / name).symlink_to(ROOT / name, target_is_directory=True)
    run = subprocess.run([sys.executable, "-m", "mypy", "--config-file", str(ROOT / "pyproject.toml"),
                          "--cache-dir", str(tmp_path / "cache"), "--no-error-summary",
                          "-p", "huiyin.core", "-p", "huiyin.server", "-p", "huiyin.tui", "-p", "huiyin.themes"],
                         cwd=tmp_path / "src", capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout[-8000:] + run.stderr[-2000:]


IGNORE = re.compile(r"#\s*type:\s*ignore(?P<code>\[[a-z0-9_,\- ]+\])?(?P<rest>.*)$")


def test_type_ignores_are_few_and_explained() -> None:
    found: list[str] = []
    bare: list[str] = []
    for name in PACKAGES:
        for path in sorted((ROOT / name).rglob("*.py")):
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                match = IGNORE.search(line)
                if match is None:
                    continue
                where = f"{path.relative_to(ROOT)}:{number}"
                found.append(where)
                reason = match.group("rest").strip().lstrip("#").strip()
                if not match.group("code") or len(reason) < 8:
                    bare.append(where)
    assert not bare, "a type: ignore needs its [code] and a reason after it:\n" + "\n".join(bare)
    assert len(found) <= MAX_IGNORES, \
        f"{len(found)} type: ignore comments (at most {MAX_IGNORES}):\n" + "\n".join(found)
