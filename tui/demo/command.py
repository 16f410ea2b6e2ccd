"""``huiyin demo``: list the built-in scenarios, play one (``huiyin demo NAME|FILE``) in the terminal on a
throw-away sandbox, or check one headless (``huiyin demo --check NAME|FILE``: exit 1 on a failed expectation)."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from huiyin.core.clock import SimulatedClock

from .scenario import Scenario, ScenarioError, builtin_names, load, resolve

if TYPE_CHECKING:
    from .player import DemoApp

#: the terminal size of a headless check
CHECK_SIZE = (120, 40)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="huiyin demo",
                                     description="Trainer demo mode: play a scenario in the workbench on a sandbox.")
    parser.add_argument("scenario", nargs="?", help="a built-in scenario's name, or a scenario file (.toml)")
    parser.add_argument("--check", action="store_true",
                        help="run it headless as fast as it goes and report each failed expectation (exit 1)")
    parser.add_argument("--lang", choices=["zh-CN", "en"], default=None, help="language of the workbench")
    parser.add_argument("--theme", help="theme name (huiyin-16 for 16 colours)")
    return parser


def make_demo_app(scenario: Scenario, *, check: bool = False, language: str | None = None,
                  theme: str | None = None, testing: bool = False, state_dir: Path | None = None,
                  **options: Any) -> DemoApp:
    """The demo app on a fresh sandbox (its own temp dirs for the database and the token file)."""
    from ..embedded import DemoLauncher
    from ..factory import make_app
    from .player import DemoApp

    clock = SimulatedClock(scenario.start, speed=0.0 if check else scenario.speed)
    launcher = DemoLauncher(clock, scenario.district)
    state = state_dir or launcher.tmp / "state"  # thrown away with the sandbox
    app = make_app(None, language=language or "zh-CN", theme=theme, launcher=launcher, app_class=DemoApp,
                   state_dir=state, testing=testing or check, scenario=scenario, sim_clock=clock, check=check,
                   **options)
    assert isinstance(app, DemoApp)  # make_app builds the app_class it is given
    return app


async def check_scenario(scenario: Scenario, timeout: float = 300.0, inspect: Any = None) -> list[Any]:
    """Play ``scenario`` headless with no holds; returns its failures (empty: every expectation held).
    ``inspect(app)`` (tests) looks at the sandbox before it is thrown away."""
    app = make_demo_app(scenario, check=True, live=False)
    async with app.run_test(headless=True, size=CHECK_SIZE):
        deadline = asyncio.get_running_loop().time() + timeout
        while not app.done.is_set() and app.is_running:
            if asyncio.get_running_loop().time() > deadline:
                raise TimeoutError(f"{scenario.name} did not finish within {timeout:g} s")
            await asyncio.sleep(0.05)
        failures = list(app.failures)
        if inspect is not None:
            await inspect(app)
    return failures


def main(argv: list[str]) -> int:
    args = build_parser().parse_args(argv)
    if not args.scenario:
        print("Built-in scenarios (huiyin demo NAME to play one, --check to test it):")
        for name in builtin_names():
            try:
                sc = load(resolve(name))
                print(f"  {name:<12} {sc.title}  {sc.title_en}".rstrip())
            except ScenarioError as exc:  # pragma: no cover - the suite checks the built-ins
                print(f"  {name:<12} (broken: {exc.problems[0]})")
        return 0
    path = resolve(args.scenario)
    if not path.exists():
        print(f"huiyin demo: no scenario {args.scenario!r} (built-in: {', '.join(builtin_names())}; or a .toml file)",
              file=sys.stderr)
        return 2
    try:
        scenario = load(path)
    except ScenarioError as exc:
        print(f"huiyin demo: the scenario is refused, nothing was played:\n{exc}", file=sys.stderr)
        return 2
    if args.check:
        failures = asyncio.run(check_scenario(scenario))
        for failure in failures:
            print(f"{path}: {failure}")
        print(f"{scenario.name}: {len(scenario.steps)} steps, "
              + ("all expectations held" if not failures else f"{len(failures)} failed"))
        return 1 if failures else 0
    app = make_demo_app(scenario, language=args.lang, theme=args.theme)
    app.run()
    for failure in app.failures:
        print(f"{path}: {failure}", file=sys.stderr)
    return 0
