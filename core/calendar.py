"""The working-day calendar: weekends, statutory holidays and make-up workdays (调休).

In China a *working day* is a weekday that is not a statutory holiday, or a weekend day the State Council has
turned into a make-up workday (调休上班). Next year's schedule is only published late in the year, so the calendar
has to know, for every year, *where its knowledge comes from* and say so when it is only guessing.

Where a year's days come from, strongest first:

1. **Admin overrides** (:class:`YearOverrides`): plain data the server stores in its database and passes in; a
   mapping date → :class:`DayType` (``holiday`` | ``workday``) with an optional name and note. They are applied
   on top of everything else, so an admin can also correct a year the package covers.
2. **The seed**: the ``chinesecalendar`` package (:class:`ChineseCalendarSource`) for the years it covers. The
   calendar asks the package itself (it raises ``NotImplementedError`` for a year it has no data for; that
   exception never leaves this module), so upgrading the package extends the coverage without a code change.
3. **Monday–Friday**: a year with neither is counted Monday–Friday, and the calendar *reports* it.

:meth:`WorkdayCalendar.coverage` tells, for a year, which of these applies (:class:`Coverage`):

=============  ==========================================================================  ==============
``package``    ``chinesecalendar`` covers the year (admin overrides, if any, on top)          reliable
``overrides``  not in the package; the admin's overrides are marked ``complete``              reliable
``partial``    not in the package; some overrides, not marked complete → Mon–Fri + them      **warning**
``fallback``   nothing known → Monday–Friday                                                  **warning**
=============  ==========================================================================  ==============

:meth:`WorkdayCalendar.warnings_for` lists a :class:`CalendarWarning` for every unreliable year a date range
touches; a deadline that crosses such a year is *provisional* (see :mod:`.deadlines`). The calendar never raises
for a date it does not know and never silently guesses.

How the server uses it
----------------------
* Store overrides as rows, e.g. ``calendar_days(day DATE PRIMARY KEY, type TEXT CHECK (type IN ('holiday',
  'workday')), name TEXT NULL, note TEXT NULL, …audit columns)`` plus ``calendar_years(year INT PRIMARY KEY,
  complete BOOL, …)``; build one :class:`YearOverrides` per year with :meth:`YearOverrides.build` (it validates
  exactly like the import file) and a calendar with ``WorkdayCalendar(overrides)``.
* The calendar is immutable and caches each year's day table on first use (about 6 ms per package year, then a
  list lookup per day), so build it once and share it between requests; after an admin edit build a new one
  (:meth:`WorkdayCalendar.with_year` / :meth:`WorkdayCalendar.without_year`). With several workers, rebuild when
  the stored overrides change (e.g. keep a version number with them), never from per-process state.
* An admin import is a text file (format below) parsed by :func:`parse_year_file`: it returns either a
  :class:`YearOverrides` or a list of :class:`LineError` (line number, stable ``code``, English ``message`` and
  ``params`` for the catalogs), never a partial result. :func:`format_year_file` writes the same format back
  (export / edit / re-import round-trips).
* Admin screen and status line: ``calendar.coverage(year)`` for the current and next year, and
  ``calendar.warnings_for(today, today + timedelta(days=60))`` for a visible warning.

Import file format
------------------
UTF-8 text, one statement per line; ``#`` starts a comment anywhere on a line; blank lines are ignored::

    # 2027 schedule, 国务院办公厅关于2027年部分节假日安排的通知
    year 2027
    complete yes
    2027-01-01 holiday 元旦
    2027-02-06 workday 春节调休 | 补2月12日
    2027-02-11 休 春节

* ``year YYYY`` must come before any day line, exactly once; the year must lie in 2000–2100 (:data:`MIN_YEAR`,
  :data:`MAX_YEAR`: the make-up-workday scheme began with the 1999 Golden Weeks so nothing earlier is meaningful,
  and the upper bound catches typos such as ``2207`` while staying generous).
* ``complete yes|no`` (optional, default ``no``): ``yes`` says the file is the year's whole published schedule;
  days it does not list are then ordinary (Mon–Fri work, Sat–Sun rest) and the year counts as reliable.
* A day line is ``YYYY-MM-DD TYPE [NAME] [| NOTE]``: the date in ISO form with two-digit month and day; ``TYPE``
  is ``holiday`` (or ``休``) for a day off, ``workday`` (or ``班``) for a day at work; the optional name (e.g.
  ``春节``) and, after ``|``, an optional note are free text.
* Errors, each with its 1-based line number: unknown date format, a date that does not exist, a date outside the
  stated year, a year missing / repeated / not a number / out of range, an unknown day type, a date listed twice
  with the same type (duplicate) or as both holiday and workday (conflict), an unknown statement, a bad
  ``complete`` value.
"""

