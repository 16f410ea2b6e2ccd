"""repair deadline_days of complex matters upgraded from 0001 with the simple basis

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27

The first 0002 filled ``deadline_days`` with 3 for every existing row, so a complex matter recorded under
release 0001 (due 7 working days after it was recorded) carried a 3-day basis: a later calendar change recounted
it days earlier, and an approved extension could move it earlier. The wrong rows can be told apart exactly:

* recorded under 0001: its ``record`` event has no ``due_at`` (every later release writes one), and
* complex, and its basis minus the days every approved extension granted is 3 (the right basis is 7).

Those get the 4 missing days back; the open ones (pending, in progress) have their deadline recounted with the
district's calendar and policy as stored, like a calendar change does, with a ``deadline_changed`` timeline
entry when it moves. Nothing else is touched; running it on a database 0002 upgraded correctly changes nothing.
Downgrading keeps the repaired numbers (they are valid under 0002 too).
"""
import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from alembic import op

if TYPE_CHECKING:  # pragma: no cover
    from huiyin.core.calendar import WorkdayCalendar
    from huiyin.core.deadlines import DeadlinePolicy

revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: frozen like 0002's: the basis release 0001 used, and what 0002 wrongly wrote for complex matters
COMPLEX_DAYS, WRONG_DAYS = 7, 3
#: statuses whose deadline is still running (core.domain.DEADLINE_STATUSES at this revision)
OPEN = ('pending', 'in_progress')


def _tables() -> tuple[sa.TableClause, sa.TableClause]:
    from huiyin.server.storage.models import UTCDateTime

    matters = sa.table('matters', sa.column('id', sa.Integer), sa.column('complexity', sa.String),
                       sa.column('status', sa.String), sa.column('deadline_days', sa.Integer),
                       sa.column('created_at', UTCDateTime()), sa.column('due_at', UTCDateTime()),
                       sa.column('due_provisional', sa.Boolean), sa.column('due_notice', sa.String),
                       sa.column('holder_unit_id', sa.Integer), sa.column('version', sa.Integer))
    events = sa.table('matter_events', sa.column('id', sa.Integer), sa.column('matter_id', sa.Integer),
                      sa.column('kind', sa.String), sa.column('days', sa.Integer),
                      sa.column('due_at', UTCDateTime()), sa.column('status_after', sa.String),
                      sa.column('holder_unit_id', sa.Integer), sa.column('note', sa.String),
                      sa.column('created_at', UTCDateTime()))
    return matters, events


def _rules(conn: sa.Connection) -> tuple['WorkdayCalendar', 'DeadlinePolicy']:
    """The calendar and policy as the server would load them (server/storage/rules.py), read with plain SQL."""
    from huiyin.core.calendar import WorkdayCalendar, YearOverrides
    from huiyin.core.deadlines import DeadlinePolicy

    row = conn.execute(sa.text("SELECT value FROM server_settings WHERE key = 'deadline_policy'")).first()
    policy = DeadlinePolicy.from_dict(json.loads(row[0])) if row and row[0] else DeadlinePolicy()
    complete: dict[int, bool] = dict(conn.execute(sa.text("SELECT year, complete FROM calendar_years")).all())
    by_year: dict[int, list[dict[str, Any]]] = {}
    for day, year, type_, name, note in conn.execute(
            sa.text("SELECT day, year, type, name, note FROM calendar_days ORDER BY day")):
        if isinstance(day, str):
            day = datetime.strptime(day, '%Y-%m-%d').date()
        by_year.setdefault(year, []).append({'day': day, 'type': type_, 'name': name, 'note': note})
    overrides = [YearOverrides.build(y, by_year.get(y, []), complete=bool(complete.get(y, False)))
                 for y in sorted(set(complete) | set(by_year))]
    return WorkdayCalendar(overrides), policy


def upgrade() -> None:
    conn = op.get_bind()
    matters, events = _tables()
    recorded_by_0001 = sa.exists().where(events.c.matter_id == matters.c.id, events.c.kind == 'record',
                                         events.c.due_at.is_(None))
    granted = (sa.select(sa.func.coalesce(sa.func.sum(events.c.days), 0))
               .where(events.c.matter_id == matters.c.id, events.c.kind == 'approve_extension')
               .scalar_subquery())
    wrong = conn.execute(sa.select(matters, granted.label('granted'))
                         .where(matters.c.complexity == 'complex', recorded_by_0001)).mappings().all()
    wrong = [m for m in wrong if m['deadline_days'] - m['granted'] == WRONG_DAYS]
    if not wrong:
        return
    now = datetime.now(UTC)
    calendar = policy = None
    for m in wrong:
        days = m['deadline_days'] + COMPLEX_DAYS - WRONG_DAYS
        values: dict[str, Any] = {'deadline_days': days, 'version': m['version'] + 1}
        if m['status'] in OPEN:
            if calendar is None:
                calendar, policy = _rules(conn)
            from huiyin.core.deadlines import deadline

            due = deadline(m['created_at'], days, calendar, policy)
            values['due_provisional'] = due.provisional
            if due.due_at != m['due_at']:
                values['due_at'] = due.due_at
                if due.due_at > m['due_at']:
                    values['due_notice'] = 'none'
                conn.execute(events.insert().values(
                    matter_id=m['id'], kind='deadline_changed', status_after=m['status'],
                    holder_unit_id=m['holder_unit_id'], note='', due_at=due.due_at, created_at=now))
        conn.execute(matters.update().where(matters.c.id == m['id']).values(**values))


def downgrade() -> None:
    pass
