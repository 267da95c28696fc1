"""Soak test: many chat sessions at once against a local server, for a bounded time.

    python -m benchmarks.soak [--sessions 16] [--seconds 60] [--warmup 10] [--url URL [--pid PID]]

Without --url it starts its own server (`benchmarks.server.AppServer`: `python app.py` on 127.0.0.1
and a free port, serving --corpus/--index), waits until it answers, and stops it at the end. Each session is one
`gradio_client` visitor that asks a question, then a follow-up, then the next question, until the
time is up, so every session's history fills up to the page's bound.

It reports answers per second, p50/p95 latency, errors, and the server's resident memory when it
is ready, after the warm-up and at the end. Throughput, latency and memory growth are measured
after the warm-up. Exit status 0 when there were no errors and memory grew less than
--max-growth percent (default 5), 1 otherwise, 2 on bad usage.

Traffic goes only to the URL given or to the server this script starts; requests are bounded by
--seconds and --max-requests.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .server import AppServer, wait_until_answering

QUESTIONS = [
    "What can trigger a back spasm?",
    "Does ice help with back spasms?",
    "Which symptoms does the article list?",
    "Should I stay in bed during a spasm?",
    "Is heat good for a spasm?",
    "Why are repeated spasms hard to diagnose?",
    "Can massage help?",
    "What is the capital of France?",  # the article does not cover it: the "not covered" path
]
FOLLOW_UPS = ["And what about heat?", "Tell me more about that.", "Why?", "What else helps?"]


@dataclass
class Sample:
    started: float  # seconds since the run began
    seconds: float
    ok: bool
    error: str = ""


@dataclass
class Report:
    url: str
    sessions: int
    seconds: float
    warmup: float
    requests: int = 0
    errors: int = 0
    error_examples: list[str] = field(default_factory=list)
    answers_per_second: float = 0.0
    p50_ms: float = 0.0
    p95_ms: float = 0.0
    max_ms: float = 0.0
    rss_start_mb: float | None = None  # server ready, before any load
    rss_after_warmup_mb: float | None = None
    rss_end_mb: float | None = None
    rss_peak_mb: float | None = None
    rss_growth_pct: float | None = None  # end vs after warm-up
    max_growth_pct: float = 5.0
    rss_timeline_mb: list[tuple[float, float]] = field(default_factory=list)  # (seconds into the run, MB)

    @property
    def passed(self) -> bool:
        memory_ok = self.rss_growth_pct is None or self.rss_growth_pct < self.max_growth_pct
        return self.errors == 0 and self.requests > 0 and memory_ok

    def summary(self) -> str:
        def mb(value: float | None) -> str:
            return "n/a" if value is None else f"{value:.0f} MB"

        growth = ("n/a (no server process to measure)" if self.rss_growth_pct is None
                  else f"{self.rss_growth_pct:+.1f} %")
        lines = [
            f"soak: {self.sessions} sessions for {self.seconds:.0f} s ({self.warmup:.0f} s warm-up) against {self.url}",
            f"  requests   {self.requests} ({self.errors} errors)",
            f"  answers/s  {self.answers_per_second:.1f} (after warm-up)",
            f"  latency    p50 {self.p50_ms:.0f} ms, p95 {self.p95_ms:.0f} ms, max {self.max_ms:.0f} ms",
            f"  server RSS start {mb(self.rss_start_mb)}, after warm-up {mb(self.rss_after_warmup_mb)}, "
            f"end {mb(self.rss_end_mb)}, peak {mb(self.rss_peak_mb)}; growth after warm-up {growth}",
            f"  {'PASS' if self.passed else 'FAIL'} (targets: 0 errors, growth under {self.max_growth_pct:g} %)",
        ]
        lines += [f"  error: {e}" for e in self.error_examples]
        return "\n".join(lines)


class MemoryWatch:
    """Samples a process's resident memory (with its children) once a second."""

    def __init__(self, pid: int | None) -> None:
        self.samples: list[tuple[float, float]] = []  # (monotonic time, MB)
        self._process = None
        if pid is not None:
            import psutil  # a test/bench extra; only needed when there is a process to watch

            self._process = psutil.Process(pid)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="soak-memory", daemon=True)

    def rss_mb(self) -> float | None:
        if self._process is None:
            return None
        processes = [self._process, *self._process.children(recursive=True)]
        return sum(p.memory_info().rss for p in processes) / (1024 * 1024)

    def start(self) -> MemoryWatch:
        if self._process is not None:
            self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stop.wait(1.0):
            self.samples.append((time.monotonic(), self.rss_mb()))


def _client(url: str):
    from .visitor import connect

    return connect(url)