from __future__ import annotations

import re
import threading
from bisect import bisect_right
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import Enum, StrEnum
from types import MappingProxyType
from typing import Any, Protocol, cast

#: the years a calendar file or an override may name (see the module docstring for why)
MIN_YEAR = 2000
MAX_YEAR = 2100


class DayType(StrEnum):
    """What an override (or the seed) says a day is."""

    holiday = "holiday"  #: a day off, whatever its weekday
    workday = "workday"  #: a day at work, whatever its weekday (a make-up workday on a weekend)


class DayKind(StrEnum):
    """What a day *is* in the calendar, for display (``DayInfo.kind``)."""

    workday = "workday"  #: an ordinary working day (or a weekday an override declares a workday)
    makeup_workday = "makeup_workday"  #: a Saturday or Sunday worked instead of a holiday (调休上班)
    weekend = "weekend"  #: an ordinary Saturday or Sunday
    holiday = "holiday"  #: a statutory holiday (or any day an override makes a day off), incl. its weekend days

    @property
    def is_workday(self) -> bool:
        return self in (DayKind.workday, DayKind.makeup_workday)


class Coverage(StrEnum):
    """Where a year's working days come from (see the table in the module docstring)."""

    package = "package"
    overrides = "overrides"
    partial = "partial"
    fallback = "fallback"

    @property
    def reliable(self) -> bool:
        return self in (Coverage.package, Coverage.overrides)


class CalendarDataError(ValueError):
    """Override data handed to :class:`YearOverrides` is invalid (the message says what and where)."""


# --------------------------------------------------------------------------------------------------- data


@dataclass(frozen=True, slots=True)
class DayOverride:
    day: date
    type: DayType
    name: str | None = None
    note: str | None = None

    def __post_init__(self) -> None:
        if type(self.day) is not date:  # a datetime is a date too; refuse it rather than drop its time
            raise CalendarDataError(f"day must be a datetime.date, not {type(self.day).__name__}")
        try:
            object.__setattr__(self, "type", DayType(self.type))
        except ValueError:
            raise CalendarDataError(f"{self.day}: unknown day type {self.type!r} (holiday or workday)") from None
        object.__setattr__(self, "name", self.name or None)
        object.__setattr__(self, "note", self.note or None)


