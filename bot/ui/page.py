"""What the page says about itself: header, example questions, link-preview tags, stylesheet, theme, script.

`bot.ui.demo` assembles the page from these. Every text that comes from the corpus is
`html.escape`d here. The browser behaviour (plain-text copy, scrolling each new answer to its top,
the character note, focus, citations that open their source) lives in `bot/data/page.js`, read once.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

import gradio as gr

from ..corpus import load_corpus

NOT_MEDICAL_ADVICE = (
    "This bot quotes an article and is <strong>not medical advice</strong>. If you are worried about "
    "your symptoms, talk to a doctor; in an emergency, call your local emergency number."
)
#: The last line of anything copied from the page.
COPY_NOTE = ("Quoted from {titles}. This is not medical advice: if you are worried about your symptoms, "
             "talk to a doctor.")


@dataclass(frozen=True)
class Article:
    """One document of the corpus as the page names it."""

    title: str
    source: str  # the front matter's `source`: a URL, or words saying where the text came from


@dataclass(frozen=True)
class PageInfo:
    """What the page says about the corpus: titles, sources and example questions (at least one article)."""

    articles: list[Article]
    examples: list[str]

    @property
    def title(self) -> str:
        return " · ".join(a.title for a in self.articles)

    @property
    def description(self) -> str:
        names = " and ".join(f"“{a.title}”" for a in self.articles)
        return (f"Ask questions about {names}: every answer is quoted word for word from it, with its source. "
                "Not medical advice.")

    @property
    def copy_note(self) -> str:
        return COPY_NOTE.format(titles=" and ".join(f"“{a.title}”" for a in self.articles))


def page_info(corpus_dir: Path) -> PageInfo:
    """Titles, sources and example questions from the corpus front matter (no model needed).

    The corpus has at least one document (`load_corpus` raises otherwise), so neither the page
    nor its title ever needs a placeholder.
    """
    documents = load_corpus(corpus_dir)
    articles = [Article(d.title, str(d.metadata.get("source", "")).strip()) for d in documents]
    return PageInfo(articles, [q for d in documents for q in d.examples])


def page_header(info: PageInfo) -> str:
    """The article's title and source, what the bot does, and the not-medical-advice notice."""
    title = " · ".join(html.escape(a.title) for a in info.articles)
    sources = "".join(f'<p class="source">{_source(a)}</p>' for a in info.articles if a.source)
    return (
        f'<div class="page-header"><h1>{title}</h1>{sources}'
        '<p class="intro">Ask a question in your own words. The answer is <strong>quoted word for word</strong> from '
        "the article, with its source (article › section), or says plainly that the article does not "
        "cover it.</p>"
        f'<p class="disclaimer">ℹ️ {NOT_MEDICAL_ADVICE}</p>'
        "</div>"
    )


def _source(article: Article) -> str:
    label = "Source" if len(article.source) < 200 else "Source (cut)"
    text = article.source[:200]
    if re.fullmatch(r"https?://[^\s<>\"']+", text):
        link = html.escape(text, quote=True)
        return f'{label}: <a href="{link}" rel="noopener noreferrer" target="_blank">{html.escape(text)}</a>'
    return f"{label}: {html.escape(text)}"


def head_tags(info: PageInfo) -> str:
    """The link-preview tags for the page (`launch(head=…)` adds them once the page runs)."""
    return "\n".join(_meta_tags(info))


def _meta_tags(info: PageInfo) -> list[str]:
    title, description = html.escape(info.title, quote=True), html.escape(info.description, quote=True)
    return [
        f'<meta name="description" content="{description}" />',
        f'<meta property="og:title" content="{title}" />',
        f'<meta property="og:description" content="{description}" />',
        f'<meta name="twitter:title" content="{title}" />',
        f'<meta name="twitter:description" content="{description}" />',
    ]


# Gradio's page template hard-codes link-preview tags ("Gradio", "Click to try out the app!", an
# image on a third-party host); a link preview reads the HTML as served, before any script runs.
_TEMPLATE_TAG = re.compile(
    r'<meta\s+(?:property="og:(?:title|description|image|url)"|name="twitter:(?:title|description|image|creator)")'
    r"\s+content=\"[^\"]*\"\s*/>",
    re.S,
)


def rewrite_meta(page: str, info: PageInfo) -> str:
    """The served page with Gradio's preview tags replaced by the corpus's title and description."""
    if "og:title" not in page:
        return page
    page = _TEMPLATE_TAG.sub("", page)
    tags = _meta_tags(info) if "<title>" in page else [f"<title>{html.escape(info.title)}</title>", *_meta_tags(info)]
    return page.replace("<head>", "<head>\n" + "\n".join(tags), 1)


