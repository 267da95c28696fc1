"""Who a request comes from, and what each client holds: the bookkeeping behind per-client caps.

A client is an address: the one the connection comes from, or, behind a proxy we trust
(`Settings.trusted_proxies`, applied by uvicorn before the guard runs), the one that proxy says
it saw in `X-Forwarded-For`. Session hashes are no identity: anyone can make up a new one for
every request, which is how one script used to evict every visitor and dodge the vote cap.

The machine's own traffic (a loopback connection with no `X-Forwarded-For`: the benchmarks, the
soak, the tests, a local operator) is `LOCAL`, and gets no per-client caps: it is one caller
standing for many visitors, and could stop the server anyway. The caps on all clients together
apply to it as to everyone. Nothing here imports gradio or knows HTTP.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field

#: The key of the machine's own traffic (see the module's docstring).
LOCAL = "local"
#: Longest client key kept (an address is at most 45 characters; a proxy could forward anything).
MAX_KEY_CHARS = 64


def client_key(host: str | None, forwarded_for: str | None) -> str:
    """The key a request is counted under, from its (proxy-resolved) client host and whether it came
    through a proxy (its `X-Forwarded-For` header, None when absent)."""
    if not host:
        return LOCAL  # a Unix socket: only this machine can connect
    if forwarded_for is None and _is_loopback(host):
        return LOCAL
    return host[:MAX_KEY_CHARS]


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


@dataclass
class Client:
    """What one client has in flight and keeps."""

    requests: int = 0  # requests in flight, any route
    streams: int = 0  # long-lived ones among them
    joining: int = 0  # calls on their way into the queue (not yet counted by it)
    sessions: OrderedDict[str, None] = field(default_factory=OrderedDict)  # least recently used first


class ClientTable:
    """The clients seen lately (at most `capacity`; the least recently seen idle one is forgotten first),
    each with its last `sessions_per_client` sessions.

    `forget(session)` drops what the server keeps for a session; `busy(session)` says whether it is
    in use (events outstanding, a stream open), and a busy session is never dropped.
    """

    def __init__(self, capacity: int, sessions_per_client: int, forget: Callable[[str], None],
                 busy: Callable[[str], bool]) -> None:
        self.capacity = capacity
        self.sessions_per_client = sessions_per_client
        self._forget = forget
        self._busy = busy
        self._clients: OrderedDict[str, Client] = OrderedDict()

    def __len__(self) -> int:
        return len(self._clients)

    def get(self, key: str) -> Client:
        """The client under `key`, as the most recently seen one."""
        client = self._clients.pop(key, None) or Client()
        self._clients[key] = client
        if len(self._clients) > self.capacity:
            idle = next((k for k, c in self._clients.items() if c.requests == 0 and k != key), None)
            if idle is not None:
                for session in self._clients.pop(idle).sessions:
                    if not self._busy(session):
                        self._forget(session)
        return client

    def use_session(self, client: Client, session: str) -> bool:
        """Count `session` as the client's most recent one; False when it would be one too many and
        all its others are busy. Its least recently used idle session is dropped to make room."""
        if session in client.sessions:
            client.sessions.move_to_end(session)
            return True
        if len(client.sessions) >= self.sessions_per_client:
            idle = next((s for s in client.sessions if not self._busy(s)), None)
            if idle is None:
                return False
            del client.sessions[idle]
            self._forget(idle)
        client.sessions[session] = None
        return True

    def has_room(self, client: Client) -> bool:
        """Whether `use_session` would take a new session of this client."""
        return len(client.sessions) < self.sessions_per_client or any(not self._busy(s) for s in client.sessions)


class BusyError(Exception):
    """Raised instead of waiting when a client, or all clients, already have their share of calls."""


@dataclass
class CallLimiter:
    """At most `concurrency` calls run at once; at most `per_client` of one client and `total` in all
    run or wait. A call beyond those raises BusyError at once: nothing waits in a thread."""

    concurrency: int
    per_client: int
    total: int
    _calls: dict[str, int] = field(default_factory=dict, repr=False)
    _semaphore: asyncio.Semaphore | None = field(default=None, repr=False)

    @contextlib.asynccontextmanager
    async def slot(self, key: str) -> AsyncIterator[None]:
        if self._semaphore is None:  # made in the event loop that runs the calls
            self._semaphore = asyncio.Semaphore(self.concurrency)
        if sum(self._calls.values()) >= self.total:
            raise BusyError("all")
        if key != LOCAL and self._calls.get(key, 0) >= self.per_client:
            raise BusyError("client")
        self._calls[key] = self._calls.get(key, 0) + 1
        try:
            async with self._semaphore:
                yield
        finally:
            self._calls[key] -= 1
            if not self._calls[key]:
                del self._calls[key]