@dataclass(frozen=True)
class YearOverrides:
    """An admin's days for one year. ``days`` maps each date to its :class:`DayOverride` (read-only).

    ``complete`` says the admin entered the year's whole published schedule: unlisted days are then ordinary
    (Mon–Fri work) and a year the package does not cover counts as reliable. Build it with :meth:`build`.
    """

    year: int
    days: Mapping[date, DayOverride] = field(default_factory=dict)
    complete: bool = False

    def __post_init__(self) -> None:
        if isinstance(self.year, bool) or not isinstance(self.year, int):
            raise CalendarDataError(f"year must be an integer, not {self.year!r}")
        if not MIN_YEAR <= self.year <= MAX_YEAR:
            raise CalendarDataError(f"year {self.year} is outside {MIN_YEAR}–{MAX_YEAR}")
        for key, entry in self.days.items():
            if not isinstance(entry, DayOverride):
                raise CalendarDataError(f"{key}: expected a DayOverride, not {type(entry).__name__}")
            if key != entry.day:
                raise CalendarDataError(f"{key}: the entry is for {entry.day}")
            if entry.day.year != self.year:
                raise CalendarDataError(f"{entry.day} lies outside the year {self.year}")
        object.__setattr__(self, "days", MappingProxyType(dict(sorted(self.days.items()))))

    @classmethod
    def build(cls, year: int, entries: Iterable[Any] | Mapping[date, Any] = (), *,
              complete: bool = False) -> YearOverrides:
        """Validated overrides from plain data.

        ``entries`` is a mapping ``date → type`` (``"holiday"``/``"workday"``/:class:`DayType`/``DayOverride``)
        or an iterable of :class:`DayOverride`, of ``(day, type[, name[, note]])`` tuples or of mappings with keys
        ``day``, ``type``, ``name``, ``note`` (database rows). A date given twice raises
        :class:`CalendarDataError`, as does anything :class:`DayOverride` or the year check refuses.
        """
        items: list[DayOverride] = []
        if isinstance(entries, Mapping):
            for day, value in entries.items():
                items.append(value if isinstance(value, DayOverride) else DayOverride(day, value))
        else:
            for row in entries:
                if isinstance(row, DayOverride):
                    items.append(row)
                elif isinstance(row, Mapping):
                    items.append(DayOverride(row["day"], row["type"], row.get("name"), row.get("note")))
                else:
                    items.append(DayOverride(*cast("tuple[Any, ...]", row)))
        days: dict[date, DayOverride] = {}
        for item in items:
            if item.day in days:
                raise CalendarDataError(f"{item.day} is given twice")
            days[item.day] = item
        return cls(year, days, complete)

    def __len__(self) -> int:
        return len(self.days)


@dataclass(frozen=True, slots=True)
class DayInfo:
    """One day as the calendar sees it. ``name`` is the holiday's name (Chinese for the package's days: 春节)."""

    day: date
    kind: DayKind
    name: str | None = None
    note: str | None = None
    #: where the day's status comes from: ``override``, ``package`` or ``weekday`` (the plain Mon–Fri rule)
    source: str = "weekday"
    #: the package's holiday identifier (``spring_festival`` …) for catalogs, when the package named the day
    holiday_key: str | None = None

    @property
    def is_workday(self) -> bool:
        return self.kind.is_workday


@dataclass(frozen=True, slots=True)
class CalendarWarning:
    """An unreliable year. ``code`` is ``calendar.partial`` or ``calendar.fallback``; ``message`` is English."""

    year: int
    coverage: Coverage
    code: str
    message: str
    override_count: int = 0

    @property
    def params(self) -> dict[str, Any]:
        return {"year": self.year, "coverage": str(self.coverage), "override_count": self.override_count}


@dataclass(frozen=True, slots=True)
class YearCoverage:
    year: int
    coverage: Coverage
    #: admin overrides in this year (on top of the package, or on top of Mon–Fri)
    override_count: int = 0
    #: the seed's name and version when it covers the year (``chinesecalendar 1.11.0``)
    source: str | None = None
    #: why the seed could not be asked, if it failed in an unexpected way
    detail: str | None = None

    @property
    def reliable(self) -> bool:
        return self.coverage.reliable

    @property
    def warning(self) -> CalendarWarning | None:
        if self.coverage is Coverage.partial:
            return CalendarWarning(
                self.year, self.coverage, "calendar.partial",
                f"{self.year}: only {self.override_count} day(s) entered and the year is not marked complete; "
                "other days are counted Monday–Friday", self.override_count)
        if self.coverage is Coverage.fallback:
            return CalendarWarning(
                self.year, self.coverage, "calendar.fallback",
                f"{self.year}: no holiday schedule known; days are counted Monday–Friday", 0)
        return None


# --------------------------------------------------------------------------------------------------- seed


