"""``huiyin serve | init | db | unit | operator | category | calendar``: the server's command line.

The ``huiyin`` console script (``huiyin.tui.cli``) hands these subcommands here.
"""

from __future__ import annotations

import argparse
import getpass
import re
import sys
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session, select

from huiyin.core.clock import Clock, parse_clock
from huiyin.core.domain import Role, Tier, UnitKind
from huiyin.server.base.settings import Settings
from huiyin.server.storage import db
from huiyin.server.storage.models import stored_id
from huiyin.tui import export as rx
from huiyin.tui.export import add_report_arguments


def _database_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--database", metavar="URL",
                        help="SQLAlchemy URL (default: $HUIYIN_DATABASE_URL, else SQLite in the user data dir)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="huiyin", description="huiyin server commands")
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="run the HTTP server")
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1: this machine only)")
    serve.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    serve.add_argument("--clock", metavar="ISO_TIME",
                       help="freeze the server's clock at this time (demos and tests), e.g. 2026-11-26T09:00+08:00")
    serve.add_argument("--workers", type=int, default=1, metavar="N",
                       help="worker processes (default 1; more than 1 needs PostgreSQL; see docs/deploy.md)")
    _database_arg(serve)

    init = sub.add_parser("init", help="create the database and a district")
    init.add_argument("--sample", action="store_true", help="the sample district of Yubei, with its accounts")
    init.add_argument("--empty", action="store_true", help="with --sample: no sample matters")
    init.add_argument("--units", type=Path, metavar="FILE", help="load the unit tree from a TOML file")
    init.add_argument("--district", metavar="NAME", help="without --units: the district's name (e.g. 渝北区)")
    init.add_argument("--code", metavar="CODE", help="without --units: the prefix of matter numbers (e.g. YB)")
    init.add_argument("--admin", default="admin", metavar="USERNAME", help="the first admin's username")
    init.add_argument("--password-stdin", action="store_true", help="read the admin's password from stdin")
    _database_arg(init)

    dbp = sub.add_parser("db", help="database schema")
    dbsub = dbp.add_subparsers(dest="db_command", required=True)
    for name, text in (("upgrade", "apply all migrations"), ("current", "print the schema revision")):
        p = dbsub.add_parser(name, help=text)
        _database_arg(p)
    down = dbsub.add_parser("downgrade", help="take the schema back to an earlier revision (e.g. 0002)")
    down.add_argument("revision", help="a revision id from 'huiyin db current', or 'base' for an empty database")
    _database_arg(down)

    _admin_parsers(sub)
    _category_parsers(sub)

    calp = sub.add_parser("calendar", help="the working-day calendar: holidays and make-up workdays")
    calsub = calp.add_subparsers(dest="cal_command", required=True)
    show = calsub.add_parser("list", help="a year's holidays and make-up workdays, and where they come from")
    show.add_argument("year", type=int)
    _database_arg(show)
    addd = calsub.add_parser("add", help="enter a day as a holiday or a (make-up) workday")
    addd.add_argument("day", help="YYYY-MM-DD")
    addd.add_argument("type", choices=["holiday", "workday"])
    addd.add_argument("name", nargs="?", default="", help="e.g. 春节")
    addd.add_argument("--note", default="")
    _database_arg(addd)
    rem = calsub.add_parser("remove", help="remove a day's own entry")
    rem.add_argument("day", help="YYYY-MM-DD")
    _database_arg(rem)
    imp = calsub.add_parser("import", help="replace a year's entries with a file (format: docs/deadlines.md)")
    imp.add_argument("file", type=Path)
    _database_arg(imp)
    exp = calsub.add_parser("export", help="print a year's entries in the import format")
    exp.add_argument("year", type=int)
    _database_arg(exp)

    rep = sub.add_parser("report", help="the assessment of a period (docs/assessment.md), from the database")
    add_report_arguments(rep)
    rep.add_argument("--server", metavar="URL", help="ask this server instead (with a login; see huiyin report)")
    rep.add_argument("--user", metavar="USERNAME", help="with --server: who logs in")
    rep.add_argument("--password-stdin", action="store_true", help="with --server: read the password from stdin")
    rep.add_argument("--clock", metavar="ISO_TIME", help="count a period not over yet up to this time")
    _database_arg(rep)
    return parser


