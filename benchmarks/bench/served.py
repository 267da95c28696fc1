"""The served app, measured from outside: cold start, HTTP latency and throughput, peak memory.

The server is `benchmarks.server.AppServer`: `python app.py` (what the Space runs) in a child
process on 127.0.0.1, over a copy of the corpus and index in a temporary folder (so nothing in the
checkout is written), with its peak resident memory read from the kernel. The naive script prints
its own.

Cold start is timed from just before the process is spawned to the first answer received over
HTTP, against a naive script spawned the same way that eagerly imports gradio and
sentence-transformers, loads the model and encodes one question.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from ..server import FIRST_QUESTION, AppServer, Exited, child_env
from .stats import Summary, ratio

NAIVE_SCRIPT = """\
import gradio
import sentence_transformers
model = sentence_transformers.SentenceTransformer({path!r}, device="cpu")
model.encode({question!r})
# Measurement only: this process's peak resident memory, as the kernel counts it.
print(open("/proc/self/status").read().split("VmHWM:")[1].split()[0])
"""


def run_naive(model_path: Path, workdir: Path, timeout: float = 300) -> Exited:
    """The naive start: eager imports, model load, one encode; timed and measured like the server."""
    script = workdir / "naive_start.py"
    script.write_text(NAIVE_SCRIPT.format(path=str(model_path), question=FIRST_QUESTION), encoding="utf-8")
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, str(script)], cwd=workdir, env=child_env(),
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        output, _ = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        raise
    seconds = time.perf_counter() - started
    if process.returncode != 0:
        raise RuntimeError(f"The naive script failed with exit status {process.returncode}")
    return Exited(round(seconds, 3), round(int(output.split()[-1]) / 1024, 1), process.returncode)


def measure_http(url: str, questions: list[str], single_requests: int, clients: int, per_client: int,
                 server_pid: int | None = None, bursts: int = 1) -> dict:
    """One client's latency, then `bursts` bursts of `clients` concurrent clients: answers/s, latency, errors.

    Answers/s is reported per burst and as their median, so one unlucky moment on a shared machine
    shows as spread rather than as the result. With `server_pid`, also the CPU time the server and
    the clients spent per answer: what the answers cost, whatever else the machine was doing.
    """
    import psutil

    from ..visitor import connect

    # connect(): no certificate check on plain HTTP (gradio_client otherwise loads the CA bundle for
    # every request: py-spy put 83% of the benchmark's client CPU, ~100 ms a request, in
    # ssl.create_default_context), and no question lost to gradio_client's stream race.
    client = connect(url)
    for question in questions[:3]:  # the first calls set up the client's connections
        client.predict(question, api_name="/chat")
    single = []
    for question in _cycle(questions, single_requests):
        started = time.perf_counter()
        client.predict(question, api_name="/chat")
        single.append((time.perf_counter() - started) * 1000)

    pool = [connect(url) for _ in range(clients)]
    server = psutil.Process(server_pid) if server_pid else None
    try:
        runs = [_burst(pool, questions[b * clients:] + questions[: b * clients], per_client, server)
                for b in range(bursts)]
    finally:
        # Closed, so their event streams do not hold the server's graceful shutdown open (it waits
        # for open connections; once it took past the 30 s the harness gives a Ctrl-C). All at once:
        # each close() waits up to 1 s for the client's heartbeat thread, which is blocked reading.
        closers = [threading.Thread(target=each.close) for each in (client, *pool)]
        for closer in closers:
            closer.start()
        for closer in closers:
            closer.join()
    latencies = [v for run in runs for v in run["latencies"]]
    errors = [e for run in runs for e in run["errors"]]
    answers, wall = len(latencies), sum(run["wall"] for run in runs)
    rates = [len(run["latencies"]) / run["wall"] for run in runs if run["wall"]]
    server_cpu, client_cpu = sum(run["server_cpu"] for run in runs), sum(run["client_cpu"] for run in runs)
    return {
        "single_client_ms": Summary.of(single).to_dict(),
        "concurrent": {
            "clients": clients, "bursts": bursts, "requests": bursts * clients * per_client, "answers": answers,
            "errors": len(errors), "error_examples": errors[:5], "wall_s": round(wall, 3),
            "answers_per_s": round(float(np.median(rates)), 2) if rates else float("nan"),
            "answers_per_s_each_burst": [round(r, 2) for r in rates],
            "latency_ms": Summary.of(latencies).to_dict(),
            "p95_ms_each_burst": [round(Summary.of(run["latencies"]).p95, 1) for run in runs],
            "server_cpu_ms_per_answer": round(server_cpu * 1000 / max(answers, 1), 2) if server else None,
            "client_cpu_ms_per_answer": round(client_cpu * 1000 / max(answers, 1), 2),
        },
        "samples_ms": {"single": [round(v, 2) for v in single], "concurrent": [round(v, 2) for v in latencies]},
    }


def _burst(pool: list, questions: list[str], per_client: int, server) -> dict:
    """Every client asks `per_client` questions in a row, all clients at once; timed from a barrier."""
    import psutil

    clients = len(pool)
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    barrier = threading.Barrier(clients + 1)

    def work(worker: int) -> None:
        mine = _cycle(questions[worker::clients] or questions, per_client)
        barrier.wait()
        for question in mine:
            started = time.perf_counter()
            try:
                pool[worker].predict(question, api_name="/chat")
                with lock:
                    latencies.append((time.perf_counter() - started) * 1000)
            except Exception as err:  # noqa: BLE001 - every failure is counted and reported
                with lock:
                    errors.append(f"{type(err).__name__}: {err}"[:200])

    threads = [threading.Thread(target=work, args=(w,), daemon=True) for w in range(clients)]
    for thread in threads:
        thread.start()
    me = psutil.Process()
    barrier.wait()
    started = time.perf_counter()
    cpu_before = (_cpu_seconds(server) if server else 0.0, _cpu_seconds(me))
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    cpu_after = (_cpu_seconds(server) if server else 0.0, _cpu_seconds(me))
    return {"latencies": latencies, "errors": errors, "wall": wall,
            "server_cpu": cpu_after[0] - cpu_before[0], "client_cpu": cpu_after[1] - cpu_before[1]}


def measure_cold_starts(site_dir: Path, model_path: Path, workdir: Path, repeats: int,
                        after_first_answer: Callable[[AppServer], dict] | None = None) -> dict:
    """Alternate naive script and server starts; the last server start also runs `after_first_answer`."""
    naive, ours, load = [], [], None
    for attempt in range(repeats):
        naive.append(run_naive(model_path, workdir))
        server = AppServer(workdir / f"server-{attempt}.log", corpus_dir=site_dir / "corpus",
                           index_dir=site_dir / "index", feedback_log=site_dir / "feedback.jsonl")
        with server:
            if attempt == repeats - 1 and after_first_answer is not None:
                load = after_first_answer(server)
        ours.append({**server.ready, "peak_rss_mb": server.exited.peak_rss_mb, "returncode": server.exited.returncode})
    naive_s = Summary.of([n.seconds for n in naive])
    ours_s = Summary.of([o["first_answer_s"] for o in ours])
    return {
        "repeats": repeats,
        "naive": [vars(n) for n in naive],
        "ours": ours,
        "naive_s": naive_s.to_dict(),
        "first_answer_s": ours_s.to_dict(),
        "page_up_s": Summary.of([o["page_up_s"] for o in ours]).to_dict(),
        "ratio_vs_naive": ratio(ours_s.p50, naive_s.p50),
        "naive_peak_rss_mb": max(n.peak_rss_mb for n in naive),
        "server_peak_rss_mb": max(o["peak_rss_mb"] for o in ours),
        "load": load,
    }


def _cpu_seconds(process) -> float:
    times = process.cpu_times()
    return times.user + times.system


def _cycle(items: list[str], n: int) -> list[str]:
    return [items[i % len(items)] for i in range(n)] if items else []