class HolidaySource(Protocol):
    """A seed of statutory schedules (``chinesecalendar``, or a fixed table in tests)."""

    #: shown in :attr:`YearCoverage.source`
    name: str

    def year(self, year: int) -> Mapping[date, DayOverride] | None:  # pragma: no cover - protocol
        """The year's special days (holidays incl. their weekend days, make-up workdays), ``None`` if uncovered."""
        ...


class ChineseCalendarSource:
    """The ``chinesecalendar`` package as a :class:`HolidaySource`.

    A year is covered when the package answers for both its first and last day (it raises
    ``NotImplementedError`` otherwise; caught here). If the package is missing or fails in another way, the
    year is reported uncovered with the reason in :attr:`last_error`, so it shows up as a warning.
    """

    def __init__(self) -> None:
        try:
            import chinese_calendar
        except ImportError as exc:  # pragma: no cover - the package is a dependency
            self._cc: Any = None
            self.name = "chinesecalendar (not installed)"
            self.last_error: str | None = str(exc)
            return
        self._cc = chinese_calendar
        self.name = f"chinesecalendar {getattr(chinese_calendar, '__version__', '?')}"
        self.last_error = None
        self._chinese = {h.value: (h.name, getattr(h, "chinese", None) or h.value) for h in chinese_calendar.Holiday}
        self._keys = {zh: key for key, zh in self._chinese.values()}

    def holiday_key(self, name: str | None) -> str | None:
        """The package's identifier (``spring_festival``) for a holiday name it gave, for catalogs."""
        return self._keys.get(name) if name else None

    def covers(self, year: int) -> bool:
        if self._cc is None:
            return False
        try:
            self._cc.is_workday(date(year, 1, 1))
            self._cc.is_workday(date(year, 12, 31))
        except NotImplementedError:
            return False
        except Exception as exc:  # noqa: BLE001 - a foreign package must not take the server down
            self.last_error = f"{type(exc).__name__}: {exc}"
            return False
        return True

    def year(self, year: int) -> Mapping[date, DayOverride] | None:
        if not self.covers(year):
            return None
        out: dict[date, DayOverride] = {}
        try:
            for day in _days_of(year):
                is_off, name = self._cc.get_holiday_detail(day)
                weekend = day.weekday() >= 5
                if is_off and not weekend or is_off and name:
                    kind = DayType.holiday
                elif not is_off and weekend:
                    kind = DayType.workday
                else:
                    continue
                out[day] = DayOverride(day, kind, self._chinese.get(name, (None, name))[1] if name else None)
        except NotImplementedError:
            return None
        except Exception as exc:  # noqa: BLE001
            self.last_error = f"{type(exc).__name__}: {exc}"
            return None
        return out


class TableSource:
    """A fixed seed: ``{year: {date: "holiday" | "workday" | DayOverride}}`` (tests, or a frozen snapshot)."""

    def __init__(self, years: Mapping[int, Mapping[date, Any]], name: str = "table") -> None:
        self.name = name
        self._years = {y: YearOverrides.build(y, days).days for y, days in years.items()}

    def year(self, year: int) -> Mapping[date, DayOverride] | None:
        return self._years.get(year)


# --------------------------------------------------------------------------------------------------- calendar


def _days_of(year: int) -> Iterator[date]:
    day = date(year, 1, 1)
    one = timedelta(days=1)
    while day.year == year:
        yield day
        day += one


@dataclass(frozen=True, slots=True)
class _Year:
    first_ordinal: int
    flags: bytes  #: 1 for a working day, by day of year (0-based)
    workdays: tuple[int, ...]  #: ordinals of the working days, ascending
    special: Mapping[date, DayInfo]
    coverage: YearCoverage


class _Default(Enum):
    """The default of an argument that may also be ``None``."""

    source = "source"


_DEFAULT_SOURCE = _Default.source


