"""The countdown's words: core computes the working time left and the urgency
(:func:`huiyin.core.deadlines.countdown`) with the district's calendar and policy (fetched from the server:
:class:`DeadlineRules`); this module only turns them into catalog text, a glyph and a colour name.

Every urgency has an ASCII glyph as well as a theme colour (``urgency-on-track`` / ``urgency-at-risk`` /
``urgency-overdue``), so it reads in 16 colours, without colour, and in a CJK terminal (no ambiguous-width
marks): ``+`` on track, ``!`` at risk, ``X`` overdue.

A countdown is *provisional* (:data:`PROVISIONAL_MARK` after it, ``+ 5d 3h?``) when its deadline was counted
across a year whose holidays the calendar does not know yet (the server's ``due_provisional``), or when it
runs into such a year (one of ``GET /api/calendar/status``'s warnings): those days are counted Monday to
Friday until an admin loads that year's schedule. Clerks see the mark on the countdowns it affects; the
warning line itself is for admins, who can act on it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any

from huiyin.core.calendar import CalendarDataError, WorkdayCalendar, YearOverrides
from huiyin.core.deadlines import Countdown, DeadlinePolicy, PolicyError, Urgency, WorkCalendar, countdown

from .i18n import t

URGENCY_GLYPH: dict[Urgency | None, str] = {Urgency.on_track: "+", Urgency.at_risk: "!", Urgency.overdue: "X",
                                            None: " "}
#: after a provisional countdown (not colour alone; explained in help and docs/workbench.md)
PROVISIONAL_MARK = "?"
#: the theme variable of each urgency's colour (every shipped theme defines all three)
URGENCY_VARIABLE: dict[Urgency, str] = {Urgency.on_track: "urgency-on-track", Urgency.at_risk: "urgency-at-risk",
                                        Urgency.overdue: "urgency-overdue"}


@lru_cache(maxsize=1)
def default_calendar() -> WorkdayCalendar:
    """Statutory holidays and make-up workdays from core's calendar seed, without the district's own entries
    (used until the server's calendar arrives, and by widgets outside a workbench session)."""
    return WorkdayCalendar()


@dataclass(frozen=True)
class CalendarNotice:
    """One unreliable year from ``GET /api/calendar/status``."""

    year: int
    code: str
    message: str = ""

    def text(self) -> str:
        key = {"calendar.fallback": "calendar.fallback", "calendar.partial": "calendar.partial"}.get(self.code)
        return t(key, year=self.year) if key else f"{self.year}: {self.message}"


@dataclass(frozen=True)
class DeadlineRules:
    """What the workbench counts countdowns with: the district's calendar and deadline policy."""

    calendar: WorkCalendar = field(default_factory=default_calendar)
    policy: DeadlinePolicy = field(default_factory=DeadlinePolicy)
    warnings: tuple[CalendarNotice, ...] = ()

    @classmethod
    def from_wire(cls, policy: dict[str, Any] | None, years: list[Any] | None,
                  warnings: list[Any] | None = None, previous: DeadlineRules | None = None) -> DeadlineRules:
        """Build from the server's answers (``PolicyModel`` dict, ``CalendarOverridesYear`` models, warning
        models); a part that is missing or invalid keeps the previous value (never raises)."""
        base = previous or cls()
        built_policy = base.policy
        if policy is not None:
            try:
                built_policy = DeadlinePolicy.from_dict(policy)
            except (PolicyError, TypeError, ValueError):
                pass
        calendar = base.calendar
        if years is not None:
            try:
                calendar = WorkdayCalendar([YearOverrides.build(y.year, [d.model_dump() for d in y.days],
                                                                complete=y.complete) for y in years])
            except (CalendarDataError, TypeError, ValueError, KeyError, AttributeError):
                pass
        notices = base.warnings
        if warnings is not None:
            notices = tuple(CalendarNotice(w.year, w.code, w.message) for w in warnings)
        return cls(calendar, built_policy, notices)

    def uncovered(self, start: datetime, end: datetime) -> bool:
        """Whether counting from ``start`` to ``end`` (either order) runs through a year the calendar warns
        about (its holidays not known: counted Monday to Friday)."""
        if not self.warnings:
            return False
        first, last = sorted((start.astimezone(self.policy.tz).year, end.astimezone(self.policy.tz).year))
        return any(first <= notice.year <= last for notice in self.warnings)


@dataclass(frozen=True, slots=True)
class TimeLeft:
    #: ``None`` once the resident has been answered (no countdown any more)
    countdown: Countdown | None
    #: the catalog key shown instead of a countdown (``timeleft.done``, ``timeleft.answered``)
    finished: str = "timeleft.done"
    #: counted (partly) Monday to Friday for a year the calendar does not know yet
    provisional: bool = False

    @property
    def urgency(self) -> Urgency | None:
        return self.countdown.urgency if self.countdown else None

    @property
    def glyph(self) -> str:
        return URGENCY_GLYPH[self.urgency]

    @property
    def variable(self) -> str | None:
        """The theme variable of this urgency's colour (``None`` when done)."""
        urgency = self.urgency
        return URGENCY_VARIABLE.get(urgency) if urgency else None

    def amount(self) -> str:
        c = self.countdown
        if c is None:
            return ""
        if c.days and c.hours:
            return t("timeleft.days_hours", days=c.days, hours=c.hours)
        if c.days:
            return t("timeleft.days", days=c.days)
        if c.hours:
            return t("timeleft.hours", hours=c.hours)
        if c.overdue and c.working_seconds == 0:
            return t("timeleft.zero")
        return t("timeleft.under_hour")

    def label(self) -> str:
        c = self.countdown
        if c is None:
            return t(self.finished)
        return t("timeleft.overdue" if c.overdue else "timeleft.left", amount=self.amount())

    def text(self) -> str:
        """Glyph and words: ``! 剩5小时``, ``X overdue 1d``; ``+ 5d 3h?`` when provisional."""
        if self.countdown is None:
            return self.label()
        return f"{self.glyph} {self.label()}{PROVISIONAL_MARK if self.provisional else ''}"


def time_left(due_at: datetime, now: datetime, *, closed: bool = False, answered: bool = False,
              calendar: WorkCalendar | None = None, policy: DeadlinePolicy | None = None,
              rules: DeadlineRules | None = None, provisional: bool = False) -> TimeLeft:
    """The countdown to ``due_at`` at ``now``; none once the matter is ``closed`` or ``answered``.
    ``provisional``: the deadline itself was counted across an unknown year (``due_provisional``); the
    countdown is provisional too when it runs through a year the rules' calendar warns about."""
    if closed:
        return TimeLeft(None)
    if answered:
        return TimeLeft(None, "timeleft.answered")
    if rules is not None:
        calendar, policy = calendar or rules.calendar, policy or rules.policy
        provisional = provisional or rules.uncovered(now, due_at)
    return TimeLeft(countdown(due_at, now, calendar or default_calendar(), policy), provisional=provisional)

