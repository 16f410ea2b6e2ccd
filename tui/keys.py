"""Keys applied in the order they came, each to the widget that has focus after the keys before it.

Why keys went astray: Textual's :class:`~textual.app.App` hands a key to the focused widget by *posting* it to
that widget's message queue, and at once takes the next key. What a key does to the focus happens later: tab
is a binding the key reaches only after it went through the focused widget and bubbled up to the screen and
the app; ``widget.focus()`` (in ``on_mount``, after enter) is itself scheduled (``app.call_later``); a screen
that a key opens composes and focuses its first field only after a few turns of the event loop. Meanwhile
every key of a burst (a paste, an ID-card or barcode reader that types with tab, a fast typist on a busy
machine) had already been posted to the widget focused when it arrived: ``ABC`` tab ``Wang Wu`` tab
``13800001234`` all landed in the title; keys typed while the record form opened went to the queue under it
(``u`` of ``Wang Wu`` signed the clerk out).

:class:`KeysInOrder` (the workbench app's base) takes one key (or paste) at a time: the next one is held until
what the previous one set off has run out (every message queue of the app, of the screen the key went to and
of the screen shown now is empty and processed, that screen is mounted, its after-refresh callbacks ran), and
is only then dispatched by Textual as usual (priority bindings, the focused widget, bubbling). Characters that
follow a character typed into the focused field (a field that takes them as text, no binding on them) go on at
once, after it: no focus can move between them, and a long note types as fast as without this. Keys are never
dropped and never reordered; a key whose effects never settle (a handler waiting on the network) holds the next
one back at most :data:`SETTLE_TIMEOUT` seconds.

Pilot's ``press`` waits for held keys too (:meth:`KeysInOrder._press_keys`, Textual's private hook for it);
tests that post keys themselves wait with :meth:`KeysInOrder.keys_applied`.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Iterable
from typing import Any, Protocol

from textual import events
from textual.app import App
from textual.message_pump import MessagePump
from textual.screen import Screen
from textual.widget import Widget

#: the longest a key waits for the one before it to settle (seconds): then it goes anyway
SETTLE_TIMEOUT = 3.0
#: after this many quick looks at a busy app, look less often (a handler waiting on the network)
QUICK_LOOKS = 200

Typed = events.Key | events.Paste


class _MessageQueue(Protocol):
    """What :func:`_quiet` reads of a message pump's queue (Textual's own, or an asyncio queue)."""

    def empty(self) -> bool: ...


def _quiet(node: MessagePump) -> bool:
    """Nothing waiting in ``node``'s queue or being handled now, and it has mounted."""
    queue: _MessageQueue = node._message_queue
    unfinished = getattr(queue, "_unfinished_tasks", 0)  # an asyncio queue's messages being handled
    if not queue.empty() or unfinished or node._next_callbacks:
        return False
    if not node._mounted_event.is_set() and not (node._closing or node._closed):
        return False
    return not (isinstance(node, Screen) and node._callbacks)


class KeysInOrder(App[None]):
    """An app that applies typed keys strictly one after another (see the module's text)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._held_keys: deque[Typed] = deque()
        #: the held key let through now (it is dispatched, not held again)
        self._released_key: Typed | None = None
        self._keys_idle = asyncio.Event()
        self._keys_idle.set()
        self._settling: asyncio.Task[None] | None = None
        #: the field the characters in flight are typed into (the next character may follow them at once)
        self._typing_into: Widget | None = None

    async def on_event(self, event: events.Event) -> None:
        if not isinstance(event, (events.Key, events.Paste)) or event.is_forwarded:
            await super().on_event(event)
            return
        if not self.screen_stack:  # the app is closing: nothing left to type into
            return
        if event is not self._released_key and not self._keys_idle.is_set():
            if not self._held_keys and self._typing_into is not None and self._types_into(self._typing_into, event):
                # a character after characters typed into the same field: it goes right after them, into
                # that field (no focus can have moved), without waiting for them to be drawn one by one
                await super().on_event(event)
                return
            self._held_keys.append(event)  # its turn comes when the keys before it have settled
            return
        self._released_key = None
        self._keys_idle.clear()
        screens = self._key_screens()
        focused = self.focused if screens else None
        self._typing_into = focused if focused is not None and self._types_into(focused, event) else None
        try:
            await super().on_event(event)
        finally:
            self._settling = asyncio.get_running_loop().create_task(self._settle_then_next(screens))

    def _types_into(self, widget: Widget, event: Typed) -> bool:
        """``event`` is a character ``widget`` takes as text (no binding acts on it first)."""
        if not isinstance(event, events.Key) or not event.is_printable or widget is not self.focused:
            return False
        if not widget.check_consume_key(event.key, event.character):
            return False
        return not any(binding.priority for _node, bindings in self._binding_chain
                       for binding in bindings.key_to_bindings.get(event.key, ()))

    def _key_screens(self) -> list[Screen[Any]]:
        try:
            return [self.screen]
        except Exception:  # noqa: BLE001 - no screen yet (the app is starting): the app alone
            return []

    def _busy_nodes(self, screens: Iterable[Screen[Any]]) -> Iterable[MessagePump]:
        yield self
        seen: set[int] = set()
        for screen in [*self._key_screens(), *screens]:
            if id(screen) in seen or not screen.is_attached:
                continue
            seen.add(id(screen))
            yield from screen.walk_children(with_self=True)

    def keys_quiet(self, screens: Iterable[Screen[Any]] = ()) -> bool:
        """Whether everything a key may have set off on the shown screen (and ``screens``) has run."""
        return all(_quiet(node) for node in self._busy_nodes(screens))

    async def _settle_then_next(self, screens: list[Screen[Any]]) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + SETTLE_TIMEOUT
        try:
            quiet = looks = 0
            while quiet < 2 and loop.time() < deadline and not self._exit:
                looks += 1
                await asyncio.sleep(0 if looks < QUICK_LOOKS else 0.005)
                quiet = quiet + 1 if self.keys_quiet(screens) else 0
        finally:
            self._next_key()

    def _next_key(self) -> None:
        # a key arriving before the released one is dispatched is held after it, never typed ahead of it
        self._typing_into = None
        if self._held_keys and not self._exit and self.screen_stack:
            self._released_key = self._held_keys.popleft()
            self.post_message(self._released_key)
        else:
            self._keys_idle.set()

    def type_again(self, keys: list[events.Key]) -> None:
        """Keys a screen held while it loaded (``WorkbenchScreen.loaded``): typed now, before every key still
        waiting here, since they came before them."""
        self._held_keys.extendleft(reversed(keys))
        if self._keys_idle.is_set() and self._held_keys:
            self._keys_idle.clear()
            self._next_key()

    async def keys_applied(self) -> None:
        """Wait until every key typed so far (also those not yet taken from the app's queue) has been applied
        and has settled."""
        while not (self._keys_idle.is_set() and self._message_queue.empty()):
            await asyncio.sleep(0.005)

    async def _press_keys(self, keys: Iterable[str]) -> None:
        """Textual's Pilot presses keys through this and then waits for the screen: it waits for held keys too."""
        await super()._press_keys(keys)
        await self.keys_applied()
