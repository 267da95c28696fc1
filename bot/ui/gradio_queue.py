"""What the guard may know about Gradio's queue and sessions, and the few things it may do to them.

Gradio 6.31 keeps, per session hash: the ids of its events not yet delivered
(`Queue.pending_event_ids_session`, emptied only as its event stream delivers them, and never
removed), the messages waiting for that stream (`Queue.pending_messages_per_session`, an LRU of
2,000 unbounded queues), and the session's state (`StateHolder`, an LRU of `state_session_capacity`).
A client that never reads its stream makes all three grow. These are private attributes: this
module is the one place that touches them, and tests/test_floods.py checks, on a running server,
that what it reads and drops is what Gradio keeps (a Gradio upgrade that moves them fails there).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import gradio as gr


class GradioQueue:
    """The guard's `QueueState` (bot/guard.py) over one Gradio app's queue and session store."""

    def __init__(self, demo: gr.Blocks) -> None:
        self.demo = demo

    @property
    def _queue(self) -> Any:
        return self.demo._queue  # replaced by demo.queue(), so looked up on every use

    def pending(self, session: str) -> int:
        return len(self._queue.pending_event_ids_session.get(session, ()))

    def pending_total(self) -> int:
        return sum(len(ids) for ids in self._queue.pending_event_ids_session.values())

    def has_stream_queue(self, session: str) -> bool:
        return session in self._queue.pending_messages_per_session

    def session_of_event(self, event_id: str) -> str | None:
        queue = self._queue
        event = queue.event_ids_to_events.get(event_id)
        if event is not None:
            return event.session_hash
        return next((s for s, ids in queue.pending_event_ids_session.items() if event_id in ids), None)

    def drop_unread(self, session: str) -> None:
        """Drop the finished results of `session` that are waiting for a stream nobody opens."""
        queue = self._queue
        ids = queue.pending_event_ids_session.get(session)
        if ids is None:
            return
        finished = {i for i in ids if i not in queue.event_ids_to_events}
        ids -= finished
        messages = queue.pending_messages_per_session.get(session)
        if not ids:
            queue.pending_event_ids_session.pop(session, None)
            queue.pending_messages_per_session.pop(session, None)
        elif messages is not None:
            kept = []
            while not messages.empty():
                message = messages.get_nowait()
                if getattr(message, "event_id", None) not in finished:
                    kept.append(message)
            for message in kept:
                messages.put_nowait(message)

    def forget(self, session: str) -> None:
        """Drop an idle session: its state, and the queue's leftovers (it has nothing outstanding)."""
        queue, holder = self._queue, self.demo.state_holder
        if queue.pending_event_ids_session.get(session):
            return
        queue.pending_event_ids_session.pop(session, None)
        queue.pending_messages_per_session.pop(session, None)
        with holder.lock:
            holder.session_data.pop(session, None)
            holder.time_last_used.pop(session, None)

    def prune(self, busy: Callable[[str], bool]) -> None:
        """Drop the empty leftovers of sessions whose results were all read (Gradio never does)."""
        queue = self._queue
        for session, ids in list(queue.pending_event_ids_session.items()):
            if not ids and not busy(session):
                del queue.pending_event_ids_session[session]
                queue.pending_messages_per_session.pop(session, None)
