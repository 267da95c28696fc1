"""What the page says about itself: header, example questions, link-preview tags, stylesheet, theme, script.

`bot.ui.demo` assembles the page from these. Every text that comes from the corpus is
`html.escape`d here. The browser behaviour (plain-text copy, scrolling each new answer to its top,
the character note, focus, the article panel that citations open, suggestion buttons, the clear
dialog, headings per message) lives in `bot/data/page.js`, read once.
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

from ..corpus import Document, load_corpus
from .article import Block, article_blocks

NOT_MEDICAL_ADVICE = (
    "This bot quotes an article and is <strong>not medical advice</strong>. If you are worried about "
    "your symptoms, talk to a doctor; in an emergency, call your local emergency number."
)
#: The last line of anything copied from the page.
COPY_NOTE = ("Quoted from {titles}. This is not medical advice: if you are worried about your symptoms, "
             "talk to a doctor.")


#: The most article text the reading panel carries. The panel is part of the page's HTML, sent to every
#: visitor; a corpus larger than this (the shipped article is ~4,500 characters) gets no panel, and
#: its citations open the passage under the answer instead.
PANEL_MAX_CHARS = 200_000


@dataclass(frozen=True)
class Article:
    """One document of the corpus as the page names and shows it."""

    title: str
    publisher: str = ""  # the front matter's `publisher` (or a `source` that is not a link)
    url: str = ""  # the front matter's `url` (or a `source` that is a link)
    blocks: tuple[Block, ...] = ()  # its text for the reading panel

    def to_dict(self) -> dict:
        return {"title": self.title, "publisher": self.publisher, "url": self.url,
                "blocks": [b.to_dict() for b in self.blocks]}


@dataclass(frozen=True)
class PageInfo:
    """What the page says about the corpus: titles, where they come from, their text, example questions."""

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

    @property
    def panel(self) -> list[dict]:
        """The articles for the reading panel, or none when the corpus is too large to send with the page."""
        size = sum(len(b.text) for a in self.articles for b in a.blocks)
        return [a.to_dict() for a in self.articles] if size <= PANEL_MAX_CHARS else []


_LINK = re.compile(r"https?://[^\s<>\"']+")


def page_info(corpus_dir: Path) -> PageInfo:
    """Titles, publishers, links, text and example questions from the corpus (no model needed).

    The corpus has at least one document (`load_corpus` raises otherwise), so neither the page
    nor its title ever needs a placeholder.
    """
    documents = load_corpus(corpus_dir)
    articles = []
    for document in documents:
        publisher, url = _field(document, "publisher"), _field(document, "url")
        source = _field(document, "source")
        if source and _LINK.fullmatch(source):
            url = url or source
        elif source:
            publisher = publisher or source
        articles.append(Article(document.title, publisher[:200], url if _LINK.fullmatch(url) else "",
                                tuple(article_blocks(document))))
    return PageInfo(articles, [q for d in documents for q in d.examples])


def _field(document: Document, key: str) -> str:
    value = document.metadata.get(key)
    return " ".join(str(value).split()) if isinstance(value, (str, int, float)) else ""


def page_header(info: PageInfo) -> str:
    """The article's title (and its publisher and link, when the corpus names them), what the bot
    does, and the not-medical-advice notice. Where the text came from is said only when known."""
    title = " · ".join(html.escape(a.title) for a in info.articles)
    sources = "".join(f'<p class="source">{_source(a)}</p>' for a in info.articles if a.publisher or a.url)
    return (
        f'<div class="page-header"><h1>{title}</h1>{sources}'
        '<p class="intro">Ask a question in your own words. The answer is <strong>quoted word for word</strong> from '
        "the article, with its source, or says plainly that the article does not cover it.</p>"
        f'<p class="disclaimer">ℹ️ {NOT_MEDICAL_ADVICE}</p>'
        "</div>"
    )


def _source(article: Article) -> str:
    parts = []
    if article.publisher:
        parts.append(f"From {html.escape(article.publisher)}")
    if article.url:
        link = html.escape(article.url, quote=True)
        parts.append(f'<a href="{link}" rel="noopener noreferrer" target="_blank">{html.escape(article.url[:200])}</a>')
    return " · ".join(parts)


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


class PageMiddleware:
    """ASGI middleware for the HTML page at `/`: its whole body, and headers, given to `rewrite`.

    Other responses (and a page already encoded) pass through untouched; the page is buffered,
    which is fine for one document of ~100 KB and would not be for the event streams.
    """

    def __init__(self, app) -> None:
        self.app = app

    def wanted(self, scope) -> bool:
        return scope["type"] == "http" and scope.get("method") == "GET" and scope.get("path", "").rstrip("/") == ""

    def rewrite(self, body: bytes, headers: list[tuple[bytes, bytes]]) -> tuple[bytes, list[tuple[bytes, bytes]]]:
        raise NotImplementedError

    async def __call__(self, scope, receive, send) -> None:
        if not self.wanted(scope):
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
            headers = [(k, v) for k, v in start.get("headers") or [] if k.lower() != b"content-length"]
            body, headers = self.rewrite(b"".join(chunks), headers)
            headers.append((b"content-length", str(len(body)).encode()))
            await send({**start, "headers": headers})
            await send({"type": "http.response.body", "body": body})

        await self.app(scope, receive, buffer)


class MetaTagsMiddleware(PageMiddleware):
    """Rewrites the preview tags of the HTML page at `/`."""

    def __init__(self, app, info: PageInfo) -> None:
        super().__init__(app)
        self.info = info

    def rewrite(self, body: bytes, headers: list[tuple[bytes, bytes]]) -> tuple[bytes, list[tuple[bytes, bytes]]]:
        return rewrite_meta(body.decode("utf-8"), self.info).encode("utf-8"), headers


@cache
def _script_body() -> str:
    return resources.files("bot").joinpath("data/page.js").read_text(encoding="utf-8")


def page_js(info: PageInfo, max_chars: int) -> str:
    """The page's script, as the function `launch(js=…)` runs once the page has loaded.

    Its CONFIG carries the articles for the reading panel: the script draws them with textContent.
    """
    config = {"copyNote": info.copy_note, "maxChars": max_chars, "articles": info.panel}
    return f"() => {{\nconst CONFIG = {json.dumps(config, ensure_ascii=False)};\n{_script_body()}\n}}"


CSS = """
.page-header { text-align: center; max-width: 46rem; margin: 0 auto 0.25rem; }
.page-header h1 { font-size: 1.6rem; margin: 0.25rem 0 0.2rem; }
.page-header p { margin: 0.2rem 0; color: var(--body-text-color); }
.page-header .source { font-size: 0.85rem; color: var(--body-text-color); opacity: 1; }
.page-header .disclaimer { display: inline-block; margin-top: 0.4rem; padding: 0.3rem 0.7rem; border-radius: 0.5rem;
  background: var(--color-accent-soft); color: var(--body-text-color); font-size: 0.9rem; }
