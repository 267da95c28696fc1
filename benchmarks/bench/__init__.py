"""`python -m benchmarks.bench [--quick] [--out docs/]`: latency, cold start, throughput, memory and scale.

Everything compared is measured in the same run, side by side, and reported as medians, 95th
percentiles and ratios, because the machines this runs on are shared and noisy:

1. answer overhead in process (`inprocess`),
2. HTTP latency and throughput against `python app.py` in a child process (`served`),
3. cold start to the first answer over HTTP against a naive eager script (`served`),
4. the server's peak resident memory (`served`),
   and the page in a browser: its HTML's size as sent, and its time to input-ready (`page`),
5. synthetic corpora of 10k and 100k chunks, flat and approximate search (`scale`).

`run()` writes `benchmarks.json`, `benchmarks.md` and `benchmarks.png` (`report`). Quick mode runs
every step with tiny sizes, for the test suite; its numbers are not worth quoting.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from bot.config import Settings

from .. import ROOT
from .machine import describe_machine, load_average
from .report import headline, verdicts, write_reports


@dataclass(frozen=True)
class Plan:
    """How much of everything to measure."""

    questions: int = 300
    rounds: int = 1
    overhead_seconds: float = 150.0
    cold_starts: int = 3
    single_requests: int = 200
    clients: int = 8
    per_client: int = 15
    bursts: int = 3
    profile_seconds: float = 8.0
    sample_chunks: int = 300
    sizes: tuple[int, ...] = (10_000, 100_000)
    ann_sizes: tuple[int, ...] = (10_000, 25_000, 100_000)
    curve_sizes: tuple[int, ...] = (25_000, 50_000)
    scale_queries: int = 200
    page_visits: int = 10

    @classmethod
    def quick(cls) -> Plan:
        return cls(questions=8, rounds=1, cold_starts=1, single_requests=3, clients=2, per_client=2, bursts=2,
                   profile_seconds=0.0, sample_chunks=6, sizes=(500, 1_500), ann_sizes=(1_500,),
                   curve_sizes=(), scale_queries=8, page_visits=2)


METHOD = """\
- **Answer overhead**: one process loads the bot (its numpy encoder) and sentence-transformers'
  `SentenceTransformer` of the same model folder. For each question, in shuffled order, it times
  `Chatbot.ask(question)`, the bare `model.encode(question)` with torch's default threads and with
  one thread, and the bot's own `Embedder.embed_one`, rotating which runs first. The yardstick is
  the faster of the two `model.encode` settings (on a busy 2-core machine torch's two OpenMP threads
  can be many times slower than one). The bot's embedder is wrapped to add up the time spent in the
  model during an answer. Ten warm-up questions first.
- **HTTP**: `python app.py --host 127.0.0.1 --port N` in a child process over a temporary copy of
  `corpus/` and `index/`; `gradio_client.Client(url, ssl_verify=False).predict(question,
  api_name="/chat")`. (The URL is plain HTTP on loopback, so nothing is verified either way; without
  the flag gradio_client loads the CA bundle for every request, ~100 ms of the benchmark's own CPU
  on the 2 cores it shares with the server.) The client is `benchmarks.visitor.Visitor`: after each
  answer it waits for its event stream to close (usually well under a millisecond, inside the timed
  call), else gradio_client can lose the next question to a race. One client asks in a row; then 8 threads, each with
  its own `Client`, start together behind a barrier and each asks its share; answers/s is
  successful answers over the wall time of the burst. CPU per answer is the server's (and the
  benchmark's) CPU time over the burst divided by the answers.
- **Cold start**: wall time from just before spawning `python app.py` to the first `/chat` answer
  received by a client that polls the page every 20 ms, against the wall time of a naive script
  spawned the same way (imports gradio and sentence-transformers, loads the model, encodes one
  question), alternating naive and app runs. matplotlib, installed here only for this report's
  plots and absent from the deployed app's requirements, is hidden from the server: Gradio imports
  it on the first request whenever it can (~0.6 s more on the first answer here).
- **Memory**: the peak resident set size of the server process over its whole life, load test
  included: the kernel's high-water mark (`VmHWM` in `/proc/PID/status`, read just before the
  server is stopped). The naive script prints its own `VmHWM` as its last act.
- **Page**: see `benchmarks/bench/page.py`: the page's HTML fetched with and without
  `Accept-Encoding: gzip`, and input-ready (navigation start to the page's script having run, so the
  textbox takes a question) in Debian's Chromium driven by Playwright, against the last cold-started
  server once its load test is over: each first visit in a new browser context (empty cache), each
  return visit a reload in the same context.