class WorkdayCalendar:
    """Working days from the seed, the admin's overrides and the Monday–Friday fallback.

    ``WorkdayCalendar()`` uses ``chinesecalendar`` and no overrides; ``WorkdayCalendar(overrides, source=None)``
    has no seed at all (every year without complete overrides is a fallback year).
    Implements the :class:`huiyin.core.deadlines.WorkCalendar` protocol plus fast ``count_workdays`` and
    ``nth_workday_after`` that :mod:`.deadlines` uses when present.
    """

    def __init__(self, overrides: Iterable[YearOverrides] | Mapping[int, YearOverrides] = (), *,
                 source: HolidaySource | None | _Default = _DEFAULT_SOURCE) -> None:
        if isinstance(overrides, Mapping):
            overrides = overrides.values()
        by_year: dict[int, YearOverrides] = {}
        for item in overrides:
            if not isinstance(item, YearOverrides):
                raise CalendarDataError(f"expected YearOverrides, not {type(item).__name__}")
            if item.year in by_year:
                raise CalendarDataError(f"overrides for {item.year} are given twice")
            by_year[item.year] = item
        self._overrides: Mapping[int, YearOverrides] = MappingProxyType(by_year)
        self._source: HolidaySource | None = (
            _shared_package_source() if isinstance(source, _Default) else source)
        self._years: dict[int, _Year] = {}
        self._lock = threading.Lock()

    # -- building new calendars

    @property
    def overrides(self) -> Mapping[int, YearOverrides]:
        return self._overrides

    @property
    def source(self) -> HolidaySource | None:
        return self._source

    def with_year(self, overrides: YearOverrides) -> WorkdayCalendar:
        """A new calendar with ``overrides`` replacing whatever this one had for that year."""
        merged = dict(self._overrides)
        merged[overrides.year] = overrides
        return WorkdayCalendar(merged, source=self._source)

    def without_year(self, year: int) -> WorkdayCalendar:
        merged = {y: o for y, o in self._overrides.items() if y != year}
        return WorkdayCalendar(merged, source=self._source)

    # -- per-year table

    def _year(self, year: int) -> _Year:
        table = self._years.get(year)
        if table is None:
            with self._lock:
                table = self._years.get(year)
                if table is None:
                    table = self._build(year)
                    self._years[year] = table
        return table

    def _build(self, year: int) -> _Year:
        special: dict[date, DayInfo] = {}
        seeded = None
        detail = None
        if self._source is not None and 1 <= year <= 9999:
            seeded = self._source.year(year)
            detail = getattr(self._source, "last_error", None) if seeded is None else None
        key_of = getattr(self._source, "holiday_key", None)
        for day, entry in (seeded or {}).items():
            special[day] = _info(entry, "package", key_of(entry.name) if key_of else None)
        ov = self._overrides.get(year)
        for day, entry in (ov.days if ov else {}).items():
            special[day] = _info(entry, "override")
        count = len(ov) if ov else 0
        if seeded is not None:
            assert self._source is not None  # only a source seeds a year
            cov = YearCoverage(year, Coverage.package, count, self._source.name)
        elif ov is not None and ov.complete:
            cov = YearCoverage(year, Coverage.overrides, count)
        elif count:
            cov = YearCoverage(year, Coverage.partial, count, detail=detail)
        else:
            cov = YearCoverage(year, Coverage.fallback, 0, detail=detail)
        first = date(year, 1, 1).toordinal()
        flags = bytearray()
        for day in _days_of(year):
            info = special.get(day)
            flags.append(1 if (info.is_workday if info else day.weekday() < 5) else 0)
        workdays = tuple(first + i for i, f in enumerate(flags) if f)
        return _Year(first, bytes(flags), workdays, MappingProxyType(special), cov)

    # -- questions

    def is_workday(self, day: date) -> bool:
        table = self._year(day.year)
        return bool(table.flags[day.toordinal() - table.first_ordinal])

    def day_info(self, day: date) -> DayInfo:
        info = self._year(day.year).special.get(day)
        if info is not None:
            return info
        return DayInfo(day, DayKind.workday if day.weekday() < 5 else DayKind.weekend)

    def special_days(self, year: int) -> list[DayInfo]:
        """The year's days that differ from plain Mon–Fri or carry a name (holidays, make-up workdays), sorted."""
        return list(self._year(year).special.values())

    def coverage(self, year: int) -> YearCoverage:
        return self._year(year).coverage

    def warnings_for(self, start: date, end: date) -> list[CalendarWarning]:
        """A warning for each unreliable year between ``start`` and ``end`` (inclusive, either order)."""
        lo, hi = sorted((start.year, end.year))
        out = []
        for year in range(lo, hi + 1):
            warning = self.coverage(year).warning
            if warning is not None:
                out.append(warning)
        return out

    def count_workdays(self, start: date, end: date) -> int:
        """Working days ``d`` with ``start <= d < end`` (0 when ``end <= start``)."""
        if end <= start:
            return 0
        total = 0
        s, e = start.toordinal(), end.toordinal()
        for year in range(start.year, end.year + 1):
            table = self._year(year)
            total += (bisect_right(table.workdays, e - 1) - bisect_right(table.workdays, s - 1))
        return total

    def nth_workday_after(self, day: date, n: int) -> date:
        """The ``n``-th working day strictly after ``day`` (``n >= 1``); ``n == 0`` → the first on or after it."""
        if n < 0:
            raise ValueError("n must not be negative")
        if n == 0:
            n, day = 1, day - timedelta(days=1)
        year = day.year
        after = day.toordinal()
        for _ in range(12):  # a year without a single working day is possible only through absurd overrides
            table = self._year(year)
            i = bisect_right(table.workdays, after)
            available = len(table.workdays) - i
            if n <= available:
                return date.fromordinal(table.workdays[i + n - 1])
            n -= available
            year += 1
            if year > 9999:
                break
        raise ValueError(f"no working day found after {day}")