.read-article { display: inline-flex; align-items: center; gap: 0.35rem; margin: 0.2rem 0 0.3rem;
  padding: 0.3rem 0.9rem;
  min-height: 32px; border: 1px solid var(--border-color-primary); border-radius: 999px; cursor: pointer;
  background: var(--background-fill-primary); color: var(--body-text-color); font-size: 0.9rem; font-weight: 600; }
.read-article:hover { border-color: var(--body-text-color); }
/* Gradio's prose gives a block quote 24 px above and below, !important: the quote belongs to its lead. */
#chat blockquote { border-left: 4px solid var(--color-accent); margin: 0.5rem 0 !important;
  padding: 0.2rem 0 0.2rem 0.8rem; }
#chat blockquote p { margin: 0.35rem 0; }
#chat blockquote ul { margin: 0.3rem 0; padding-left: 1.1rem; }
#chat blockquote li { margin: 0.2rem 0; }
#chat .source-line, #chat .list-intro { display: block; font-size: 0.85rem; color: var(--body-text-color); }
#chat mark { background: #fde68a; color: #1f2937; padding: 0 0.1rem; border-radius: 0.2rem; }
#chat .band { display: inline-block; font-size: 0.8rem; font-weight: 600; padding: 0.05rem 0.6rem; border-radius: 999px;
  border: 1px solid var(--border-color-primary); background: var(--background-fill-secondary);
  color: var(--body-text-color); }
#chat .band-low, #chat .band-partial, .dark #chat .band-low, .dark #chat .band-partial {
  border-color: #b45309; background: #fef3c7; color: #78350f; }
#chat .message:has(.band-partial) blockquote { border-left-color: #b45309; border-left-style: dashed; }
#chat .note, #chat .asked { display: block; font-size: 0.85rem; color: var(--body-text-color); }
#chat .starting { font-style: italic; }
#chat .urgent, .dark #chat .urgent { border: 2px solid #b91c1c; background: #fef2f2; color: #7f1d1d;
  border-radius: 0.5rem; padding: 0.6rem 0.8rem; }
