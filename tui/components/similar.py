"""Possible duplicates in the record form: the open matters of the resident being recorded.

As the clerk types, the form hands its values to :meth:`SimilarMatters.lookup`; after a pause in typing
(:data:`DEBOUNCE_SECONDS`) the widget asks ``GET /api/matters/similar`` for open matters anywhere in the
district with the same phone (once the phone is a whole number) or a very similar title at the same address,
and lists them. ctrl+o (the form's binding, calling :meth:`SimilarMatters.open_highlighted`) opens one: with
one listed it opens it, with several the first ctrl+o moves into the list (up/down to pick, enter or ctrl+o to
open). The matter opens *on top of* the form, so esc comes back to the form with everything typed still there.
"""

from __future__ import annotations

import asyncio
import re

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from huiyin.core.schemas import PHONE_RE, SimilarMatter

from ..client import ApiError, Unreachable
from ..i18n import t
from ..workbench import workbench

DEBOUNCE_SECONDS = 0.4
#: a title this long (characters, spaces not counted) is worth comparing
MIN_TITLE = 2


def lookup_params(values: dict[str, str]) -> dict[str, str]:
    """What to ask the server from the form's values: the phone once it is a whole number, the title and
    address once both are there. Empty: nothing to look for yet."""
    params: dict[str, str] = {}
    phone = re.sub(r"[\s()\-]", "", values.get("resident_phone", ""))
    if phone and PHONE_RE.match(phone):
        params["phone"] = phone
    title, address = values.get("title", "").strip(), values.get("address", "").strip()
    if len(re.sub(r"\s", "", title)) >= MIN_TITLE and address and len(title) <= 80 and len(address) <= 200:
        params["title"], params["address"] = title, address
    return params


class SimilarMatters(Vertical):
    """The list of possible duplicates; hidden while there are none."""

    DEFAULT_CSS = """
    SimilarMatters { height: auto; display: none; margin: 0 0 1 0; }
    SimilarMatters.-shown { display: block; }
    SimilarMatters > #similar-heading { text-style: bold; color: $warning; }
    SimilarMatters > OptionList { height: auto; max-height: 6; border: none; padding: 0; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.matters: list[SimilarMatter] = []
        self._asked: dict[str, str] | None = None

    def compose(self) -> ComposeResult:
        yield Static(Content(t("similar.heading")), id="similar-heading")
        options = OptionList(id="similar-list", compact=True)
        options.can_focus = False  # not in the form's tab order; ctrl+o moves into it
        yield options
        yield Static(Content(t("similar.hint")), id="similar-hint")

    # --- looking up ---------------------------------------------------------------------------------------
    def lookup(self, values: dict[str, str]) -> None:
        """The form changed: look again after a pause in typing (only when what to ask for changed)."""
        params = lookup_params(values)
        if params == self._asked:
            return
        self._ask(params)

    @work(group="similar", exclusive=True, exit_on_error=False)
    async def _ask(self, params: dict[str, str]) -> None:
        await asyncio.sleep(DEBOUNCE_SECONDS)
        if not params:
            self._asked = params
            self.show([])
            return
        try:
            page = await workbench(self).session.call(lambda api: api.similar(
                phone=params.get("phone", ""), title=params.get("title", ""), address=params.get("address", "")))
        except (ApiError, Unreachable):
            return  # keep what is shown; the next keystroke asks again
        self._asked = params
        self.show(page.items)

    def show(self, matters: list[SimilarMatter]) -> None:
        self.matters = list(matters)
        options = self.query_one(OptionList)
        options.clear_options()
        options.add_options([Option(self._line(m), id=m.number) for m in self.matters])
        if self.matters:
            options.highlighted = 0
        else:
            options.can_focus = False
        self.set_class(bool(self.matters), "-shown")

    @staticmethod
    def _line(matter: SimilarMatter) -> Content:
        why = t(f"similar.row_{matter.match}")
        parts = [matter.number, matter.title, matter.holder_unit.name, t(f"status.{matter.status}"), why]
        return Content(" · ".join(parts))

    # --- opening ------------------------------------------------------------------------------------------
    def open_highlighted(self) -> bool:
        """ctrl+o: open the highlighted matter (with several, the first press moves into the list)."""
        if not self.matters:
            return False
        options = self.query_one(OptionList)
        if len(self.matters) > 1 and not options.has_focus:
            options.can_focus = True
            options.focus()
            return True
        index = options.highlighted if options.highlighted is not None else 0
        self.open(self.matters[index].number)
        return True

    @on(OptionList.OptionSelected, "#similar-list")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id:
            self.open(event.option.id)

    @on(OptionList.OptionHighlighted, "#similar-list")
    def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        event.stop()

    def on_descendant_blur(self) -> None:
        self.query_one(OptionList).can_focus = False

    class Open(Message):
        """The clerk wants to see this possible duplicate (the form shows it on top of itself)."""

        def __init__(self, number: str) -> None:
            super().__init__()
            self.number = number

    def open(self, number: str) -> None:
        self.post_message(self.Open(number))