def _remote_args(parser: argparse.ArgumentParser) -> None:
    """Where the change goes: the database (``--database``, the default) or a server (``--server URL``, as an
    admin; the ``huiyin`` command carries those out over HTTP, see ``huiyin.tui.cli.remote``)."""
    _database_arg(parser)
    parser.add_argument("--server", metavar="URL", help="change it on this server over HTTP, signed in as an admin")
    parser.add_argument("--admin-user", metavar="USERNAME",
                        help="with --server: the admin to sign in as (asked for on a terminal otherwise)")
    parser.add_argument("--login-stdin", action="store_true",
                        help="with --server: read the admin's password from the first line of stdin")


ROLE_CHOICES = [r.value for r in Role]
TIER_CHOICES = [t.value for t in Tier]
KIND_CHOICES = [k.value for k in UnitKind if k is not UnitKind.government]


def _admin_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``huiyin unit ...`` and ``huiyin operator ...``; UNIT is a unit's id or its exact name."""
    unit = sub.add_parser("unit", help="the unit tree: list, add, move, rename, deactivate")
    usub = unit.add_subparsers(dest="unit_command", required=True)
    p = usub.add_parser("list", help="the tree, with each unit's open matters")
    _remote_args(p)
    p = usub.add_parser("add", help="add a unit under a parent")
    p.add_argument("name")
    p.add_argument("--parent", required=True, metavar="UNIT", help="the parent's id or exact name")
    p.add_argument("--tier", required=True, choices=TIER_CHOICES)
    p.add_argument("--kind", required=True, choices=KIND_CHOICES)
    _remote_args(p)
    p = usub.add_parser("move", help="put a unit under another parent")
    p.add_argument("unit", metavar="UNIT")
    p.add_argument("--parent", required=True, metavar="UNIT", help="the new parent's id or exact name")
    p.add_argument("--tier", choices=TIER_CHOICES, help="a new tier as well (refused while it holds open matters)")
    _remote_args(p)
    p = usub.add_parser("rename", help="give a unit a new name")
    p.add_argument("unit", metavar="UNIT")
    p.add_argument("new_name")
    _remote_args(p)
    p = usub.add_parser("deactivate", help="deactivate a unit (refused while it holds open matters)")
    p.add_argument("unit", metavar="UNIT")
    p.add_argument("--undo", action="store_true", help="activate it again")
    _remote_args(p)

    op = sub.add_parser("operator", help="operator accounts: list, add, edit, disable, passwd")
    opsub = op.add_subparsers(dest="op_command", required=True)
    p = opsub.add_parser("list", help="every operator, disabled ones marked")
    p.add_argument("--unit", metavar="UNIT", help="only this unit's")
    p.add_argument("--role", choices=ROLE_CHOICES, help="only this role")
    _remote_args(p)
    add = opsub.add_parser("add", help="add an operator")
    add.add_argument("username")
    add.add_argument("--unit", required=True, metavar="UNIT", help="the unit's id or exact name")
    add.add_argument("--role", required=True, choices=ROLE_CHOICES)
    add.add_argument("--display-name")
    add.add_argument("--password-stdin", action="store_true",
                     help="read the password from stdin (after the admin's, with --login-stdin)")
    add.add_argument("--generate", action="store_true", help="make a password and print it once")
    _remote_args(add)
    p = opsub.add_parser("edit", help="change an operator's display name, unit or role, or enable them again")
    p.add_argument("username")
    p.add_argument("--display-name")
    p.add_argument("--unit", metavar="UNIT")
    p.add_argument("--role", choices=ROLE_CHOICES)
    p.add_argument("--enable", action="store_true", help="enable a disabled operator")
    _remote_args(p)
    p = opsub.add_parser("disable", help="disable an operator; their sessions end at once")
    p.add_argument("username")
    _remote_args(p)
    pw = opsub.add_parser("passwd", help="set an operator's password")
    pw.add_argument("username")
    pw.add_argument("--password-stdin", action="store_true",
                    help="read the password from stdin (after the admin's, with --login-stdin)")
    pw.add_argument("--generate", action="store_true", help="make a password and print it once")
    _remote_args(pw)


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if not sys.stdin.isatty():
        raise SystemExit("huiyin: no terminal to ask for a password; use --password-stdin")
    first = getpass.getpass("password: ")
    second = getpass.getpass("again: ")
    if first != second:
        raise SystemExit("huiyin: the two passwords differ; nothing was changed")
    return first


