"""The countdown column's words: core computes the working time left and the urgency
(:func:`huiyin.core.deadlines.countdown`); this module only turns them into catalog text and a glyph.

Every urgency has an ASCII glyph as well as a theme colour (``urgency-at-risk`` / ``urgency-overdue``), so it
reads in 16 colours, without colour, and in a CJK terminal (no ambiguous-width marks).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from huiyin.core.calendar import WorkdayCalendar
from huiyin.core.deadlines import Countdown, DeadlinePolicy, Urgency, WorkCalendar, countdown

from .i18n import t

URGENCY_GLYPH: dict[Urgency | None, str] = {Urgency.on_track: " ", Urgency.at_risk: "!", Urgency.overdue: "X",
                                            None: " "}


@lru_cache(maxsize=1)
def default_calendar() -> WorkCalendar:
    """The district's working days (statutory holidays and make-up workdays from core's calendar seed)."""
    return WorkdayCalendar()


@dataclass(frozen=True, slots=True)
class TimeLeft:
    #: ``None`` once the matter is closed (no countdown any more)
    countdown: Countdown | None

    @property
    def urgency(self) -> Urgency | None:
        return self.countdown.urgency if self.countdown else None

    @property
    def glyph(self) -> str:
        return URGENCY_GLYPH[self.urgency]

    def label(self) -> str:
        c = self.countdown
        if c is None:
            return t("timeleft.done")
        if c.days and c.hours:
            amount = t("timeleft.days_hours", days=c.days, hours=c.hours)
        elif c.days:
            amount = t("timeleft.days", days=c.days)
        elif c.hours:
            amount = t("timeleft.hours", hours=c.hours)
        else:
            amount = t("timeleft.under_hour")
        return t("timeleft.overdue" if c.overdue else "timeleft.left", amount=amount)


def time_left(due_at: datetime, now: datetime, *, closed: bool = False, calendar: WorkCalendar | None = None,
              policy: DeadlinePolicy | None = None) -> TimeLeft:
    if closed:
        return TimeLeft(None)
    return TimeLeft(countdown(due_at, now, calendar or default_calendar(), policy))
