"""The operator's own password in the workbench: key P and the palette open the screen; after signing in with a
password an admin set, the screen comes at once and esc signs out. Refusals in the catalog's words."""

from __future__ import annotations

import httpx
import pytest

from huiyin.tui.screens.login import LoginScreen
from huiyin.tui.screens.password import PasswordScreen
from huiyin.tui.screens.queue import QueueScreen

from .conftest import SAMPLE_PASSWORD, login, screen_text, wait_for

pytestmark = pytest.mark.anyio


def _add_operator(base_url: str, username: str, password: str) -> None:
    with httpx.Client(base_url=base_url, timeout=30) as admin:
        token = admin.post("/api/auth/login", json={"username": "admin", "password": SAMPLE_PASSWORD}).json()["token"]
        admin.headers["Authorization"] = f"Bearer {token}"
        unit = next(u["id"] for u in admin.get("/api/units").json() if u["name"] == "柳桥社区便民服务站")
        r = admin.post("/api/operators", json={"username": username, "role": "clerk", "unit_id": unit,
                                                "password": password})
        assert r.status_code == 201, r.text


def _signs_in(base_url: str, username: str, password: str) -> bool:
    r = httpx.post(f"{base_url}/api/auth/login", json={"username": username, "password": password})
    return r.status_code == 200


async def _sign_in_forced(pilot, username: str, password: str) -> None:  # type: ignore[no-untyped-def]
    app = pilot.app
    await wait_for(pilot, lambda: isinstance(app.screen, LoginScreen) and app.screen.ready)
    app.screen.query_one("#username").focus()
    await pilot.press(*username, "enter", *password, "enter")
    await wait_for(pilot, lambda: isinstance(app.screen, PasswordScreen))


async def test_a_new_account_chooses_its_password_right_after_signing_in(make_app, tui_server) -> None:
    _add_operator(tui_server.base_url, "liuqiao.new", "from-the-admin")
    app = make_app(lang="en", live=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await _sign_in_forced(pilot, "liuqiao.new", "from-the-admin")
        assert app.screen.forced and "an admin set the one you signed in with" in screen_text(app)
        assert "esc sign out" in screen_text(app)
        # one burst, no pauses: each field gets its own text
        await pilot.press(*"from-the-admin", "tab", *"my-own-choice", "tab", *"my-own-choice", "ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, QueueScreen))
        assert app.operator is not None and app.operator.username == "liuqiao.new"
    assert _signs_in(tui_server.base_url, "liuqiao.new", "my-own-choice")
    assert not _signs_in(tui_server.base_url, "liuqiao.new", "from-the-admin")


async def test_esc_on_the_forced_change_signs_out(make_app, tui_server) -> None:
    _add_operator(tui_server.base_url, "liuqiao.esc", "from-the-admin")
    app = make_app(lang="zh-CN", live=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await _sign_in_forced(pilot, "liuqiao.esc", "from-the-admin")
        assert "请设置您自己的密码" in screen_text(app)
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, LoginScreen) and app.screen.ready)
        assert app.operator is None and app.api is not None and app.api.token is None


async def test_key_p_changes_the_password_and_refusals_are_translated(make_app, tui_server) -> None:
    _add_operator(tui_server.base_url, "liuqiao.p", "from-the-admin")
    with httpx.Client(base_url=tui_server.base_url) as client:
        token = client.post("/api/auth/login", json={"username": "liuqiao.p", "password": "from-the-admin"}
                            ).json()["token"]
        r = client.post("/api/me/password", json={"current_password": "from-the-admin", "new_password": "first-own"},
                        headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 204
    app = make_app(lang="zh-CN", live=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await login(pilot, "liuqiao.p", "first-own")
        # typed at once after P, while the screen opens: every key lands in its field, in order
        await pilot.press("P", *"not-the-one", "tab", *"second-own", "tab", *"second-owx", "ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, PasswordScreen))
        screen = app.screen
        await wait_for(pilot, lambda: "两次输入的新密码不一致" in screen_text(app))
        assert screen.values() == {"current": "not-the-one", "new": "second-own", "repeat": "second-owx"}
        screen.query_one("#f-repeat").value = "second-own"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: "当前密码不正确" in screen_text(app))
        assert isinstance(app.screen, PasswordScreen) and screen.query_one("#f-new").value == "second-own"
        screen.query_one("#f-current").value = "first-own"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, QueueScreen))
        assert app.operator is not None  # this session stays
    assert _signs_in(tui_server.base_url, "liuqiao.p", "second-own")


async def test_the_palette_offers_the_password_and_esc_asks_before_throwing_typing_away(make_app) -> None:
    from textual.command import CommandPalette

    from huiyin.tui.screens.discard import DiscardScreen

    app = make_app(lang="en", live=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await login(pilot, "liuqiao")
        await pilot.press("ctrl+p")
        await wait_for(pilot, lambda: CommandPalette.is_open(app))
        await pilot.press(*"change my password")
        await wait_for(pilot, lambda: "Change my password" in screen_text(app))
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, PasswordScreen))
        await pilot.press(*"typed")
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, DiscardScreen))
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.screen, PasswordScreen))
        assert app.screen.query_one("#f-current").value == "typed"


@pytest.mark.parametrize("lang, text", [("en", "no accounts yet"), ("zh-CN", "还没有任何账号")])
async def test_a_server_with_no_accounts_says_what_to_run(tmp_path, lang, text) -> None:
    """PostgreSQL before ``huiyin init`` (here SQLite, no sample): nobody can sign in; the screen says why."""
    from huiyin.core.clock import ManualClock
    from huiyin.server.serving.embedded import EmbeddedServer

    from .conftest import FROZEN_NOW, build_app

    srv = EmbeddedServer(f"sqlite:///{tmp_path / 'empty.db'}", ManualClock(FROZEN_NOW), sample=False)
    srv.start()
    try:
        assert httpx.get(f"{srv.base_url}/health").json()["accounts"] is False
        app = build_app(srv, tmp_path / "state", lang, live=False)
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_for(pilot, lambda: isinstance(app.screen, LoginScreen) and app.screen.ready)
            status = app.screen.query_one("#login-status")
            await wait_for(pilot, lambda: text in str(status.render()))
            assert "huiyin init" in str(status.render())
    finally:
        srv.stop()


@pytest.mark.parametrize("lang, text", [("en", "try again in 15 min"), ("zh-CN", "请 15 分钟后再试")])
async def test_too_many_wrong_passwords_is_said_in_the_catalogs_words(make_app, tui_server, lang, text) -> None:
    username = f"nobody.{lang}"
    for _ in range(5):  # Settings.login_failures_per_account, within the window (the server's clock is frozen)
        r = httpx.post(f"{tui_server.base_url}/api/auth/login", json={"username": username, "password": "wrong-1"})
        assert r.status_code == 401
    app = make_app(lang=lang, live=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, LoginScreen) and app.screen.ready)
        app.screen.query_one("#username").focus()
        await pilot.press(*username, "enter", *"wrong-2", "enter")
        await wait_for(pilot, lambda: text in screen_text(app))
        assert "too many failed logins" not in screen_text(app)  # never the server's English
