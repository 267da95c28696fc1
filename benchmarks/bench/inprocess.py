"""Answer overhead: a whole in-process answer against a bare forward pass of the same question.

Four timings per question, interleaved in one loop so that a noisy neighbour slows them all
alike: `Chatbot.ask(question)`; sentence-transformers' bare `model.encode(question)` (the yardstick
the target is stated against), with torch's default threads and with one thread (on a busy 2-core
machine torch's two threads can be many times slower than one, and the yardstick should be the
faster of the two); and the bot's own encoder (`Embedder.embed_one`). The
bot's embedder is wrapped so that the time spent inside the model during an answer is known too,
which splits the answer into "the forward pass" and "everything else".
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field

import numpy as np

from bot.config import Settings
from bot.embedding import Embedder, ReferenceEmbedder

from .stats import Summary, ratio, timed_ms


@dataclass
class TimedEmbedder:
    """An Embedder that adds up the time spent in it: how much of an answer is the model."""

    inner: Embedder
    seconds: float = 0.0
    calls: int = 0
    texts: int = 0
    name: str = field(init=False)
    dim: int = field(init=False)

    def __post_init__(self) -> None:
        self.name, self.dim = self.inner.name, self.inner.dim

    def embed(self, texts, batch_size: int = 64, progress: bool = False) -> np.ndarray:
        started = time.perf_counter()
        try:
            return self.inner.embed(texts, batch_size=batch_size, progress=progress)
        finally:
            self.seconds += time.perf_counter() - started
            self.calls += 1
            self.texts += len(texts)

    def word_vectors(self, words):
        """A lookup in the model's input table (bot/unmentioned.py), not the model run: not timed."""
        return self.inner.word_vectors(words)

    def embed_one(self, text: str) -> np.ndarray:
        started = time.perf_counter()
        try:
            return self.inner.embed_one(text)
        finally:
            self.seconds += time.perf_counter() - started
            self.calls += 1
            self.texts += 1

    def take(self) -> float:
        """Seconds spent since the last call to take()."""
        seconds, self.seconds = self.seconds, 0.0
        return seconds


def measure_answer_overhead(settings: Settings, questions: list[str], rounds: int, warmup: int = 10,
                            max_seconds: float | None = None, min_questions: int = 50) -> dict:
    """p50/p95 of an answer and of a bare encode over the same questions, and their ratios.

    With `max_seconds`, the loop stops early (after at least `min_questions`) once that much time
    has gone: on a busy machine torch's encode can take a second, and the whole run has a budget.
    """
    from bot.chatbot import Chatbot

    started = time.perf_counter()
    embedder = TimedEmbedder(Embedder(settings.model))
    bot = Chatbot.load(settings, embedder=embedder, rebuild=False)
    load_seconds = time.perf_counter() - started
    reference = ReferenceEmbedder(settings.model).model  # the SentenceTransformer itself
    import torch  # already imported by sentence-transformers

    torch_threads = torch.get_num_threads()

    def encode_single_threaded(question: str) -> None:
        torch.set_num_threads(1)
        try:
            reference.encode(question)
        finally:
            torch.set_num_threads(torch_threads)

    for question in questions[:warmup]:  # lazy set-up (BM25, first forward passes) is not an answer's cost
        bot.ask(question)
        reference.encode(question)
    embedder.take()

    answer_ms, st_ms, st1_ms, ours_ms, model_in_answer_ms, abstained = [], [], [], [], [], 0
    rng = random.Random(11)
    deadline = time.perf_counter() + max_seconds if max_seconds else float("inf")
    for _ in range(rounds):
        order = list(questions)
        rng.shuffle(order)
        for i, question in enumerate(order):
            if len(answer_ms) >= min_questions and time.perf_counter() > deadline:
                break
            for step in _rotated(("answer", "st", "st1", "ours"), i):  # no step always runs first
                if step == "answer":
                    embedder.take()
                    started = time.perf_counter()
                    abstained += bot.ask(question).abstained
                    answer_ms.append((time.perf_counter() - started) * 1000)
                    model_in_answer_ms.append(embedder.take() * 1000)
                elif step == "st":
                    st_ms.append(timed_ms(lambda q=question: reference.encode(q)))
                elif step == "st1":
                    st1_ms.append(timed_ms(lambda q=question: encode_single_threaded(q)))
                else:
                    ours_ms.append(timed_ms(lambda q=question: embedder.inner.embed_one(q)))

    answer, ours = Summary.of(answer_ms), Summary.of(ours_ms)
    st_default, st_single = Summary.of(st_ms), Summary.of(st1_ms)
    st = st_default if st_default.p50 <= st_single.p50 else st_single  # the stronger yardstick
    rest = Summary.of(np.subtract(answer_ms, model_in_answer_ms))
    return {
        "questions": len(questions),
        "rounds": rounds,
        "measured": len(answer_ms),
        "stopped_early": len(answer_ms) < len(questions) * rounds,
        "abstained_share": round(abstained / max(len(answer_ms), 1), 3),
        "bot_load_seconds": round(load_seconds, 2),
        "torch_threads": torch_threads,
        "answer_ms": answer.to_dict(),
        "st_encode_ms": st.to_dict(),
        "st_encode_threads": torch_threads if st is st_default else 1,
        "st_encode_default_threads_ms": st_default.to_dict(),
        "st_encode_one_thread_ms": st_single.to_dict(),
        "our_encode_ms": ours.to_dict(),
        "model_time_in_answer_ms": Summary.of(model_in_answer_ms).to_dict(),
        "answer_minus_model_ms": rest.to_dict(),
        "ratio_p50_vs_st_encode": ratio(answer.p50, st.p50),
        "ratio_p95_vs_st_encode": ratio(answer.p95, st.p95),
        "ratio_p50_vs_our_encode": ratio(answer.p50, ours.p50),
        "ratio_p95_vs_our_encode": ratio(answer.p95, ours.p95),
        "samples_ms": {"answer": _round(answer_ms), "st_encode": _round(st_ms if st is st_default else st1_ms),
                       "our_encode": _round(ours_ms)},
    }


def _rotated(steps: tuple[str, ...], i: int) -> tuple[str, ...]:
    k = i % len(steps)
    return steps[k:] + steps[:k]


def _round(values: list[float]) -> list[float]:
    return [round(v, 3) for v in values]