def _info(entry: DayOverride, source: str, key: str | None = None) -> DayInfo:
    weekend = entry.day.weekday() >= 5
    if entry.type is DayType.workday:
        kind = DayKind.makeup_workday if weekend else DayKind.workday
    else:
        kind = DayKind.holiday
    return DayInfo(entry.day, kind, entry.name, entry.note, source, key)


_PACKAGE_SOURCE: ChineseCalendarSource | None = None


def _shared_package_source() -> ChineseCalendarSource:
    global _PACKAGE_SOURCE
    if _PACKAGE_SOURCE is None:
        _PACKAGE_SOURCE = ChineseCalendarSource()
    return _PACKAGE_SOURCE


# --------------------------------------------------------------------------------------------------- file format


@dataclass(frozen=True, slots=True)
class LineError:
    """One problem in an import file. ``code`` is stable (for catalogs); ``message`` is English."""

    line: int
    code: str
    message: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


@dataclass(frozen=True, slots=True)
class YearFileResult:
    """Either ``overrides`` (and no errors) or ``errors`` (and no overrides): never a partial result."""

    overrides: YearOverrides | None
    errors: tuple[LineError, ...] = ()

    @property
    def ok(self) -> bool:
        return self.overrides is not None


_TYPE_WORDS = {"holiday": DayType.holiday, "休": DayType.holiday, "workday": DayType.workday, "班": DayType.workday}
_DATE_RE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_YES = {"yes": True, "true": True, "no": False, "false": False}


