"""Plain-language connection state: shown only while the server cannot be reached (and retried)."""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Static

from ..i18n import t
from ..workbench import workbench


class ConnectionBanner(Static):
    DEFAULT_CSS = """
    ConnectionBanner { display: none; height: auto; padding: 0 1; background: $error; color: $text; }
    ConnectionBanner.-offline { display: block; }
    """

    def on_mount(self) -> None:
        self.show_state()

    def show_state(self) -> None:
        app = workbench(self)
        online = app.online
        self.set_class(not online, "-offline")
        if not online:
            url = app.session.server_url or t("conn.embedded")
            detail = app.offline_detail
            text = t("conn.offline", url=url)
            self.update(Content(f"{text} ({detail})" if detail else text))
