"""The Hugging Face Space card (README front matter) and what a Space installs and runs."""

from __future__ import annotations

import re

import gradio
import pytest
import tomllib
import yaml

from bot.config import REPO_ROOT

README = REPO_ROOT / "README.md"
COLORS = {"red", "yellow", "green", "blue", "indigo", "purple", "pink", "gray"}


@pytest.fixture(scope="module")
def card() -> dict:
    text = README.read_text(encoding="utf-8")
    match = re.match(r"\A---\n(.*?)\n---\n", text, re.DOTALL)
    assert match, "README.md must open with a --- front-matter block (the Space card)"
    return yaml.safe_load(match.group(1))


def test_the_card_has_every_key_a_space_needs(card: dict) -> None:
    for key in ("title", "emoji", "colorFrom", "colorTo", "sdk", "sdk_version", "app_file", "python_version",
                "short_description", "license"):
        assert card.get(key), f"the Space card lacks {key!r}"
    assert card["sdk"] == "gradio"
    assert card["colorFrom"] in COLORS and card["colorTo"] in COLORS
    assert not any(c.isascii() for c in card["emoji"])
    assert len(card["short_description"]) <= 60  # the Hub's limit for the thumbnail text
    assert card["license"] == tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]["license"].lower()


def test_the_sdk_version_is_the_installed_gradio(card: dict) -> None:
    assert isinstance(card["sdk_version"], str), "quote sdk_version, or YAML may read it as a number"
    assert card["sdk_version"] == gradio.__version__


def test_python_version_is_quoted_and_allowed_by_the_package(card: dict) -> None:
    assert isinstance(card["python_version"], str), 'quote python_version ("3.10" unquoted reads as 3.1)'
    minimum = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]["requires-python"]
    assert re.fullmatch(r"3\.\d+(\.\d+)?", card["python_version"])
    assert tuple(map(int, card["python_version"].split(".")[:2])) >= tuple(map(int, minimum.lstrip(">=").split(".")))


def test_the_app_file_exposes_demo_and_serves_when_run(card: dict) -> None:
    source = (REPO_ROOT / card["app_file"]).read_text(encoding="utf-8")
    assert re.search(r"^demo = ", source, re.MULTILINE), "Spaces and `gradio app.py` look for a module-level demo"
    assert 'if __name__ == "__main__":' in source
    assert "server_name" not in source and "7860" not in source.split('"""', 2)[-1], "no hard-coded host or port"


def test_requirements_install_the_same_pins_as_the_package() -> None:
    lines = (REPO_ROOT / "requirements.txt").read_text(encoding="utf-8").splitlines()
    requirements = {line.strip() for line in lines if line.strip() and not line.lstrip().startswith(("#", "-"))}
    dependencies = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    assert requirements == set(dependencies)
    assert f"gradio=={gradio.__version__}" in requirements


def test_the_readme_shows_the_page_and_starts_it_first() -> None:
    text = README.read_text(encoding="utf-8")
    shot = re.search(r"!\[[^\]]+\]\((docs/[^)]+\.png)\)", text)
    assert shot and (REPO_ROOT / shot.group(1)).is_file()
    first_command = re.search(r"```bash\n(.+?)\n", text).group(1)
    assert first_command.endswith("python app.py")
    for section in ("## The chat page", "## Use it from code (API)", "## Embed it", "## Deploying as a Space"):
        assert section in text
    assert 'api_name="/search"' in text and 'api_name="/chat"' in text and "<gradio-app" in text and "<iframe" in text


def test_the_layout_names_every_module_of_the_package_once() -> None:
    guide = (REPO_ROOT / "docs" / "how-it-works.md").read_text(encoding="utf-8")
    layout = guide.split("## Layout", 1)[1].split("```")[1]
    named = [line.split()[0] for line in layout.splitlines() if line.startswith("bot/")]
    modules = sorted(str(p.relative_to(REPO_ROOT)) for p in (REPO_ROOT / "bot").rglob("*.py"))
    assert sorted(named) == modules
