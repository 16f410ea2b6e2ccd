"""The assessment as a table, CSV (UTF-8 with a BOM, so Excel reads Chinese), XLSX (one sheet per tier, rates as
percentage cells) or JSON; and the options of ``huiyin report``, shared by the command that reads the database
(``huiyin.tui.cli.local``) and the one that asks a server (``huiyin.tui.cli.remote``)."""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
import unicodedata
from pathlib import Path
from typing import IO, Any

from huiyin.core.assessment import Period, PeriodError, parse_period
from huiyin.core.domain import Tier
from huiyin.core.schemas import AssessmentOut, AssessmentRow, RateOut

FORMATS = ("table", "csv", "xlsx", "json")

#: (header, how to read it from a row) — ``rate:`` columns are rates, ``hours:`` mean / p90
COLUMNS: tuple[tuple[str, str], ...] = (
    ("rank 排名", "rank"), ("unit 单位", "key"), ("tier 层级", "tier"),
    ("received 受理", "received"), ("closed 办结", "closed"), ("closure rate 办结率", "rate:closure_rate"),
    ("closed on time 按时办结", "closed_on_time"), ("on-time rate 按时办结率", "rate:on_time_rate"),
    ("arrivals 到达", "arrivals"), ("claim rate 签收率", "rate:claim_rate"),
    ("hours to claim mean", "hours:hours_to_claim:mean"), ("hours to claim p90", "hours:hours_to_claim:p90"),
    ("hours to answer mean", "hours:hours_to_answer:mean"), ("hours to answer p90", "hours:hours_to_answer:p90"),
    ("open 未办结", "open"), ("overdue open 超期未办结", "overdue_open"), ("reopened 重新办理", "reopened"),
    ("duplicates 重复", "duplicates"), ("escalations 提交上级", "escalations"), ("releases 退回", "releases"),
    ("help requests 求助", "help_requests"), ("follow-ups 回访", "follow_ups"),
    ("satisfaction rate 满意率", "rate:satisfaction_rate"), ("satisfaction mean 满意度均值", "satisfaction_mean"),
    ("recorded 录入", "recorded"),
)
#: the columns of the terminal table (the file formats carry every column)
TABLE_COLUMNS = ("rank", "key", "received", "closed", "rate:closure_rate", "rate:on_time_rate", "rate:claim_rate",
                 "rate:satisfaction_rate")


class ReportOutputError(ValueError):
    """The report cannot be written where asked (an unwritable file, XLSX to a terminal ...)."""


def add_report_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--from", dest="start", metavar="DATE", help="first day, e.g. 2026-01-01")
    parser.add_argument("--to", dest="end", metavar="DATE", help="last day (inclusive), e.g. 2026-12-31")
    parser.add_argument("--year", metavar="Y", help="a whole year instead of --from/--to: 2026")
    parser.add_argument("--quarter", metavar="Q", help="a quarter: 2026Q3")
    parser.add_argument("--month", metavar="M", help="a month: 2026-11")
    parser.add_argument("--unit", metavar="NAME", help="only this unit's row (with its tier's and the district's)")
    parser.add_argument("--tier", choices=[t.value for t in Tier], help="only the units of this tier")
    parser.add_argument("--group", choices=["category"], help="category: add a row per matter category")
    parser.add_argument("--format", choices=FORMATS, default="table", help="table (default), csv, xlsx or json")
    parser.add_argument("--output", "-o", metavar="FILE", help="write to this file instead of standard output")


def period_of(args: argparse.Namespace) -> Period:
    """The period of the command line; :class:`PeriodError` names the option (``--from`` ...) at fault."""
    try:
        return parse_period(args.start, args.end, year=args.year, quarter=args.quarter, month=args.month)
    except PeriodError as exc:
        raise PeriodError(exc.field, f"--{exc.field}: {exc}") from None


#: the names of the totals in the unit column (both languages, as the headers): the district tier's units and
#: the whole district are two different sums and must not share a name
TOTAL_NAMES = {("tier", Tier.district.value): "Σ district tier 区级单位合计",
               ("tier", Tier.town.value): "Σ towns 镇街合计", ("tier", Tier.village.value): "Σ villages 村社区合计",
               ("district", "district"): "Σ whole district 全区合计"}


def row_name(row: AssessmentRow) -> str:
    """The unit column of a row: the unit's (or month's, category's) key, or the total's name."""
    return TOTAL_NAMES.get((row.kind, row.key), row.key)


def _value(row: AssessmentRow, path: str) -> Any:
    f = row.figures
    if path == "rank":
        return row.rank
    if path == "key":
        return row_name(row)
    if path == "tier":
        return row.tier.value if row.tier else ""
    if path.startswith("rate:"):
        return getattr(f, path[5:])
    if path.startswith("hours:"):
        _, name, part = path.split(":")
        return getattr(getattr(f, name), part)
    return getattr(f, path)


def all_rows(out: AssessmentOut) -> list[AssessmentRow]:
    return [*out.units, *out.tiers, out.district, *out.categories]