#chat .urgent strong, .dark #chat .urgent strong { color: #7f1d1d; }
#chat .cite { color: inherit; font-weight: 700; text-decoration: underline; text-underline-offset: 2px;
  display: inline-block; min-width: 24px; min-height: 24px; text-align: center; cursor: pointer; }
#chat ul.suggestions { list-style: none; padding: 0; margin: 0.4rem 0 0; display: flex; flex-direction: column;
  gap: 0.4rem; align-items: flex-start; }
#chat ul.suggestions li { margin: 0; padding: 0; }
#chat ul.suggestions li::before, #chat ul.suggestions li::marker { content: none; }
#chat button.suggestion { text-align: left; min-height: 32px; padding: 0.3rem 0.8rem; border-radius: 0.6rem;
  border: 1px solid var(--border-color-primary); background: var(--background-fill-primary);
  color: var(--body-text-color); cursor: pointer; box-shadow: var(--shadow-drop); }
#chat button.suggestion:hover { border-color: var(--body-text-color); }
#chat .examples .example { border: 1px solid var(--border-color-primary); box-shadow: var(--shadow-drop);
  cursor: pointer; }
#chat .examples .example:hover { border-color: var(--color-accent); }
#chat .icon-button, #chat button.option { min-width: 24px; min-height: 24px; }
/* Gradio's teal icons reach 2.5:1; WCAG 1.4.11 asks 3:1 of what a control looks like. */
#chat .icon-button, #chat .icon-button:hover { color: var(--body-text-color) !important; }
#chat .thought-group .title { min-height: 24px; }
/* The Clear / Copy conversation bar takes its own row: floating, it covered the first lines. */
#chat .top-panel { position: static; display: flex; width: fit-content; margin: 0 0 0.2rem auto; }
#chat .md.chatbot.prose { opacity: 1; }  /* Gradio fades message text to 0.8: too faint for AA contrast */
#chat .vote-note { margin: 0 0 0.4rem; padding: 0 1.25rem; font-size: 0.8rem; color: var(--body-text-color); }
h2.speaker { position: absolute; width: 1px; height: 1px; margin: -1px; padding: 0; overflow: hidden;
  clip: rect(0 0 0 0); white-space: nowrap; border: 0; }
textarea[data-testid="textbox"]::placeholder { color: #4b5563; opacity: 1; }
.dark textarea[data-testid="textbox"]::placeholder { color: #cbd5e1; }
/* A focus ring a keyboard user can see (WCAG 2.4.7): on the box around the textbox, which clips outlines. */
.block:has(textarea[data-testid="textbox"]:focus-visible) {
  outline: 3px solid var(--color-accent); outline-offset: 2px; }
footer .show-api, footer .built-with, footer a, footer button { color: var(--body-text-color) !important; }
#char-note { font-size: 0.85rem; margin: 0.2rem 0.5rem 0; color: var(--body-text-color); }
#char-note:empty { margin: 0; }
#char-note.at-limit { color: #b91c1c; font-weight: 600; }
.dark #char-note.at-limit { color: #fca5a5; }
#article-panel { position: fixed; top: 0; right: 0; bottom: 0; width: min(34rem, 42vw); z-index: 1000; display: flex;
  flex-direction: column; background: var(--background-fill-primary); color: var(--body-text-color);
  border-left: 1px solid var(--border-color-primary); box-shadow: var(--shadow-drop-lg); }
#article-panel[hidden] { display: none; }
body.article-open gradio-app { margin-right: min(34rem, 42vw); }
#article-panel .panel-bar { display: flex; align-items: center; justify-content: space-between; gap: 0.5rem;
  padding: 0.5rem 0.8rem; border-bottom: 1px solid var(--border-color-primary); }
#article-panel h2 { font-size: 1.05rem; margin: 0; }
#article-panel .panel-close { min-height: 44px; min-width: 44px; padding: 0.2rem 0.9rem; border-radius: 999px;
  cursor: pointer; border: 1px solid var(--border-color-primary); background: var(--background-fill-secondary);
  color: var(--body-text-color);
  font-weight: 600; }