class MetaTagsMiddleware:
    """ASGI middleware: rewrites the preview tags of the HTML page at `/` (other responses pass through)."""

    def __init__(self, app, info: PageInfo) -> None:
        self.app = app
        self.info = info

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http" or scope.get("method") != "GET" or scope.get("path", "").rstrip("/") != "":
            await self.app(scope, receive, send)
            return
        start: dict | None = None
        chunks: list[bytes] = []

        async def buffer(message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                headers = dict(message.get("headers") or [])
                if not headers.get(b"content-type", b"").startswith(b"text/html") or b"content-encoding" in headers:
                    start = None
                    await send(message)
                    return
                start = message
                return
            if start is None:
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body"):
                return
            body = rewrite_meta(b"".join(chunks).decode("utf-8"), self.info).encode("utf-8")
            headers = [(k, v) for k, v in start.get("headers") or [] if k.lower() != b"content-length"]
            headers.append((b"content-length", str(len(body)).encode()))
            await send({**start, "headers": headers})
            await send({"type": "http.response.body", "body": body})

        await self.app(scope, receive, buffer)


@cache
def _script_body() -> str:
    return resources.files("bot").joinpath("data/page.js").read_text(encoding="utf-8")


def page_js(info: PageInfo, max_chars: int) -> str:
    """The page's script, as the function `launch(js=…)` runs once the page has loaded."""
    config = {"copyNote": info.copy_note, "maxChars": max_chars}
    return f"() => {{\nconst CONFIG = {json.dumps(config, ensure_ascii=False)};\n{_script_body()}\n}}"


CSS = """
.page-header { text-align: center; max-width: 46rem; margin: 0 auto 0.25rem; }
.page-header h1 { font-size: 1.6rem; margin: 0.25rem 0 0.2rem; }
.page-header p { margin: 0.2rem 0; color: var(--body-text-color); }
.page-header .source { font-size: 0.8rem; color: var(--body-text-color); opacity: 1; }
.page-header .disclaimer { display: inline-block; margin-top: 0.4rem; padding: 0.3rem 0.7rem; border-radius: 0.5rem;
  background: var(--color-accent-soft); color: var(--body-text-color); font-size: 0.9rem; }
#chat blockquote { border-left: 4px solid var(--color-accent); margin: 0.5rem 0; padding: 0.2rem 0 0.2rem 0.8rem; }
#chat mark { background: #fde68a; color: #1f2937; padding: 0 0.1rem; border-radius: 0.2rem; }
#chat .band { display: inline-block; font-size: 0.75rem; font-weight: 600; padding: 0.05rem 0.5rem;
  border-radius: 999px; letter-spacing: 0.02em; }
#chat .band-high { background: #d1fae5; color: #064e3b; }
#chat .band-medium { background: #fef3c7; color: #92400e; }
#chat .band-low { background: #e5e7eb; color: #374151; }
#chat .note, #chat .asked, #chat .source-line { display: block; font-size: 0.85rem; color: var(--body-text-color); }
#chat .urgent, .dark #chat .urgent { border: 2px solid #b91c1c; background: #fef2f2; color: #7f1d1d;
  border-radius: 0.5rem; padding: 0.6rem 0.8rem; }
#chat .urgent strong, .dark #chat .urgent strong { color: #7f1d1d; }
#chat .cite { color: inherit; font-weight: 700; text-decoration: underline; text-underline-offset: 2px;
  display: inline-block; min-width: 24px; min-height: 24px; text-align: center; cursor: pointer; }
#chat .examples .example { border: 1px solid var(--border-color-primary); box-shadow: var(--shadow-drop);
  cursor: pointer; }
#chat .examples .example:hover { border-color: var(--color-accent); }
#chat .icon-button, #chat .options button, #chat button.option { min-width: 24px; min-height: 24px; }
#chat .thought-group .title { min-height: 24px; }
#chat .md.chatbot.prose { opacity: 1; }  /* Gradio fades message text to 0.8: too faint for AA contrast */
footer .show-api, footer .built-with, footer a, footer button { color: var(--body-text-color) !important; }
#char-note { font-size: 0.85rem; margin: 0.2rem 0.5rem 0; color: var(--body-text-color); }
#char-note:empty { margin: 0; }
#char-note.at-limit { color: #b91c1c; font-weight: 600; }
.dark #char-note.at-limit { color: #fca5a5; }
@media (max-width: 640px) {
  .page-header h1 { font-size: 1.2rem; margin: 0 0 0.2rem; }
  .page-header p { font-size: 0.82rem; line-height: 1.3; }
  .page-header .intro { display: none; }  /* on a phone the notice below says it: quotes, not advice */
  .page-header .source { font-size: 0.72rem; line-height: 1.2; }
  .page-header .disclaimer { font-size: 0.78rem; padding: 0.25rem 0.5rem; }
}
"""


# System fonts: the default theme fonts come from a third-party font host, and this page calls out to nobody.
THEME = gr.themes.Soft(
    primary_hue="teal", secondary_hue="amber", neutral_hue="slate",
    font=["system-ui", "-apple-system", "Segoe UI", "Roboto", "Helvetica Neue", "Arial", "sans-serif"],
    font_mono=["ui-monospace", "SFMono-Regular", "Menlo", "Consolas", "monospace"],
)
