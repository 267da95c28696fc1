"""A `gradio_client` client that asks one question after another without losing one to its own race.

gradio_client 2.7.2 reads a session's results from one event stream, which the server closes once
the session has nothing pending (the message `close_stream`, right behind a result). When the
client's reader thread is slow to act on it (a busy machine: it waits for the GIL or a core), the
next question can be sent while the closing stream still counts as open: that question is
registered with the closing stream, which then marks it cancelled, and `predict` raises
`CancelledError` although the server answers it. Seen once in a full test run under load (the
hostile-input module); made certain by delaying the reader 0.3 s: every second question was lost.

`Visitor.predict` waits, after each call, until the client has seen its stream close (at most
`STREAM_CLOSE_WAIT` seconds; usually well under a millisecond), so the next call opens a stream of
its own. The benchmarks' clients, the soak's sessions and the tests' visitors are all made by `connect`.
"""

from __future__ import annotations

import time

from gradio_client import Client

#: Longest wait for the event stream to close after a call (it closes at once unless another call
#: of the same client is still pending, when there is nothing to wait for).
STREAM_CLOSE_WAIT = 10.0


class Visitor(Client):
    """gradio_client's Client, one question at a time (see the module's docstring)."""

    def predict(self, *args, **kwargs):
        try:
            return super().predict(*args, **kwargs)
        finally:
            self.wait_for_stream_to_close()

    def wait_for_stream_to_close(self, timeout: float = STREAM_CLOSE_WAIT) -> None:
        deadline = time.monotonic() + timeout
        while self.stream_open and not self.pending_event_ids and time.monotonic() < deadline:
            time.sleep(0.001)


def connect(url: str) -> Visitor:
    """A new visitor (a session of its own) of the page at `url`: no analytics, no downloads, and no
    certificate check on plain HTTP, where there is none (left on, gradio_client loads the CA bundle
    for every request: ~80 ms of CPU each)."""
    return Visitor(url, verbose=False, analytics_enabled=False, download_files=False,
                   ssl_verify=not url.startswith("http://"))