def run_session(number: int, url: str, began: float, deadline: float, budget: threading.Semaphore,
                samples: list[Sample], lock: threading.Lock) -> None:
    """One visitor: question, follow-up, next question... until the deadline or the request budget."""
    started = time.monotonic()
    try:
        client = _client(url)
    except Exception as err:  # noqa: BLE001 - a visitor who cannot even connect is an error too
        with lock:
            samples.append(Sample(started - began, time.monotonic() - started, False,
                                  f"connecting: {type(err).__name__}: {err}"))
        return
    try:
        turn = 0
        while time.monotonic() < deadline and budget.acquire(blocking=False):
            if turn % 2 == 0:
                message = QUESTIONS[(number + turn // 2) % len(QUESTIONS)]
            else:
                message = FOLLOW_UPS[(number + turn // 2) % len(FOLLOW_UPS)]
            started = time.monotonic()
            try:
                reply = client.predict(message, api_name="/chat")
                ok = bool(reply) and bool(reply[0].get("content"))
                sample = Sample(started - began, time.monotonic() - started, ok, "" if ok else "empty reply")
            except Exception as err:  # noqa: BLE001 - every failure is counted and reported
                sample = Sample(started - began, time.monotonic() - started, False, f"{type(err).__name__}: {err}")
            with lock:
                samples.append(sample)
            turn += 1
    finally:
        client.close()


def soak(url: str, sessions: int, seconds: float, warmup: float, pid: int | None = None,
         max_requests: int = 50_000, max_growth: float = 5.0) -> Report:
    """Run the sessions against `url` and measure; `pid` is the server process, for its memory."""
    report = Report(url=url, sessions=sessions, seconds=seconds, warmup=warmup, max_growth_pct=max_growth)
    memory = MemoryWatch(pid)
    report.rss_start_mb = memory.rss_mb()
    memory.start()
    samples: list[Sample] = []
    lock = threading.Lock()
    budget = threading.Semaphore(max_requests)
    began = time.monotonic()
    deadline = began + seconds
    threads = [threading.Thread(target=run_session, args=(n, url, began, deadline, budget, samples, lock),
                                name=f"soak-session-{n}", daemon=True) for n in range(sessions)]
    for thread in threads:
        thread.start()
    time.sleep(min(warmup, seconds))
    report.rss_after_warmup_mb = memory.rss_mb()
    for thread in threads:
        thread.join(timeout=seconds + 120)
    ended = time.monotonic()
    memory.stop()
    report.rss_end_mb = memory.rss_mb()

    report.requests = len(samples)
    failures = [s for s in samples if not s.ok]
    report.errors = len(failures)
    report.error_examples = sorted({s.error for s in failures})[:5]
    measured = [s for s in samples if s.started >= warmup] or samples
    window = max(ended - began - warmup, 1e-9) if any(s.started >= warmup for s in samples) else ended - began
    report.answers_per_second = round(sum(s.ok for s in measured) / window, 2)
    latencies = sorted(s.seconds * 1000 for s in measured)
    if latencies:
        report.p50_ms = round(statistics.median(latencies), 1)
        report.p95_ms = round(latencies[min(len(latencies) - 1, int(0.95 * len(latencies)))], 1)
        report.max_ms = round(latencies[-1], 1)
    readings = [mb for _, mb in memory.samples if mb is not None] + [
        mb for mb in (report.rss_start_mb, report.rss_after_warmup_mb, report.rss_end_mb) if mb is not None]
    if readings:
        report.rss_peak_mb = round(max(readings), 1)
    report.rss_timeline_mb = [(round(t - began, 1), round(mb, 1)) for t, mb in memory.samples if mb is not None]
    if report.rss_after_warmup_mb and report.rss_end_mb:
        report.rss_growth_pct = round(100 * (report.rss_end_mb / report.rss_after_warmup_mb - 1), 2)
    for name in ("rss_start_mb", "rss_after_warmup_mb", "rss_end_mb"):
        if getattr(report, name) is not None:
            setattr(report, name, round(getattr(report, name), 1))
    return report


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.soak", description=__doc__.split("\n\n")[0],
                                     epilog="example: python -m benchmarks.soak --sessions 16 --seconds 60")
    parser.add_argument("--sessions", type=int, default=16, help="concurrent chat sessions (default 16)")
    parser.add_argument("--seconds", type=float, default=60, help="how long to run (default 60)")
    parser.add_argument("--warmup", type=float, default=None,
                        help="seconds left out of throughput, latency and memory growth (default: a sixth of the run)")
    parser.add_argument("--url", help="a running page to soak (default: start a local server)")
    parser.add_argument("--pid", type=int, help="with --url: the server's process id, to report its memory")
    parser.add_argument("--corpus", metavar="DIR", help="for the server this script starts (default: the repo's)")
    parser.add_argument("--index", metavar="DIR", help="for the server this script starts (default: the repo's)")
    parser.add_argument("--max-requests", type=int, default=50_000, help="stop after this many requests in all")
    parser.add_argument("--max-growth", type=float, default=5.0, help="memory growth target, percent (default 5)")
    parser.add_argument("--json", metavar="PATH", help="also write the report as JSON to PATH")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.sessions < 1 or args.seconds <= 0:
        _parser().error("--sessions must be at least 1 and --seconds positive")
    if args.pid and not args.url:
        _parser().error("--pid goes with --url (without --url the script measures the server it starts)")
    warmup = args.warmup if args.warmup is not None else args.seconds / 6
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    with tempfile.TemporaryDirectory(prefix="bot-soak-") as scratch:
        if args.url:
            url = args.url if args.url.endswith("/") else args.url + "/"
            wait_until_answering(url)
            report = soak(url, args.sessions, args.seconds, warmup, pid=args.pid, max_requests=args.max_requests,
                          max_growth=args.max_growth)
        else:
            # The soak sends no votes, but a server it starts must not write into the checkout either.
            feedback_log = Path(os.environ.get("BOT_FEEDBACK_LOG") or Path(scratch) / "feedback.jsonl")
            server = AppServer(Path(scratch) / "server.log", corpus_dir=_path(args.corpus),
                               index_dir=_path(args.index), feedback_log=feedback_log)
            with server:
                report = soak(server.url, args.sessions, args.seconds, warmup, pid=server.pid,
                              max_requests=args.max_requests, max_growth=args.max_growth)
    print(report.summary())
    if args.json:
        Path(args.json).write_text(json.dumps({**asdict(report), "passed": report.passed}, indent=2) + "\n")
    return 0 if report.passed else 1


def _path(value: str | None) -> Path | None:
    return Path(value).resolve() if value else None


if __name__ == "__main__":
    sys.exit(main())