def _engine(args: argparse.Namespace) -> tuple[Settings, Engine]:
    settings = Settings.from_env(args.database)
    engine = db.make_engine(settings.database_url)
    db.upgrade(engine)
    return settings, engine


def _fail(message: str) -> int:
    print(f"huiyin: {message}", file=sys.stderr)
    return 2


def cmd_serve(args: argparse.Namespace) -> int:
    from huiyin.server.serving.app import create_app
    from huiyin.server.serving.run import make_server, raise_fd_limit, tcp_socket

    try:
        clock: Clock = parse_clock(args.clock)
        settings = Settings.from_env(args.database)
    except ValueError as exc:
        return _fail(str(exc))
    if not 0 <= args.port <= 65535:
        return _fail(f"--port must be between 0 and 65535, not {args.port}")
    if args.workers < 1:
        return _fail(f"--workers must be 1 or more, not {args.workers}")
    raise_fd_limit()  # every connection is a file descriptor; see serving.connection_cap
    if args.workers > 1:
        return _serve_workers(args, settings)
    app = create_app(settings, clock)
    try:
        sock = tcp_socket(args.host, args.port)
    except OSError as exc:
        return _fail(f"cannot listen on {args.host}:{args.port}: {exc.strerror}")
    port = sock.getsockname()[1]
    print(f"huiyin serving on http://{args.host}:{port} (docs at /docs), database {settings.database_url}",
          flush=True)
    make_server(app, settings).run(sockets=[sock])
    return 0


def _serve_workers(args: argparse.Namespace, settings: Settings) -> int:
    """``serve --workers N``: migrate once here, then N uvicorn workers share one listening socket; each builds
    its app from the environment (``huiyin.server.serving.app:app_from_env``). PostgreSQL only: SQLite takes one writer
    at a time, and only PostgreSQL carries the live feed's wake-ups (NOTIFY) from one process to the others."""
    import os

    from huiyin.server.serving.app import CLOCK_ENV
    from huiyin.server.serving.run import server_config, tcp_socket

    engine = db.make_engine(settings.database_url)
    if not db.is_postgres(engine):
        return _fail("--workers above 1 needs PostgreSQL (--database postgresql://...): SQLite takes one writer "
                     "at a time and cannot wake the other workers' live feeds; use --workers 1 with SQLite")
    try:
        db.upgrade(engine)
    finally:
        engine.dispose()
    os.environ["HUIYIN_DATABASE_URL"] = settings.database_url
    os.environ[CLOCK_ENV] = args.clock or ""
    try:
        sock = tcp_socket(args.host, args.port)
    except OSError as exc:
        return _fail(f"cannot listen on {args.host}:{args.port}: {exc.strerror}")
    from uvicorn.supervisors import Multiprocess

    port = sock.getsockname()[1]
    print(f"huiyin serving on http://{args.host}:{port} (docs at /docs), database {settings.database_url}, "
          f"{args.workers} workers", flush=True)
    config = server_config("huiyin.server.serving.app:app_from_env", settings, factory=True, workers=args.workers)
    Multiprocess(config, sockets=[sock]).run()
    return 0


