"""The live feed fans out once: open windows cost no database work while idle, and an event reaches twenty windows
with the database work of one reader (server/matters/feed.py), not twenty."""

from __future__ import annotations

import time
from contextlib import ExitStack

import httpx
from sqlalchemy import event

from tests.api.test_events import READ_TIMEOUT, last_event_id, open_feed

WINDOWS = 20


def _count_statements(engine):  # type: ignore[no-untyped-def]
    counted: list[str] = []

    def count(_conn, _cursor, statement, *_args):  # type: ignore[no-untyped-def]
        counted.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    return counted, lambda: event.remove(engine, "before_cursor_execute", count)


def test_twenty_windows_idle_for_free_and_get_each_event_from_one_read(server, api):
    command, shuanghu = api["command"], api["shuanghu"]
    number = shuanghu.record(title="一读多送")["number"]
    start = str(last_event_id(command))
    names = ["command", "liuqiao", "shuanghu", "huixing.center"]
    with ExitStack() as stack:
        client = stack.enter_context(httpx.Client(base_url=server.base_url,
                                                  timeout=httpx.Timeout(READ_TIMEOUT, connect=5.0),
                                                  limits=httpx.Limits(max_connections=WINDOWS + 5)))
        feeds = [stack.enter_context(open_feed(client, api[names[i % len(names)]].token, last_event_id=start))
                 for i in range(WINDOWS)]
        deadline = time.monotonic() + 10
        while server.ctx.feed.subscribers() < WINDOWS:
            assert time.monotonic() < deadline, "the windows did not all subscribe"
            time.sleep(0.02)
        time.sleep(0.2)  # their catch-up reads are done

        statements, stop = _count_statements(server.ctx.engine)
        try:
            time.sleep(1.0)
            idle = len(statements)
            # (supervision may make its pass meanwhile: it reads matters, not the event log)
            idle_feed = [st for st in statements if "matter_events" in st]
            shuanghu.act(number, "claim")
            for feed in feeds:
                (seen,) = feed.events(1)
                assert (seen["matter_number"], seen["kind"]) == (number, "claim")
                assert seen["status_before"] == "pending" and seen["status_after"] == "in_progress"
            busy = len(statements) - idle
        finally:
            stop()
    # idle: at most the reader's slow backstop poll, never a query per window
    assert len(idle_feed) <= 2, idle_feed
    # the claim itself (~15 statements), one read for everybody (~6), perhaps a supervision pass (~5); one read
    # per window would be five per window
    assert busy < 2 * WINDOWS, busy
