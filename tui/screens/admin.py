"""Opening the admin console from the queue screen: keys U O K L (and the palette), admins only."""

from __future__ import annotations

from typing import Any

from .admin_audit import AuditScreen
from .admin_base import is_admin
from .admin_calendar import CalendarScreen
from .admin_operators import OperatorsScreen
from .admin_units import UnitTreeScreen

SCREENS = {"units": UnitTreeScreen, "operators": OperatorsScreen, "calendar": CalendarScreen, "audit": AuditScreen}


def open_admin(screen: Any, name: str) -> None:
    """Push the admin screen ``name`` (units, operators, calendar, audit) over ``screen``."""
    if is_admin(screen.wb) and name in SCREENS:
        screen.app.push_screen(SCREENS[name]())