def cmd_init(args: argparse.Namespace) -> int:
    from huiyin.server.district import sample
    from huiyin.server.district.orgfile import OrgFileError, parse_units
    from huiyin.server.district.setup import SetupError, create_operator, create_units, has_units
    from huiyin.server.state.context import ServerContext
    from huiyin.server.storage.models import Unit

    if args.empty and not args.sample:
        return _fail("--empty goes with --sample")
    if args.sample and args.units:
        return _fail("--sample and --units exclude each other")
    if (args.district or args.code) and (args.sample or args.units):
        return _fail("--district and --code are for a district without a unit file")
    specs = None
    if not args.sample and not args.units:
        # just the district itself and its first admin; units come later (or use --units)
        district, code = args.district, args.code
        if (district is None or code is None) and sys.stdin.isatty() and not args.password_stdin:
            district = district or input("district name (e.g. 渝北区): ").strip()
            code = code or input("matter number prefix (e.g. YB): ").strip()
        if not district or not code:
            return _fail("say what to create: --sample, --units FILE, or --district NAME --code CODE")
        if len(district) > 80:
            return _fail("the district's name may have at most 80 characters")
        if not re.fullmatch(r"[A-Za-z]{1,8}", code):
            return _fail(f"--code must be 1 to 8 letters, like YB, not {code!r}")
        from huiyin.core.domain import Tier, UnitKind
        from huiyin.server.district.setup import UnitSpec

        specs = [UnitSpec(district.strip(), Tier.district, UnitKind.government, code=code.upper())]
    if args.units:
        try:
            specs = parse_units(args.units)
        except OrgFileError as exc:
            for line in exc.errors:
                print(line, file=sys.stderr)
            return 2
    settings, engine = _engine(args)
    clock = parse_clock(None)
    with Session(engine) as session:
        if has_units(session):
            return _fail(f"the database {settings.database_url} already holds a district; nothing was changed")
    if args.sample:
        sample.create_sample(ServerContext(engine=engine, clock=clock, settings=settings), matters=not args.empty)
        print(f"created the sample district 渝北区 in {settings.database_url}; every account's password is "
              f"{sample.SAMPLE_PASSWORD}")
        return 0
    password = _read_password(args.password_stdin)
    assert specs is not None
    from huiyin.server.district.audit import Who
    from huiyin.server.storage.db import write_session

    try:
        with write_session(engine) as session:
            create_units(session, specs, who=Who.cli(), now=clock.now())
            root = next(s for s in specs if s.parent is None)
            create_operator(session, clock, args.admin, password, Role.admin, root.name, who=Who.cli())
            session.commit()
            count = len(session.exec(select(Unit.id)).all())
    except SetupError as exc:
        return _fail(f"{exc}; nothing was changed")
    print(f"created {count} units and the admin {args.admin!r} in {settings.database_url}")
    return 0


def cmd_db(args: argparse.Namespace) -> int:
    settings = Settings.from_env(args.database)
    engine = db.make_engine(settings.database_url)
    if args.db_command == "upgrade":
        db.upgrade(engine)
    elif args.db_command == "downgrade":
        db.downgrade(engine, args.revision)
    print(f"{settings.database_url}: schema revision {db.current_revision(engine)}")
    return 0


