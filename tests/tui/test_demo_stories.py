"""The four built-in stories pass ``huiyin demo --check``: every step's expectations, then each matter's final
state and its whole timeline as an operator of every tier on its path sees it. (A module of its own, so the
suite's workers run it beside the other demo tests.)"""

from __future__ import annotations

import pytest

from huiyin.core.schemas import MatterDetail
from huiyin.tui.client import ApiClient
from huiyin.tui.demo.command import check_scenario
from huiyin.tui.demo.scenario import load, resolve

from .conftest import SAMPLE_PASSWORD

# ------------------------------------------------------------------------------------------- the four stories
#: per story: the matter, its whole timeline (kind, acting unit), and operators of every tier on its path
STORIES = {
    "rock": ("rock", [("record", "双湖路社区便民服务站"), ("escalate", "双湖路社区便民服务站"),
                      ("escalate", "回兴街道便民服务中心"), ("claim", "区行政服务中心"), ("link", "区行政服务中心"),
                      ("answer", "区行政服务中心"), ("close", "双湖路社区便民服务站"),
                      ("follow_up", "双湖路社区便民服务站")],
             ["shuanghu", "huixing.center", "district.center", "command"]),
    "road": ("road", [("record", "柳桥社区便民服务站"), ("claim", "石船镇便民服务中心"),
                      ("progress", "石船镇便民服务中心"), ("answer", "石船镇便民服务中心"),
                      ("close", "柳桥社区便民服务站"), ("follow_up", "柳桥社区便民服务站")],
             ["liuqiao", "shichuan.center", "district.center", "command"]),
    "fingerprint": ("lei", [("record", "龙兴社区便民服务站"), ("claim", "龙兴镇社保所"), ("progress", "龙兴镇社保所"),
                            ("answer", "龙兴镇社保所"), ("close", "龙兴社区便民服务站"),
                            ("follow_up", "龙兴社区便民服务站")],
                    ["longxing.community", "longxing.shebao", "longxing.center", "command"]),
    "bus": ("bus", [("record", "兴旺村便民服务站"), ("escalate", "兴旺村便民服务站"),
                    ("claim", "双凤桥街道便民服务中心"), ("progress", "双凤桥街道便民服务中心"),
                    ("request_help", "双凤桥街道便民服务中心"), ("assign", "区群众工作指挥中心"), ("claim", "区交委"),
                    ("answer", "区交委"), ("close", "兴旺村便民服务站"), ("follow_up", "兴旺村便民服务站")],
            ["xingwang", "shuangfengqiao.center", "command", "transport"]),
}
SUPERVISION = {"at_risk", "overdue", "claim_overdue"}


@pytest.mark.anyio
@pytest.mark.parametrize("name", sorted(STORIES))
async def test_builtin_story_passes_check(name: str) -> None:
    key, timeline, viewers = STORIES[name]
    seen: dict[str, MatterDetail] = {}
    board: list[tuple[int, int, int]] = []

    async def inspect(app) -> None:  # type: ignore[no-untyped-def]
        number = app.player.numbers[key]
        # the command center's board after the story: every open matter of the sandbox in exactly one row
        api = ApiClient(app.server_url)
        try:
            await api.login("command", SAMPLE_PASSWORD)
            out = await api.board()
            page = await api.matters("district", limit=500)
            assert page.total <= 500
            board.append((sum(a.open for a in out.areas), out.district.open,
                          sum(1 for m in page.items if str(m.status) != "closed")))
        finally:
            await api.aclose()
        for username in viewers:
            api = ApiClient(app.server_url)
            try:
                await api.login(username, SAMPLE_PASSWORD)
                seen[username] = await api.matter(number)
            finally:
                await api.aclose()

    failures = await check_scenario(load(resolve(name)), inspect=inspect)
    assert failures == []
    rows, district, open_matters = board[0]
    assert rows == district == open_matters
    for username, detail in seen.items():
        assert str(detail.status) == "closed" and detail.satisfaction is not None, username
        story = [(str(e.kind), e.unit.name if e.unit else None) for e in detail.events
                 if str(e.kind) not in SUPERVISION]
        assert story == timeline, f"{username} sees another timeline"
