"""The command-line contract that evaluation scripts depend on, run as a real subprocess."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import main
from bot.config import REPO_ROOT

PASSAGE_KEYS = {"text", "quote", "source", "section", "score", "doc", "start", "end"}


def run_cli(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(REPO_ROOT))
    return subprocess.run([sys.executable, "-m", "bot", *args], input=stdin, capture_output=True,
                          text=True, env=env, timeout=180, cwd=REPO_ROOT)


@pytest.fixture(scope="module")
def batch() -> list[dict]:
    questions = ["Does ice help with back spasms?", "What is the capital of France?", "what are the symptoms?"]
    result = run_cli("ask", "--json", stdin="\n".join(questions) + "\n")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == len(questions)
    return [json.loads(line) for line in lines]


def test_batch_mode_answers_every_line_in_order(batch: list[dict]) -> None:
    assert [o["question"] for o in batch] == [
        "Does ice help with back spasms?", "What is the capital of France?", "what are the symptoms?",
    ]


def test_json_answer_has_the_documented_shape(batch: list[dict]) -> None:
    first = batch[0]
    assert set(first) >= {"question", "abstained", "coverage", "urgent", "signs", "answer", "passages"}
    assert first["abstained"] is False and first["coverage"] == "full"
    assert first["urgent"] is None and first["signs"] == []
    assert len(first["passages"]) >= 3
    seed = (REPO_ROOT / "corpus" / first["passages"][0]["doc"]).read_text(encoding="utf-8")
    for passage in first["passages"]:
        assert set(passage) >= PASSAGE_KEYS
        assert seed[passage["start"] : passage["end"]] == passage["text"]
        assert passage["quote"] in passage["text"]
    scores = [p["score"] for p in first["passages"]]
    assert scores == sorted(scores, reverse=True)
    assert "Ice therapy" in first["passages"][0]["quote"]


def test_an_off_topic_question_abstains_in_json(batch: list[dict]) -> None:
    assert batch[1]["abstained"] is True and batch[1]["coverage"] == "none"
    assert "does not cover" in batch[1]["answer"]
    assert batch[0]["unmentioned"] == [] and isinstance(batch[1]["unmentioned"], list)


def test_an_empty_line_in_batch_mode_gets_a_readable_refusal_with_the_same_fields() -> None:
    result = run_cli("ask", "--json", stdin="Does ice help?\n   \n")
    assert result.returncode == 0, result.stderr
    answered, empty = (json.loads(line) for line in result.stdout.splitlines())
    assert set(empty) == set(answered)
    assert empty["abstained"] is True and empty["coverage"] == "none" and empty["passages"] == []
    assert "Please type a question" in empty["answer"]


def test_ask_prints_the_answer_as_a_person_reads_it() -> None:
    result = run_cli("ask", "Can massage help?")
    assert result.returncode == 0
    assert result.stdout.startswith("The article says:")
    assert "> Massage the affected area" in result.stdout or "massage" in result.stdout.lower()
    assert "Repeated Back Muscle Spasms › Treatment of Back Muscle Spasms" in result.stdout


def test_a_missing_index_is_a_one_line_error_with_exit_1(tmp_path: Path, capsys) -> None:
    assert main(["ask", "--index", str(tmp_path / "nowhere"), "anything"]) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert "python -m bot build" in err


def test_bad_usage_exits_2() -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["frobnicate"])
    assert exit_info.value.code == 2


def test_build_and_ask_take_any_corpus_and_index(tmp_path: Path, capsys) -> None:
    corpus = tmp_path / "c"
    corpus.mkdir()
    (corpus / "bees.md").write_text("# Bees\n\n## Food\n\n- Bees make honey from flower nectar.\n"
                                    "- Bees also collect pollen for protein.\n\n## Homes\n\nBees live in hives.\n")
    assert main(["build", "-q", "--corpus", str(corpus), "--index", str(tmp_path / "i")]) == 0
    assert main(["ask", "--json", "--corpus", str(corpus), "--index", str(tmp_path / "i"), "What do bees make?"]) == 0
    answer = json.loads(capsys.readouterr().out.splitlines()[-1])
    assert answer["passages"][0]["source"] == "Bees › Food"
    assert "honey" in answer["passages"][0]["quote"]


def test_serve_leaves_host_and_port_to_the_same_defaults_as_app_py(monkeypatch) -> None:
    import argparse

    from bot.app import add_server_options
    from bot.cli import _parser

    monkeypatch.setenv("GRADIO_SERVER_PORT", "7999")
    app_py = argparse.ArgumentParser()
    add_server_options(app_py)
    serve = _parser().parse_args(["serve"])
    # None: Gradio takes the first free port from $GRADIO_SERVER_PORT (else 7860), as `python app.py` does;
    # a fixed default would fail when that port is busy.
    defaults = app_py.parse_args([])
    assert (serve.host, serve.port) == (defaults.host, defaults.port) == (None, None)
    serve = _parser().parse_args(["serve", "--host", "0.0.0.0", "--port", "8001"])
    assert (serve.host, serve.port) == ("0.0.0.0", 8001)
