"""The sample district: Yubei (渝北区) from the article, its accounts and a few dozen matters in every status.

``huiyin init --sample`` (and the workbench's first start) builds it. Every sample account has the password
``huiyin-sample``. The matters are played through the real workflow (:mod:`.workflow`), so their timelines are
what the server itself would have written; they are recorded over the five days before the server's "now".
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy import text
from sqlmodel import Session, select

from huiyin.core.clock import ManualClock
from huiyin.core.domain import Action, Channel, Complexity, Role, Tier, UnitKind
from huiyin.core.schemas import ActionIn, MatterIn
from huiyin.server.base.security import hash_password
from huiyin.server.district import categories
from huiyin.server.district.audit import Who
from huiyin.server.district.setup import UnitSpec, create_operator, create_units, has_units
from huiyin.server.matters import workflow
from huiyin.server.state.context import ServerContext
from huiyin.server.storage.db import write_session
from huiyin.server.storage.models import Matter, Operator, ServerSetting, Unit

SAMPLE_PASSWORD = "huiyin-sample"
SAMPLE_MODE_KEY = "sample_mode"
#: the PostgreSQL advisory lock that lets one server at a time build the sample district ("sample")
SAMPLE_LOCK_KEY = 0x73616D706C65
DISTRICT = "渝北区"

D, T, V = Tier.district, Tier.town, Tier.village
G, SC, ST, DEP, CC = (UnitKind.government, UnitKind.service_center, UnitKind.station, UnitKind.department,
                      UnitKind.command_center)

UNITS: list[UnitSpec] = [
    UnitSpec(DISTRICT, D, G, code="YB"),
    UnitSpec("区行政服务中心", D, SC, DISTRICT),
    UnitSpec("区群众工作指挥中心", D, CC, DISTRICT),
    UnitSpec("区交委", D, DEP, DISTRICT),
    UnitSpec("区住房城乡建委", D, DEP, DISTRICT),
    UnitSpec("区人力社保局", D, DEP, DISTRICT),
    UnitSpec("区城市管理局", D, DEP, DISTRICT),
    UnitSpec("回兴街道便民服务中心", T, SC, DISTRICT),
    UnitSpec("双湖路社区便民服务站", V, ST, "回兴街道便民服务中心"),
    UnitSpec("宝圣湖社区便民服务站", V, ST, "回兴街道便民服务中心"),
    UnitSpec("石船镇便民服务中心", T, SC, DISTRICT),
    UnitSpec("柳桥社区便民服务站", V, ST, "石船镇便民服务中心"),
    UnitSpec("龙兴镇便民服务中心", T, SC, DISTRICT),
    UnitSpec("龙兴镇社保所", T, DEP, "龙兴镇便民服务中心"),
    UnitSpec("龙兴社区便民服务站", V, ST, "龙兴镇便民服务中心"),
    UnitSpec("双凤桥街道便民服务中心", T, SC, DISTRICT),
    UnitSpec("兴旺村便民服务站", V, ST, "双凤桥街道便民服务中心"),
]

#: (username, display name, role, unit): the accounts of shared/API.md, then the extra ones the stories use
OPERATORS: list[tuple[str, str, Role, str]] = [
    ("admin", "系统管理员", Role.admin, DISTRICT),
    ("command", "指挥中心值班员", Role.commander, "区群众工作指挥中心"),
    ("district.center", "区行政服务中心窗口", Role.clerk, "区行政服务中心"),
    ("transport", "区交委联络员", Role.clerk, "区交委"),
    ("huixing.center", "回兴街道窗口", Role.clerk, "回兴街道便民服务中心"),
    ("shuanghu", "李真云", Role.clerk, "双湖路社区便民服务站"),
    ("shichuan.center", "石船镇窗口", Role.clerk, "石船镇便民服务中心"),
    ("longxing.center", "龙兴镇窗口", Role.clerk, "龙兴镇便民服务中心"),
    ("longxing.shebao", "龙兴镇社保所", Role.clerk, "龙兴镇社保所"),
    ("shuangfengqiao.center", "双凤桥街道窗口", Role.clerk, "双凤桥街道便民服务中心"),
    ("xingwang", "岳灵", Role.clerk, "兴旺村便民服务站"),
    ("trainer", "培训讲师", Role.trainer, DISTRICT),
    ("district.supervisor", "区行政服务中心主管", Role.supervisor, "区行政服务中心"),
    ("huixing.supervisor", "回兴街道主管", Role.supervisor, "回兴街道便民服务中心"),
    ("liuqiao", "柳桥社区窗口", Role.clerk, "柳桥社区便民服务站"),
    ("longxing.community", "龙兴社区窗口", Role.clerk, "龙兴社区便民服务站"),
    ("baoshenghu", "宝圣湖社区窗口", Role.clerk, "宝圣湖社区便民服务站"),
    ("housing", "区住房城乡建委联络员", Role.clerk, "区住房城乡建委"),
    ("hrss", "区人力社保局联络员", Role.clerk, "区人力社保局"),
    ("urban", "区城市管理局联络员", Role.clerk, "区城市管理局"),
]

A = Action
#: (recorder, title, category, channel, complexity, resident, phone, address, steps); a step is
#: (operator, action, body) and each happens a little later than the one before
MATTERS: list[tuple[Any, ...]] = [
    ("shuanghu", "双湖路党校集资楼后危岩", "安全隐患", Channel.walk_in, Complexity.complex, "李女士", "13812340001",
     "双湖路党校集资楼后", [("shuanghu", A.escalate, {"note": "危岩加固涉及上级部门和建筑公司,社区无权处置"}),
                           ("huixing.center", A.escalate, {"note": "需区级部门统筹,街道无法单独解决"}),
                           ("district.center", A.claim, {}),
                           ("district.center", A.progress, {"note": "已对接区住房城乡建委危岩整治工作组"})]),
    ("liuqiao", "柳桥街路面破损,长久失修", "道路交通", Channel.walk_in, Complexity.simple, "王先生", "13812340002",
     "石船镇柳桥街", [("shichuan.center", A.claim, {}),
                      ("shichuan.center", A.progress, {"note": "镇政府已启动柳桥街道路维修,本周进场"})]),
    ("longxing.community", "雷奶奶养老保险指纹认证,行动不便", "社会保障", Channel.phone, Complexity.simple, "雷奶奶",
     "023-67001234", "龙兴镇龙兴社区", [("longxing.shebao", A.claim, {}),
                                       ("longxing.shebao", A.progress, {"note": "13:00 上门采集指纹"}),
                                       ("longxing.shebao", A.answer, {"note": "指纹认证已完成,养老保险可正常办理"}),
                                       ("longxing.community", A.close, {}),
                                       ("longxing.community", A.follow_up, {"satisfaction": 5, "note": "来得真快"})]),
    ("xingwang", "兴旺村通公交,村民出行难", "道路交通", Channel.visit, Complexity.complex, "岳灵", "13812340004",
     "双凤桥街道兴旺村", [("xingwang", A.escalate, {"note": "村两委无法解决,提交街道"}),
                          ("shuangfengqiao.center", A.claim, {}),
                          ("shuangfengqiao.center", A.progress, {"note": "正在调研,摸清情况"}),
                          ("shuangfengqiao.center", A.request_help, {"note": "需区交委开通线路,请指挥中心协调"}),
                          ("command", A.assign, {"to_unit": "区交委", "note": "请区交委研究开通兴旺村公交"})]),
    ("shuanghu", "小区路灯不亮", "市政设施", Channel.walk_in, Complexity.simple, "陈大爷", "13812340005",
     "双湖路12号", []),
    ("baoshenghu", "楼道堆放杂物影响通行", "社区治理", Channel.walk_in, Complexity.simple, "周女士", "13812340006",
     "宝圣湖小区3栋", [("baoshenghu", A.claim, {})]),
    ("xingwang", "村道边坡有落石", "安全隐患", Channel.visit, Complexity.complex, "岳先生", "13812340007",
     "兴旺村三组", [("xingwang", A.escalate, {"note": "需街道组织排危"})]),
    ("huixing.center", "低保复核材料咨询", "社会保障", Channel.walk_in, Complexity.simple, "张女士", "13812340008",
     "回兴街道", [("huixing.center", A.claim, {}),
                 ("huixing.center", A.answer, {"note": "已告知所需材料清单"})]),
    ("district.center", "营业执照变更办理进度", "行政审批", Channel.online, Complexity.simple, "刘先生", "13812340009",
     "", [("district.center", A.claim, {}), ("district.center", A.answer, {"note": "已办结,可领取新执照"}),
          ("district.center", A.close, {})]),
    ("longxing.center", "农村危房改造补助申请", "住房保障", Channel.walk_in, Complexity.complex, "何大爷",
     "13812340010", "龙兴镇五星村", [("longxing.center", A.escalate, {"note": "补助审批在区级"})]),
    ("shuangfengqiao.center", "菜市场噪音扰民", "环境卫生", Channel.phone, Complexity.simple, "赵先生", "13812340011",
     "双凤桥街道菜市场", [("shuangfengqiao.center", A.claim, {}),
                           ("shuangfengqiao.center", A.request_help, {"note": "需城管执法"}),
                           ("command", A.assign, {"to_unit": "区城市管理局"}),
                           ("urban", A.claim, {})]),
    ("shichuan.center", "新农合报销咨询", "社会保障", Channel.phone, Complexity.simple, "孙女士", "13812340012", "",
     [("shichuan.center", A.claim, {}), ("shichuan.center", A.answer, {"note": "已电话告知报销流程"}),
      ("shichuan.center", A.close, {}), ("shichuan.center", A.follow_up, {"satisfaction": 4})]),
    ("liuqiao", "下水道堵塞", "市政设施", Channel.walk_in, Complexity.simple, "吴先生", "13812340013", "柳桥街8号",
     []),
    ("longxing.community", "独居老人需要助餐服务", "养老服务", Channel.visit, Complexity.simple, "郑奶奶",
     "13812340014", "龙兴社区2组", [("longxing.center", A.claim, {})]),
    ("shuanghu", "居民办理居住证咨询", "户籍证件", Channel.walk_in, Complexity.simple, "钱先生", "13812340015", "",
     [("shuanghu", A.claim, {}), ("shuanghu", A.answer, {"note": "已指引到派出所办理"}), ("shuanghu", A.close, {})]),
    ("xingwang", "农田灌溉水渠维修", "农业农村", Channel.visit, Complexity.complex, "冯大爷", "13812340016",
     "兴旺村五组", [("xingwang", A.escalate, {"note": "资金需街道协调"}), ("shuangfengqiao.center", A.claim, {})]),
    ("huixing.center", "公交站台遮雨棚损坏", "道路交通", Channel.online, Complexity.simple, "韩女士", "13812340017",
     "回兴街道服务中心站", [("huixing.center", A.request_help, {"note": "站台属区交委管理"})]),
    ("district.center", "企业开办一窗通办咨询", "行政审批", Channel.walk_in, Complexity.simple, "杨先生", "13812340018",
     "", [("district.center", A.claim, {}), ("district.center", A.progress, {"note": "已预约帮办专员"})]),
    ("shichuan.center", "镇卫生院夜间值班", "医疗卫生", Channel.phone, Complexity.simple, "朱女士", "13812340019", "",
     []),
    ("longxing.shebao", "失业保险金申领", "社会保障", Channel.walk_in, Complexity.simple, "秦先生", "13812340020", "",
     [("longxing.shebao", A.claim, {}), ("longxing.shebao", A.answer, {"note": "已受理,次月发放"}),
      ("longxing.shebao", A.close, {}), ("longxing.shebao", A.reopen, {"reason": "居民反映未收到短信通知"})]),
    ("baoshenghu", "小区电梯故障频繁", "物业管理", Channel.walk_in, Complexity.complex, "许女士", "13812340021",
     "宝圣湖小区5栋", [("baoshenghu", A.escalate, {"note": "需街道约谈物业"}), ("huixing.center", A.claim, {}),
                      ("huixing.center", A.escalate, {"note": "需区住房城乡建委督促维保单位"})]),
    ("liuqiao", "农村公路养护", "道路交通", Channel.visit, Complexity.complex, "何先生", "13812340022", "柳桥村道",
     [("liuqiao", A.escalate, {"note": "镇级养护计划"}), ("shichuan.center", A.claim, {}),
      ("shichuan.center", A.answer, {"note": "已纳入本年度养护计划"})]),
    ("xingwang", "村卫生室缺常用药", "医疗卫生", Channel.phone, Complexity.simple, "吕大妈", "13812340023",
     "兴旺村", []),
    ("shuangfengqiao.center", "残疾人两项补贴申请", "社会保障", Channel.walk_in, Complexity.simple, "施先生",
     "13812340024", "", [("shuangfengqiao.center", A.claim, {}),
                         ("shuangfengqiao.center", A.answer, {"note": "已提交区残联审核"}),
                         ("shuangfengqiao.center", A.close, {}),
                         ("shuangfengqiao.center", A.follow_up, {"satisfaction": 3, "note": "希望加快审核"})]),
    ("command", "全区防汛隐患排查", "安全隐患", Channel.online, Complexity.complex, "区防汛办", "023-67800000", "",
     [("command", A.assign, {"to_unit": "区住房城乡建委", "note": "请牵头排查"}), ("housing", A.claim, {})]),
    ("district.center", "公积金提取咨询", "住房保障", Channel.phone, Complexity.simple, "孔女士", "13812340026",
     "", []),
    ("longxing.center", "镇街道路清扫不及时", "环境卫生", Channel.walk_in, Complexity.simple, "曹先生", "13812340027",
     "龙兴镇老街", [("longxing.center", A.claim, {}), ("longxing.center", A.progress, {"note": "已通知环卫站"})]),
    ("shuanghu", "社区活动室开放时间", "社区治理", Channel.walk_in, Complexity.simple, "严阿姨", "13812340028", "",
     [("shuanghu", A.claim, {}), ("shuanghu", A.answer, {"note": "每天9:00-17:00开放"})]),
    ("huixing.center", "老旧小区改造申请", "住房保障", Channel.walk_in, Complexity.complex, "华先生", "13812340029",
     "回兴街道兴科路", [("huixing.center", A.claim, {}), ("huixing.center", A.progress, {"note": "已现场勘察"}),
                       ("huixing.center", A.answer, {"note": "已列入明年改造计划"}), ("huixing.center", A.close, {})]),
    ("xingwang", "宅基地确权咨询", "农业农村", Channel.walk_in, Complexity.simple, "金先生", "13812340030",
     "兴旺村四组", [("shuangfengqiao.center", A.claim, {}),
                    ("shuangfengqiao.center", A.release, {"reason": "属村内事务,请村里先行核实"})]),
    ("shichuan.center", "集镇停车难", "道路交通", Channel.walk_in, Complexity.complex, "魏先生", "13812340031",
     "石船镇集镇", [("shichuan.center", A.request_help, {"note": "需区交委规划停车位"}),
                   ("command", A.assign, {"to_unit": "区交委"}), ("transport", A.claim, {}),
                   ("transport", A.progress, {"note": "已纳入停车场规划调研"})]),
    ("longxing.community", "儿童疫苗接种预约", "医疗卫生", Channel.phone, Complexity.simple, "陶女士", "13812340032",
     "", [("longxing.community", A.claim, {}), ("longxing.community", A.answer, {"note": "已帮助预约周三上午"}),
          ("longxing.community", A.close, {}), ("longxing.community", A.follow_up, {"satisfaction": 5})]),
]


def is_sample(session: Session) -> bool:
    """Whether this database holds the sample district (made by ``huiyin init --sample``)."""
    row = session.get(ServerSetting, SAMPLE_MODE_KEY)
    return bool(row and row.value == "1")


def ensure_sample(ctx: ServerContext, matters: bool = True) -> bool:
    """Build the sample district if the database has no units yet; returns whether it did."""
    with Session(ctx.engine) as session:
        if has_units(session):
            return False
    return create_sample(ctx, matters=matters, only_if_empty=True)


def create_sample(ctx: ServerContext, matters: bool = True, only_if_empty: bool = False) -> bool:
    """Build the sample district; returns whether it did. A database with units already is refused
    (``ValueError``), or left as it is with ``only_if_empty`` (another server starting at the same moment on the
    same new database built it first: the check is made again under the write lock)."""
    with write_session(ctx.engine) as session:
        if session.get_bind().dialect.name == "postgresql":  # SQLite's write lock is the whole database's
            session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": SAMPLE_LOCK_KEY})
        if has_units(session):
            if only_if_empty:
                return False
            raise ValueError("this database already has units; the sample district goes into an empty one")
        create_units(session, UNITS)
        categories.import_entries(session, Who.cli(), ctx.clock.now(), categories.sample_entries(), audited=False)
        shared_hash = hash_password(SAMPLE_PASSWORD)
        for username, display, role, unit in OPERATORS:
            create_operator(session, ctx.clock, username, SAMPLE_PASSWORD, role, unit, display, shared_hash)
        session.add(ServerSetting(key=SAMPLE_MODE_KEY, value="1"))
        session.commit()
    if matters:
        play_sample_matters(ctx)
    return True


def create_own_district(ctx: ServerContext, units: Iterable[Mapping[str, Any]],
                        operators: Iterable[Mapping[str, Any]]) -> None:
    """A demo scenario's own district, from its file's ``[[unit]]`` and ``[[operator]]`` tables, into the sandbox's
    empty database (audited as the command line). A unit's kind defaults to ``station`` in a village and
    ``service_center`` elsewhere; the root's code to ``DM``; an operator's role to ``clerk``."""
    specs = []
    for u in units:
        tier = Tier(u["tier"])
        default_kind = UnitKind.station if tier is Tier.village else UnitKind.service_center
        specs.append(UnitSpec(u["name"], tier, UnitKind(u.get("kind", default_kind.value)), u.get("parent"),
                              code=u.get("code") or ("DM" if not u.get("parent") else None)))
    with write_session(ctx.engine) as session:
        create_units(session, specs, who=Who.cli(), now=ctx.clock.now())
        for op in operators:
            create_operator(session, ctx.session_clock, op["username"], op["password"], Role(op.get("role", "clerk")),
                            op["unit"], op.get("display_name") or op["username"], who=Who.cli())
        session.commit()


def play_sample_matters(ctx: ServerContext) -> None:
    """Record :data:`MATTERS` over the five days before now, in office hours (Chongqing time), so the queues show
    matters on track, at risk and overdue alike; each step follows its matter by half an hour or so."""
    now = ctx.clock.now()
    clock = ManualClock(now)
    local = dataclasses.replace(ctx, clock=clock)
    with Session(ctx.engine) as session:
        ops = {op.username: op for op in session.exec(select(Operator))}
        units = {u.name: u.id for u in session.exec(select(Unit))}
        tz = ctx.rules.load(session).policy.tz
    today = now.astimezone(tz).date()
    for index, (recorder, title, category, channel, complexity, resident, phone, address, steps) in enumerate(MATTERS):
        # oldest first: five days back, a few matters a day, between 09:00 and 15:40
        day = today - timedelta(days=5 - index * 5 // len(MATTERS))
        at = datetime.combine(day, time(9, 0), tzinfo=tz) + timedelta(minutes=50 * (index % 8))
        clock.set(min(at, now - timedelta(minutes=len(steps) * 20 + 20)))
        data = MatterIn(title=title, category=category, channel=channel, complexity=complexity,
                        resident_name=resident, resident_phone=phone, address=address,
                        description=f"{resident}反映:{title}。")
        matter_id, _ = workflow.record(local, ops[recorder], data, f"sample-{index}")
        with Session(ctx.engine) as session:
            matter = session.get(Matter, matter_id)
            assert matter is not None  # recorded just now
            number = matter.number
        for username, action, body in steps:
            clock.advance(timedelta(minutes=20))
            fields = dict(body)
            if "to_unit" in fields:
                fields["to_unit"] = units[fields["to_unit"]]
            workflow.act(local, ops[username], number, action, ActionIn(**fields))