def parse_year_file(text: str) -> YearFileResult:
    """Parse one year's import file (format in the module docstring); all errors at once, sorted by line."""
    errors: list[LineError] = []

    def err(line: int, code: str, message: str, **params: Any) -> None:
        errors.append(LineError(line, code, message, {"line": line, **params}))

    year: int | None = None
    year_line = 0
    year_ok = False
    complete: bool | None = None
    complete_line = 0
    seen: dict[date, tuple[int, DayType]] = {}
    entries: list[DayOverride] = []

    missing_reported = False
    if text.startswith("\ufeff"):
        text = text[1:]
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        head, *tail = line.split(None, 1)
        rest = tail[0] if tail else ""
        keyword = head.lower()
        if keyword == "year":
            if year_line:
                err(number, "duplicate_year", f"the year is already stated on line {year_line}",
                    first_line=year_line)
                continue
            year_line = number
            if not re.fullmatch(r"\d{4}", rest):
                err(number, "bad_year", f"not a four-digit year: {rest!r}", value=rest)
                continue
            year = int(rest)
            if not MIN_YEAR <= year <= MAX_YEAR:
                err(number, "year_out_of_range", f"year {year} is outside {MIN_YEAR}–{MAX_YEAR}",
                    year=year, min=MIN_YEAR, max=MAX_YEAR)
                continue
            year_ok = True
            continue
        if keyword == "complete":
            if complete_line:
                err(number, "duplicate_complete", f"'complete' is already stated on line {complete_line}",
                    first_line=complete_line)
                continue
            complete_line = number
            if rest.lower() not in _YES:
                err(number, "bad_complete", f"'complete' takes yes or no, not {rest!r}", value=rest)
                continue
            complete = _YES[rest.lower()]
            continue
        # a day line: DATE TYPE [NAME] [| NOTE]
        if not head[:1].isdigit():
            err(number, "unknown_statement", f"expected a date (YYYY-MM-DD), 'year' or 'complete', not {head!r}",
                value=head)
            continue
        if not year_line and not missing_reported:
            missing_reported = True
            err(number, "missing_year", "state the year before the first day, e.g. 'year 2027'")
        match = _DATE_RE.match(head)
        if not match:
            err(number, "bad_date_format", f"unknown date format {head!r}; write dates as YYYY-MM-DD", value=head)
            continue
        try:
            day = date(int(match[1]), int(match[2]), int(match[3]))
        except ValueError:
            err(number, "no_such_date", f"{head} is not a date of the calendar", value=head)
            continue
        if year_ok and day.year != year:
            err(number, "date_outside_year", f"{day} lies outside the stated year {year}",
                date=str(day), year=year)
            continue
        type_word, *tail = rest.split(None, 1)  if rest else ("",)
        name_part = tail[0] if tail else ""
        if not type_word:
            err(number, "missing_day_type", f"{day}: give the day type, holiday or workday", date=str(day))
            continue
        kind = _TYPE_WORDS.get(type_word.lower())
        if kind is None:
            err(number, "unknown_day_type", f"unknown day type {type_word!r}; use holiday or workday",
                date=str(day), value=type_word)
            continue
        name, _, note = name_part.partition("|")
        if day in seen:
            first, first_kind = seen[day]
            if first_kind is kind:
                err(number, "duplicate_day", f"{day} is already listed on line {first}", date=str(day),
                    first_line=first)
            else:
                err(number, "conflicting_day", f"{day} is a {kind} here but a {first_kind} on line {first}",
                    date=str(day), first_line=first, type=str(kind), first_type=str(first_kind))
            continue
        seen[day] = (number, kind)
        entries.append(DayOverride(day, kind, name.strip() or None, note.strip() or None))

    if not year_line and not missing_reported:
        err(1, "missing_year", "the file does not state its year, e.g. 'year 2027'")
    if errors:
        errors.sort(key=lambda e: e.line)
        return YearFileResult(None, tuple(errors))
    assert year is not None
    return YearFileResult(YearOverrides.build(year, entries, complete=bool(complete)))


def format_year_file(overrides: YearOverrides, *, header: str | None = None) -> str:
    """The import format for ``overrides``; ``parse_year_file(format_year_file(o)).overrides == o``."""
    lines: list[str] = []
    if header:
        lines.extend(f"# {h}".rstrip() for h in header.splitlines())
    lines.append(f"year {overrides.year}")
    lines.append(f"complete {'yes' if overrides.complete else 'no'}")
    for entry in overrides.days.values():
        line = f"{entry.day.isoformat()} {entry.type}"
        if entry.name:
            line += f" {_clean(entry.name)}"
        if entry.note:
            line += f" | {_clean(entry.note)}"
        lines.append(line)
    return "\n".join(lines) + "\n"


def _clean(text: str) -> str:
    """Free text as it survives a round trip: one line, no ``#`` or ``|`` (those are syntax)."""
    return " ".join(text.replace("#", "＃").replace("|", "｜").split())
