"""What every workbench screen shares: localized bindings and the workflow-action keys."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.screen import Screen

from huiyin.core.domain import Action
from huiyin.core.schemas import MatterSummary

if TYPE_CHECKING:
    from ..app import WorkbenchApp


class WorkbenchScreen(Screen[Any]):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from ..app import localize_bindings

        localize_bindings(self)

    @property
    def wb(self) -> "WorkbenchApp":
        return self.app  # type: ignore[return-value]


class MatterActionsScreen(WorkbenchScreen):
    """A screen with a current matter: the footer offers exactly the actions the core rules allow on it."""

    def current_matter(self) -> MatterSummary | None:  # pragma: no cover - overridden
        return None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "workflow":
            try:
                wanted = Action(str(parameters[0]))
            except (IndexError, ValueError):
                return False
            return wanted in self.wb.allowed_for(self.current_matter())
        return True

    def action_workflow(self, name: str) -> None:
        matter = self.current_matter()
        if matter is not None:
            self.wb.run_matter_action(matter, Action(name))

    def action_refresh(self) -> None:
        """ctrl+r: the matters, and the district's calendar, policy and calendar warnings."""
        self.wb._refresh_rules_later()
        self.matters_changed(set())

    def matters_changed(self, numbers: set[str]) -> None:  # pragma: no cover - overridden
        pass