- **Scale**: see `benchmarks/bench/scale.py`: a real build of a generated sample with the real model, then
  10k and 100k chunks whose vectors beyond the sample are mixtures of the sample's real vectors.
  FAISS indexes are built and searched in the benchmark process with the bot's own functions
  (single-threaded searches, as the bot runs them).
"""


def prepare_site(settings: Settings, workdir: Path) -> tuple[Settings, str | None]:
    """A copy of the corpus and index to serve; rebuilt there (not in the checkout) if stale."""
    from bot.errors import BotError
    from bot.index import load_index

    site = workdir / "site"
    shutil.copytree(settings.corpus_dir, site / "corpus")
    if settings.index_dir.is_dir():
        shutil.copytree(settings.index_dir, site / "index")
    served = replace(settings, corpus_dir=site / "corpus", index_dir=site / "index",
                     feedback_log=site / "feedback.jsonl")
    try:
        load_index(served)
        return served, None
    except BotError as err:
        from bot.build import build

        build(served)
        return served, f"The checkout's index could not be served as is ({err}); it was rebuilt in the copy."


def run(out_dir: Path, quick: bool = False, settings: Settings | None = None, sections: set[str] | None = None) -> dict:
    """Run the benchmark, write its reports into `out_dir`, and return the results."""
    from bot.embedding import resolve_model

    from .inprocess import measure_answer_overhead
    from .page import measure_page
    from .questions import bench_questions
    from .scale import measure_scale
    from .served import measure_cold_starts, measure_http

    plan = Plan.quick() if quick else Plan()
    sections = sections or {"overhead", "served", "scale"}
    settings = settings or Settings.from_env(ROOT)
    started = time.perf_counter()
    results: dict = {
        "command": "python -m benchmarks.bench" + (" --quick" if quick else ""),
        "quick": quick, "plan": asdict(plan), "machine": describe_machine(), "method": METHOD,
    }
    with tempfile.TemporaryDirectory(prefix="bot-bench-") as tmp:
        workdir = Path(tmp)
        served, note = prepare_site(settings, workdir)
        results["notes"] = [note] if note else []
        questions = bench_questions(plan.questions, served.corpus_dir)
        if "overhead" in sections:
            _say("1. answer overhead in process")
            results["answer_overhead"] = measure_answer_overhead(served, questions, plan.rounds,
                                                                 max_seconds=plan.overhead_seconds)
        if "served" in sections:
            _say("2–4. HTTP, cold start, memory")

            def load_test(server) -> dict:
                load = measure_http(server.url, questions, plan.single_requests, plan.clients, plan.per_client,
                                    server_pid=server.pid, bursts=plan.bursts)
                if plan.profile_seconds:
                    results["profile"] = _profile_under_load(server, questions, plan, workdir)
                results["page"] = measure_page(server.url, plan.page_visits)
                return load

            results["served"] = measure_cold_starts(served.index_dir.parent, resolve_model(served.model), workdir,
                                                    plan.cold_starts, after_first_answer=load_test)
        if "scale" in sections:
            _say("5. scale")
            results["scale"] = measure_scale(served, workdir / "scale", plan.sample_chunks, list(plan.sizes),
                                             list(plan.ann_sizes), list(plan.curve_sizes), plan.scale_queries)
    results["seconds"] = round(time.perf_counter() - started, 1)
    results["finished"] = time.strftime("%Y-%m-%d %H:%M %Z")
    results["load_average_end"] = load_average()
    results["headline"] = headline(results)
    results["verdicts"] = verdicts(results["headline"])
    results["reports"] = {k: str(v) for k, v in write_reports(results, out_dir).items()}
    return results


def _profile_under_load(server, questions: list[str], plan: Plan, workdir: Path) -> dict | None:
    """A py-spy profile of the server while the same concurrent load runs again (not timed)."""
    from .profile import start_recording, summarise
    from .served import measure_http

    raw = workdir / "server-profile.txt"
    recorder = start_recording(server.pid, plan.profile_seconds, raw)
    if recorder is None:
        return None
    time.sleep(0.5)
    deadline = time.perf_counter() + plan.profile_seconds
    while time.perf_counter() < deadline:
        measure_http(server.url, questions, 0, plan.clients, 10)
    recorder.wait(timeout=plan.profile_seconds + 60)
    return summarise(raw, plan.profile_seconds)


def _say(message: str) -> None:
    import sys

    print(f"[bench] {message}", file=sys.stderr, flush=True)