#article-panel .panel-body { overflow-y: auto; padding: 0.5rem 1.1rem 2rem; line-height: 1.55; }
#article-panel h3 { font-size: 1.25rem; margin: 0.6rem 0 0.4rem; }
#article-panel h4, #article-panel h5, #article-panel h6 { font-size: 1.05rem; margin: 1rem 0 0.3rem; }
#article-panel p, #article-panel li { margin: 0.35rem 0; }
#article-panel ul { padding-left: 1.2rem; }
#article-panel .panel-source { font-size: 0.85rem; }
#article-panel a { color: inherit; text-decoration: underline; }
#article-panel mark.quoted { background: #fde68a; color: #1f2937; border-radius: 0.2rem; padding: 0 0.1rem; }
#article-panel mark.current { outline: 2px solid #b45309; outline-offset: 1px; }
#article-panel mark:focus { outline: 3px solid #b45309; }
#article-panel, #clear-dialog { font-family: var(--font); }
#clear-dialog { border: 1px solid var(--border-color-primary); border-radius: 0.8rem; padding: 1rem 1.2rem;
  max-width: 24rem;
  background: var(--background-fill-primary); color: var(--body-text-color); }
#clear-dialog::backdrop { background: rgb(0 0 0 / 0.4); }
#clear-dialog h2 { font-size: 1.1rem; margin: 0 0 0.4rem; }
#clear-dialog p { margin: 0 0 0.8rem; }
#clear-dialog .dialog-buttons { display: flex; gap: 0.5rem; justify-content: flex-end; }
#clear-dialog button { min-height: 44px; min-width: 44px; padding: 0.3rem 1rem; border-radius: 0.5rem; cursor: pointer;
  border: 1px solid var(--border-color-primary); background: var(--background-fill-secondary);
  color: var(--body-text-color);
  font-weight: 600; }
#clear-dialog button.clear { background: #b91c1c; border-color: #b91c1c; color: #ffffff; }
/* Gradio scopes rules inside @media to its own container, and the panel lives outside it: so
   bot/data/page.js marks the page .narrow (at most 900 px wide) and .phone (at most 640 px). */
html.narrow #article-panel { width: auto; left: 0; border-left: none; }
html.narrow body.article-open gradio-app { margin-right: 0; }
html.phone .gradio-container .main.app { padding-left: 0.5rem; padding-right: 0.5rem; }
@media (max-width: 640px) {
  .page-header h1 { font-size: 1.2rem; margin: 0 0 0.2rem; }
  .page-header p { font-size: 0.82rem; line-height: 1.3; }
  .page-header .intro { display: none; }  /* on a phone the notice below says it: quotes, not advice */
  .page-header .source { font-size: 0.75rem; line-height: 1.2; }
  .page-header .disclaimer { font-size: 0.78rem; padding: 0.25rem 0.5rem; }
  /* The answer uses the phone's width: a list of six treatments fits about one screen. */
  #chat .message-row.bubble.bot-row { margin-left: 0; margin-right: 0; max-width: 100%; }
  #chat .bot-row .md.chatbot.prose { font-size: 15px; line-height: 1.4; }
  #chat .bot-row blockquote { padding-left: 0.6rem; }
  #chat .bot-row blockquote li { margin: 0.1rem 0; }
  #chat .bot-row blockquote ul { margin: 0.15rem 0; }
  #chat .bot-row .md.chatbot.prose > p:first-child { margin-top: 0; }
  #chat .band, #chat .list-intro, #chat .source-line { line-height: 1.3; }
  #chat .bot-row .md.chatbot.prose p { margin: 0.3rem 0; }
  #chat .vote-note { padding: 0; }
}
/* 44 px targets for fingers (WCAG 2.5.5), with room between the thumbs. */
@media (pointer: coarse), (max-width: 640px) {
  #chat .icon-button, #chat .examples button, #chat button.suggestion, .read-article, [data-testid="submit-button"] {
    min-width: 44px; min-height: 44px; }
  #chat .message-buttons .icon-button-wrapper { gap: 0.35rem; }
  #chat .thought-group .title { min-height: 44px; align-items: center; }
}
"""


# System fonts: the default theme fonts come from a third-party font host, and this page calls out to nobody.
THEME = gr.themes.Soft(
    primary_hue="teal", secondary_hue="amber", neutral_hue="slate",
    font=["system-ui", "-apple-system", "Segoe UI", "Roboto", "Helvetica Neue", "Arial", "sans-serif"],
    font_mono=["ui-monospace", "SFMono-Regular", "Menlo", "Consolas", "monospace"],
)