def _category_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``huiyin category ...``: CODE is a category's code, UNIT a unit's id or exact name."""
    cat = sub.add_parser("category", help="the category tree: list, add, edit, deactivate, import")
    csub = cat.add_subparsers(dest="category_command", required=True)
    p = csub.add_parser("list", help="the tree, each kind followed by its leaves, deactivated ones marked")
    _remote_args(p)
    for name in ("add", "edit"):
        p = csub.add_parser(name, help="add a category" if name == "add" else "change a category (not its code)")
        p.add_argument("code", metavar="CODE")
        new = name == "add"
        p.add_argument("--name-zh", required=new, help="the Chinese name")
        p.add_argument("--name-en", required=new, help="the English name")
        p.add_argument("--parent", metavar="CODE", help="the top-level kind it belongs to" +
                       ("" if new else " (it moves there)"))
        p.add_argument("--deadline", type=int, metavar="DAYS", help="the default deadline in working days")
        p.add_argument("--keywords", metavar="WORDS", help="keywords separated by ; (replace the old ones)")
        p.add_argument("--description")
        p.add_argument("--default-unit", metavar="UNIT", help="the unit that usually handles it")
        if not new:
            p.add_argument("--top-level", action="store_true", help="make it a top-level kind")
            p.add_argument("--no-default-unit", action="store_true", help="remove the default unit")
        _remote_args(p)
    p = csub.add_parser("deactivate", help="deactivate a category (a kind only when none of its leaves is active)")
    p.add_argument("code", metavar="CODE")
    p.add_argument("--undo", action="store_true", help="activate it again")
    _remote_args(p)
    p = csub.add_parser("import", help="add and update categories from a file (TOML as the sample's, or CSV with "
                                       "a header: code,parent,name_zh,name_en,description,keywords,deadline_days,"
                                       "default_unit); nothing is deleted, a bad file changes nothing")
    p.add_argument("file", type=Path, metavar="FILE")
    p.add_argument("--format", choices=["toml", "csv"], help="the file's form (default: by its extension)")
    _remote_args(p)


def category_fields(args: argparse.Namespace) -> dict[str, Any]:
    """The fields ``huiyin category add|edit`` sends (the body of ``CategoryIn`` / ``CategoryPatch``), with the
    default unit still as the reference typed (``default_unit``: each path finds its id its own way)."""
    fields: dict[str, Any] = {} if args.category_command == "edit" else {"code": args.code}
    for option, name in (("name_zh", "name_zh"), ("name_en", "name_en"), ("parent", "parent"),
                         ("deadline", "deadline_days"), ("description", "description"),
                         ("default_unit", "default_unit")):
        if getattr(args, option) is not None:
            fields[name] = getattr(args, option)
    if args.keywords is not None:
        fields["keywords"] = [w.strip() for w in args.keywords.replace("、", ";").split(";") if w.strip()]
    if getattr(args, "top_level", False):
        fields["parent"] = None
    if getattr(args, "no_default_unit", False):
        fields["default_unit"] = None
    return fields


def read_category_file(args: argparse.Namespace) -> list[dict[str, Any]]:
    """The checked entries of ``huiyin category import FILE`` (the same for the database and a server)."""
    from huiyin.server.district.categories import read_file

    form = args.format or ("csv" if args.file.suffix.lower() == ".csv" else "toml")
    try:
        text = args.file.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"cannot read {args.file}: {exc}") from None
    return read_file(text, csv_file=form == "csv")


def _new_password(args: argparse.Namespace) -> str | None:
    """The password to set: ``None`` to make one (``--generate``), else read (stdin or the terminal)."""
    if args.generate and args.password_stdin:
        raise SystemExit("huiyin: --generate and --password-stdin exclude each other")
    return None if args.generate else _read_password(args.password_stdin)


def check_admin_args(args: argparse.Namespace) -> str | None:
    """What is wrong with the combination of options (the same for the database and a server), or ``None``."""
    remote = getattr(args, "server", None)
    if not remote and (getattr(args, "admin_user", None) or getattr(args, "login_stdin", False)):
        return "--admin-user and --login-stdin go with --server"
    if remote and getattr(args, "database", None):
        return "--server and --database exclude each other"
    if getattr(args, "generate", False) and getattr(args, "password_stdin", False):
        return "--generate and --password-stdin exclude each other"
    if args.command == "category" and args.category_command == "edit":
        if args.top_level and args.parent:
            return "--parent and --top-level exclude each other"
        if args.no_default_unit and args.default_unit:
            return "--default-unit and --no-default-unit exclude each other"
        if not category_fields(args):
            return ("say what to change: --name-zh, --name-en, --parent, --top-level, --deadline, --keywords, "
                    "--description, --default-unit or --no-default-unit")
    if args.command == "operator" and args.op_command == "edit" and not any(
            (args.display_name, args.unit, args.role, args.enable)):
        return "say what to change: --display-name, --unit, --role or --enable"
    return None


def _admin_prelude(args: argparse.Namespace) -> str | None:
    problem = check_admin_args(args)
    if problem is None and getattr(args, "server", None):
        problem = "--server is carried out by the huiyin command (huiyin.tui.cli), not huiyin.tui.cli.local"
    return problem


def cmd_unit(args: argparse.Namespace) -> int:
    """``huiyin unit list|add|move|rename|deactivate`` on the database; one audited transaction each."""
    from huiyin.server.district import units as unit_admin
    from huiyin.server.district.audit import Who
    from huiyin.server.storage.db import write_session
    from huiyin.tui.cli.listing import unit_lines

    problem = _admin_prelude(args)
    if problem:
        return _fail(problem)
    _settings, engine = _engine(args)
    if args.unit_command == "list":
        with Session(engine) as session:
            print("\n".join(unit_lines(unit_admin.tree_rows(session, counts=True))))
        return 0
    now = parse_clock(None).now()
    try:
        with write_session(engine) as session:
            who = Who.cli()
            if args.unit_command == "add":
                parent = unit_admin.find(session, args.parent)
                unit = unit_admin.add_unit(session, who, now, name=args.name, tier=Tier(args.tier),
                                           kind=UnitKind(args.kind), parent_id=stored_id(parent))
                message = f"added {unit.name} (id {unit.id}) under {parent.name}"
            else:
                unit = unit_admin.find(session, args.unit)
                if args.unit_command == "move":
                    parent = unit_admin.find(session, args.parent)
                    unit_admin.change_unit(session, who, now, stored_id(unit), parent_id=stored_id(parent),
                                           tier=Tier(args.tier) if args.tier else None)
                    message = f"moved {unit.name} under {parent.name}"
                elif args.unit_command == "rename":
                    old = unit.name
                    unit_admin.change_unit(session, who, now, stored_id(unit), name=args.new_name)
                    message = f"renamed {old} to {unit.name}"
                else:
                    unit_admin.change_unit(session, who, now, stored_id(unit), active=args.undo)
                    message = f"{'activated' if args.undo else 'deactivated'} {unit.name}"
            session.commit()
    except unit_admin.AdminRefusal as exc:
        return _fail(f"{exc}; nothing was changed")
    print(message)
    return 0


def cmd_category(args: argparse.Namespace) -> int:
    """``huiyin category list|add|edit|deactivate|import`` on the database; one audited transaction each."""
    from pydantic import ValidationError

    from huiyin.core.schemas import CategoryIn, CategoryPatch, field_errors
    from huiyin.server.district import categories as category_admin
    from huiyin.server.district import units as unit_admin
    from huiyin.server.district.audit import Who
    from huiyin.server.storage.db import write_session
    from huiyin.tui.cli.listing import category_lines

    problem = _admin_prelude(args)
    if problem:
        return _fail(problem)
    _settings, engine = _engine(args)
    if args.category_command == "list":
        with Session(engine) as session:
            units = {stored_id(u): u.name for u in unit_admin.all_units(session)}
            print("\n".join(category_lines(category_admin.tree_rows(session, inactive=True), units)))
        return 0
    entries = []
    if args.category_command == "import":
        try:
            entries = read_category_file(args)
        except ValueError as exc:
            return _fail(f"{exc}; nothing was changed")
    now = parse_clock(None).now()
    try:
        with write_session(engine) as session:
            who = Who.cli()
            if args.category_command == "import":
                added, changed = category_admin.import_entries(session, who, now, entries)
                message = f"imported {args.file}: {added} added, {changed} changed"
            elif args.category_command == "deactivate":
                row = category_admin.change_category(session, who, now, args.code,
                                                     CategoryPatch(active=bool(args.undo)))
                message = f"{'activated' if args.undo else 'deactivated'} {row.code}"
            else:
                fields = category_fields(args)
                if fields.get("default_unit") is not None:
                    fields["default_unit_id"] = stored_id(unit_admin.find(session, fields["default_unit"]))
                elif "default_unit" in fields:
                    fields["default_unit_id"] = None
                fields.pop("default_unit", None)
                if args.category_command == "add":
                    row = category_admin.add_category(session, who, now, CategoryIn.model_validate(fields))
                    message = f"added {row.code} ({row.name_zh} / {row.name_en})"
                else:
                    row = category_admin.change_category(session, who, now, args.code,
                                                         CategoryPatch.model_validate(fields))
                    message = f"changed {row.code}"
            session.commit()
    except ValidationError as exc:
        shown = "; ".join(f"{name}: {text}" for name, (_kind, text) in field_errors(exc).items())
        return _fail(f"{shown}; nothing was changed")
    except (unit_admin.AdminRefusal, category_admin.CategoryFileError) as exc:
        return _fail(f"{exc}; nothing was changed")
    print(message)
    return 0


def cmd_operator(args: argparse.Namespace) -> int:
    """``huiyin operator list|add|edit|disable|passwd`` on the database; one audited transaction each."""
    from huiyin.server.district import operators as operator_admin
    from huiyin.server.district import units as unit_admin
    from huiyin.server.district.audit import Who
    from huiyin.server.district.setup import SetupError
    from huiyin.server.storage.db import write_session
    from huiyin.tui.cli.listing import operator_lines

    problem = _admin_prelude(args)
    if problem:
        return _fail(problem)
    password = _new_password(args) if args.op_command in ("add", "passwd") else None
    _settings, engine = _engine(args)
    clock = parse_clock(None)
    now = clock.now()
    if args.op_command == "list":
        with Session(engine) as session:
            try:
                unit_id = unit_admin.find(session, args.unit).id if args.unit else None
            except unit_admin.AdminRefusal as exc:
                return _fail(str(exc))
            rows = operator_admin.listing(session, now, unit_id=unit_id, role=Role(args.role) if args.role else None)
            print("\n".join(operator_lines(rows)))
        return 0
    made: str | None = None
    try:
        with write_session(engine) as session:
            who = Who.cli()
            if args.op_command == "add":
                unit = unit_admin.find(session, args.unit)
                _op, made = operator_admin.add(session, clock, who, username=args.username, role=Role(args.role),
                                               unit_id=stored_id(unit), display_name=args.display_name,
                                               password=password)
                message = (f"added {args.username} ({args.role}) at {unit.name}; they choose their own password at "
                           "their first sign-in")
            elif args.op_command == "edit":
                unit_id = unit_admin.find(session, args.unit).id if args.unit else None
                operator_admin.edit(session, now, who, args.username, display_name=args.display_name,
                                    unit_id=unit_id, role=Role(args.role) if args.role else None,
                                    disabled=False if args.enable else None)
                message = f"changed {args.username}"
            elif args.op_command == "disable":
                operator_admin.edit(session, now, who, args.username, disabled=True)
                message = f"disabled {args.username}; their sessions have ended"
            else:
                made, _revoked = operator_admin.set_password(session, now, who, args.username, password)
                message = (f"changed the password of {args.username}; they choose their own at their next sign-in")
            session.commit()
    except SetupError as exc:
        return _fail(f"{exc}; nothing was changed")
    print(message)
    if made:
        print(f"password (shown once): {made}")
    return 0


def cmd_calendar(args: argparse.Namespace) -> int:
    from huiyin.server.district import calendar as cal
    from huiyin.server.district.audit import Who
    from huiyin.server.storage.db import write_session

    _settings, engine = _engine(args)
    try:
        if args.cal_command in ("list", "export"):
            with Session(engine) as session:
                if args.cal_command == "export":
                    text = cal.export_year(session, args.year)
                    print(text if text.endswith("\n") else text + "\n", end="")
                    return 0
                view = cal.year_view(session, args.year)
            print(f"{view.year}: {view.coverage}{'' if view.reliable else ' (guessed)'}"
                  f"{', complete' if view.complete else ''}")
            if view.warning:
                print(f"warning: {view.warning.message}")
            for day in view.special_days:
                label = " ".join(x for x in (day.name or "", f"| {day.note}" if day.note else "") if x)
                print(f"{day.day} {day.kind:<15} {day.source:<8} {label}".rstrip())
            return 0
        with write_session(engine) as session:
            if args.cal_command == "add":
                when = cal.parse_day(args.day)
                cal.set_day(session, parse_clock(None).now(), when, args.type, args.name.strip(), args.note.strip(),
                            who=Who.cli())
                print(f"{when} is now a {args.type}{' (' + args.name + ')' if args.name else ''}")
            elif args.cal_command == "remove":
                when = cal.parse_day(args.day)
                cal.remove_day(session, parse_clock(None).now(), when, who=Who.cli())
                print(f"removed the entry of {when}")
            else:
                try:
                    text = args.file.read_text(encoding="utf-8")
                except (OSError, UnicodeDecodeError) as exc:
                    return _fail(f"cannot read {args.file}: {exc}")
                year = cal.import_year(session, parse_clock(None).now(), text, who=Who.cli())
                print(f"imported {year} from {args.file}")
    except cal.CalendarEditError as exc:
        where = f"{args.file}:" if getattr(args, "file", None) else ""
        for error in exc.errors:
            print(f"{where}{error.line}: {error.message}", file=sys.stderr)
        return _fail(f"{exc}; nothing was changed")
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    """``huiyin report`` against the database (``--server`` is the workbench command's: huiyin.tui.cli.remote)."""
    from huiyin.core.assessment import PeriodError, report_out
    from huiyin.core.domain import Tier
    from huiyin.server.matters.views import load_tree
    from huiyin.server.reports.assessment import load_assessment, report_units
    from huiyin.server.state.context import ServerContext

    if args.server:
        return _fail("--server: run it as 'huiyin report --server URL ...' (the huiyin command asks the server)")
    try:
        period = rx.period_of(args)
        rx.check_output(args.format, args.output)
        clock: Clock = parse_clock(args.clock)
    except (PeriodError, rx.ReportOutputError) as exc:
        return _fail(str(exc))
    except ValueError as exc:
        return _fail(f"--clock: {exc}")
    settings, engine = _engine(args)
    ctx = ServerContext(engine=engine, clock=clock, settings=settings)
    with Session(engine) as session:
        tree = load_tree(session)
        units = report_units(tree)
        unit_id = None
        if args.unit is not None:
            found = [u.id for u in units if u.name == args.unit.strip()]
            if not found:
                names = ", ".join(u.name for u in units[:8])
                return _fail(f"--unit: no unit named {args.unit!r} has matters to report (units: {names} ...)")
            unit_id = found[0]
        result, tree = load_assessment(ctx, session, period)
    out = report_out(result, units, unit=unit_id, tier=Tier(args.tier) if args.tier else None, group=args.group)
    try:
        rx.write(rx.render(out, args.format), args.output)
    except rx.ReportOutputError as exc:
        return _fail(str(exc))
    return 0


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    handlers = {"serve": cmd_serve, "init": cmd_init, "db": cmd_db, "operator": cmd_operator,
                "calendar": cmd_calendar, "report": cmd_report, "unit": cmd_unit,
                "category": cmd_category}
    try:
        return handlers[args.command](args)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # the output was piped into something that stopped reading (| head)
        return 0
    except Exception as exc:  # a database that cannot be reached, a bad URL ...: a message, not a traceback
        from sqlalchemy.exc import ArgumentError, OperationalError

        if isinstance(exc, (OperationalError, ArgumentError, ValueError)):
            return _fail(str(exc).splitlines()[0])
        raise


if __name__ == "__main__":
    sys.exit(main())