def _cell_text(value: Any) -> str:
    """A figure as a cell: a rate by its text (``93.92 % (371/395)``), nothing for no value."""
    if value is None:
        return ""
    return value.text if isinstance(value, RateOut) else str(value)


def _text(value: Any) -> str:
    """A figure in the table: as a cell, ``—`` for no value."""
    return "—" if value is None else _cell_text(value)


def to_csv(out: AssessmentOut) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(["row", *(header for header, _ in COLUMNS)])
    for row in all_rows(out):
        writer.writerow([row.kind, *(_cell_text(_value(row, path)) for _, path in COLUMNS)])
    return "\ufeff".encode() + buf.getvalue().encode("utf-8")


def to_json(out: AssessmentOut) -> bytes:
    return (json.dumps(out.model_dump(mode="json"), ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def to_xlsx(out: AssessmentOut) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    first = book.active
    sheets = [(tier.value, [r for r in out.units if r.tier is tier]) for tier in Tier]
    sheets.append(("summary", [*out.tiers, out.district]))
    if out.categories:
        sheets.append(("category", list(out.categories)))
    for index, (title, rows) in enumerate(sheets):
        sheet = first if index == 0 else book.create_sheet()
        sheet.title = title
        sheet.append([f"{out.first} – {out.last}"])
        sheet.append([header for header, _ in COLUMNS])
        for row in rows:
            cells = []
            for _, path in COLUMNS:
                value = _value(row, path)
                cells.append(value.value if path.startswith("rate:") else value)
            sheet.append(cells)
            for col, (_, path) in enumerate(COLUMNS, start=1):
                if path.startswith("rate:"):
                    sheet.cell(row=sheet.max_row, column=col).number_format = "0.00%"
        sheet.freeze_panes = "C3"
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int, right: bool) -> str:
    gap = " " * max(0, width - _width(text))
    return gap + text if right else text + gap


def _table_line(cells: list[str], widths: list[int]) -> str:
    """One line of the table: each cell in its column's width, the unit's (the second) left, the others right."""
    return "  ".join(_pad(x, w, i != 1) for i, (x, w) in enumerate(zip(cells, widths, strict=True)))


def to_table(out: AssessmentOut) -> str:
    headers = {path: header for header, path in COLUMNS}
    lines = [f"assessment {out.first} – {out.last} (as of {out.as_of:%Y-%m-%d %H:%M} UTC; rules: docs/assessment.md)"]
    groups: list[tuple[str, list[AssessmentRow]]] = [
        (f"tier {tier.value}", [r for r in out.units if r.tier is tier]) for tier in Tier]
    groups.append(("totals", [*out.tiers, out.district]))
    if out.categories:
        groups.append(("by category", list(out.categories)))
    for title, rows in groups:
        if not rows:
            continue
        cells = [[_text(_value(r, p)) if p != "rank" or r.kind == "unit" else "" for p in TABLE_COLUMNS]
                 for r in rows]
        heads = [headers[p] for p in TABLE_COLUMNS]
        widths = [max(_width(x) for x in [h, *(c[i] for c in cells)]) for i, h in enumerate(heads)]
        lines += ["", f"== {title}", _table_line(heads, widths)]
        lines += [_table_line(c, widths) for c in cells]
    return "\n".join(lines) + "\n"


def render(out: AssessmentOut, fmt: str) -> bytes:
    if fmt == "csv":
        return to_csv(out)
    if fmt == "xlsx":
        return to_xlsx(out)
    if fmt == "json":
        return to_json(out)
    return to_table(out).encode("utf-8")


def check_output(fmt: str, output: str | None, stdout: IO[Any] | None = None) -> None:
    """Refuse before any work is done: XLSX to a terminal, a file in a directory that does not exist."""
    stdout = stdout or sys.stdout
    if output is None:
        if fmt == "xlsx" and stdout.isatty():
            raise ReportOutputError("an XLSX file is not for a terminal: give --output FILE.xlsx "
                                    "(or redirect the output to a file)")
        return
    path = Path(output)
    if path.is_dir():
        raise ReportOutputError(f"--output {output}: is a directory; give a file name")
    if not path.parent.exists():
        raise ReportOutputError(f"--output {output}: the directory {path.parent} does not exist")


def write(data: bytes, output: str | None, stdout: IO[Any] | None = None) -> None:
    if output is None:
        stream = stdout or sys.stdout
        target = getattr(stream, "buffer", None)
        if target is not None:
            stream.flush()
            target.write(data)
            target.flush()
        else:
            stream.write(data.decode("utf-8"))
        return
    path = Path(output)
    tmp = path.with_name(f".{path.name}.part")
    try:
        tmp.write_bytes(data)
        tmp.replace(path)
    except OSError as exc:
        try:
            tmp.unlink(missing_ok=True)
        except OSError:
            pass
        raise ReportOutputError(f"--output {output}: cannot write it ({exc.strerror or exc})") from None
