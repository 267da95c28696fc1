// The page's behaviour in the browser. Run once by Gradio after the page loads (launch(js=…));
// bot/ui/page.py puts CONFIG = {copyNote, maxChars, articles} just above. Everything here reads the
// rendered page and never builds HTML from text: whatever it writes goes through textContent.

const $ = (selector, root = document) => root.querySelector(selector);
const $$ = (selector, root = document) => Array.from(root.querySelectorAll(selector));
const chat = () => document.getElementById("chat");
const textbox = () => $('textarea[data-testid="textbox"]');
const ARTICLES = CONFIG.articles || [];
const NARROW = window.matchMedia("(max-width: 900px)");  // the panel covers the chat rather than sitting beside it
const PHONE = window.matchMedia("(max-width: 640px)");
// Gradio scopes a stylesheet's @media rules to its own container; the panel is outside it, so the
// stylesheet (bot/ui/page.py) reads these two classes instead.
function markWidth() {
  document.documentElement.classList.toggle("narrow", NARROW.matches);
  document.documentElement.classList.toggle("phone", PHONE.matches);
}
markWidth();
NARROW.addEventListener("change", markWidth);
PHONE.addEventListener("change", markWidth);

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

// --- Copy gives plain text -------------------------------------------------------------------
// Gradio copies a message's raw content (our HTML and Markdown). The copy buttons still work as
// Gradio made them; this swaps what they put on the clipboard for the text as read on the page.

function inlineText(node) {
  let text = "";
  for (const child of node.childNodes) {
    if (child.nodeType === Node.TEXT_NODE) text += child.textContent;
    else if (child.nodeName === "BR") text += "\n";
    else if (child.nodeType === Node.ELEMENT_NODE) text += inlineText(child);
  }
  return text;
}

function quoted(text) {  // “the quote” [n]
  const [, words, cite] = text.trim().match(/^([\s\S]*?)\s*(\[\d+\])?$/);
  return `“${words}”${cite ? ` ${cite}` : ""}`;
}

function blockText(element) {
  if (element.matches(".band, .starting, h2.speaker")) return "";
  if (element.matches("blockquote")) {
    return Array.from(element.children).map((child) => {
      if (child.matches("ul, ol")) return $$(":scope > li", child).map((li) => `- ${quoted(inlineText(li))}`).join("\n");
      if ($(".source-line, .list-intro", child)) return inlineText(child).trim();
      return inlineText(child).trim() ? quoted(inlineText(child)) : "";
    }).filter(Boolean).join("\n");
  }
  if (element.matches("ul, ol")) return $$(":scope > li", element).map((li) => `- ${inlineText(li).trim()}`).join("\n");
  if (element.matches("p") && element.children.length === 1 && element.firstElementChild.matches(".band")) return "";
  return inlineText(element).replace(/[ \t]+\n/g, "\n").trim();
}

function messageText(message) {
  if ($(".thought-group", message)) return "";  // a whole passage: its quote is in the answer
  const body = $(".md", message) || message;
  const blocks = Array.from(body.children).map(blockText).filter(Boolean);
  return blocks.length ? blocks.join("\n\n") : inlineText(body).trim();
}

function rowText(row) {
  return $$('[data-testid="bot"], [data-testid="user"]', row).map(messageText).filter(Boolean).join("\n\n");
}

function conversationText() {
  const parts = $$(".message-row", chat()).map((row) => {
    const text = rowText(row);
    return row.classList.contains("user-row") ? `You asked: ${text}` : text;
  });
  return [...parts.filter(Boolean), CONFIG.copyNote].join("\n\n");
}

let plainCopy = null;  // what the next clipboard write holds instead of Gradio's markup
if (navigator.clipboard && !navigator.clipboard.__plainText) {
  const write = navigator.clipboard.writeText.bind(navigator.clipboard);
  navigator.clipboard.writeText = (text) => {
    const replaced = plainCopy ?? text;
    plainCopy = null;
    return write(replaced);
  };
  navigator.clipboard.__plainText = true;
}
document.addEventListener("copy", (event) => {  // Gradio's fallback without navigator.clipboard
  if (plainCopy === null) return;
  event.clipboardData.setData("text/plain", plainCopy);
  event.preventDefault();
  plainCopy = null;
}, true);

window.addEventListener("click", (event) => {
  const button = event.target.closest && event.target.closest('#chat button[aria-label^="Cop"]');
  if (!button) return;
  const panel = button.closest(".message-buttons");
  if (!panel) {
    plainCopy = conversationText();
    return;
  }
  const row = panel.previousElementSibling;
  if (!row || !row.classList.contains("message-row")) return;
  const text = rowText(row);
  plainCopy = row.classList.contains("bot-row") ? `${text}\n\n${CONFIG.copyNote}` : text;
}, true);

// --- The article beside the chat (over it on a phone), the quotes of an answer highlighted -------
// Quotes are verbatim, so each is found in the article by its letters and digits (Markdown may
// have turned a * or _ of it into emphasis), first in the section its source line names.

let panel = null;
let returnFocus = null;  // what had focus when the panel opened: it gets it back on close

function buildPanel() {
  if (!ARTICLES.length || document.getElementById("article-panel")) return;
  panel = element("section");  // a region labelled "The article"; a dialog while it covers the chat
  panel.id = "article-panel";
  panel.hidden = true;
  panel.setAttribute("aria-labelledby", "article-panel-title");
  const bar = element("div", "panel-bar");
  const heading = element("h2", null, ARTICLES.length > 1 ? "The articles" : "The article");
  heading.id = "article-panel-title";
  const close = element("button", "panel-close", "Close");
  close.type = "button";
  close.setAttribute("aria-label", "Close the article");
  close.addEventListener("click", () => closePanel());
  bar.append(heading, close);
  const body = element("div", "panel-body");
  body.tabIndex = 0;  // it scrolls: reachable from the keyboard
  for (const article of ARTICLES) body.append(articleElement(article));
  panel.append(bar, body);
  panel.addEventListener("keydown", (event) => {
    if (event.key === "Escape") {
      event.preventDefault();
      closePanel();
    }
    keepFocusInPanel(event);
  });
  document.body.append(panel);
}

function articleElement(article) {
  const node = element("article");
  node.append(element("h3", null, article.title));
  if (article.publisher || article.url) {
    const source = element("p", "panel-source");
    if (article.publisher) source.append(`From ${article.publisher}`);
    if (article.publisher && article.url) source.append(" · ");
    if (/^https?:\/\//i.test(article.url)) {
      const link = element("a", null, article.url);
      link.href = article.url;
      link.rel = "noopener noreferrer";
      link.target = "_blank";
      source.append(link);
    }
    node.append(source);
  }
  let path = [];
  let list = null;
  for (const block of article.blocks) {
    if (block.kind === "heading") {
      path = [...path.slice(0, block.level - 1), block.text];
      node.append(element(`h${Math.min(3 + block.level, 6)}`, null, block.text));
      list = null;
      continue;
    }
    const text = element(block.kind === "item" ? "li" : "p", "passage", block.text);
    text.dataset.title = article.title;
    text.dataset.section = path.join(" › ") || "Introduction";
    if (block.kind === "item") {
      if (!list) node.append(list = element("ul"));
      list.append(text);
    } else {
      node.append(text);
      list = null;
    }
  }
  return node;
}

function readerButton() {
  const header = $(".page-header");
  if (!panel || !header || $(".read-article", header)) return;
  const button = element("button", "read-article", "Read the article");
  button.type = "button";
  button.setAttribute("aria-controls", "article-panel");
  button.setAttribute("aria-expanded", "false");
  button.addEventListener("click", () => {
    if (panel.hidden) {
      highlight(latestAnswer(), null);
      openPanel(button);
    } else {
      closePanel();
    }
  });
  const after = $(".source", header) || $("h1", header);
  after.after(button);
}

function openPanel(from) {
  returnFocus = from || document.activeElement;
  panel.hidden = false;
  document.body.classList.add("article-open");
  for (const button of $$(".read-article")) button.setAttribute("aria-expanded", "true");
  // Beside the chat it is a region of the page; over it (a phone) it is a dialog that keeps the focus.
  if (NARROW.matches) {
    panel.setAttribute("role", "dialog");
    panel.setAttribute("aria-modal", "true");
  } else {
    panel.removeAttribute("role");
    panel.removeAttribute("aria-modal");
  }
}

function closePanel() {
  if (!panel || panel.hidden) return;
  panel.hidden = true;
  document.body.classList.remove("article-open");
  for (const button of $$(".read-article")) button.setAttribute("aria-expanded", "false");
  if (returnFocus && returnFocus.isConnected) returnFocus.focus({ preventScroll: true });
}

function keepFocusInPanel(event) {  // Tab past either end of the dialog comes back round, as in any dialog
  if (event.key !== "Tab" || panel.getAttribute("aria-modal") !== "true") return;
  const stops = $$("button, a[href], [tabindex='0']", panel).filter((node) => node.offsetParent !== null);
  const [first, last] = [stops[0], stops[stops.length - 1]];
  if (event.shiftKey && (document.activeElement === first || !panel.contains(document.activeElement))) {
    event.preventDefault();
    last.focus();
  } else if (!event.shiftKey && document.activeElement === last) {
    event.preventDefault();
    first.focus();
  }
}

const letters = /[\p{L}\p{N}]/u;
function normalised(text) {  // lower-cased letters and digits, with where each came from in `text`
  let flat = "";
  const from = [];
  const to = [];
  for (let i = 0; i < text.length;) {
    const character = String.fromCodePoint(text.codePointAt(i));
    if (letters.test(character)) {
      const lower = character.toLowerCase();
      for (let k = 0; k < lower.length; k++) {
        from.push(i);
        to.push(i + character.length);
      }
      flat += lower;
    }
    i += character.length;
  }
  return { flat, from, to };
}

const original = new WeakMap();  // a passage's text, before any highlight
function passageText(node) {
  if (!original.has(node)) original.set(node, node.textContent);
  return original.get(node);
}

function findQuote(quote, source) {
  const wanted = normalised(quote).flat;
  if (!wanted || !panel) return null;
  const [title, section] = splitSource(source);
  const passages = $$(".passage", panel);
  const tiers = [
    passages.filter((p) => p.dataset.title === title && p.dataset.section === section),
    passages.filter((p) => p.dataset.title === title),
    passages,
  ];
  for (const tier of tiers) {
    for (const node of tier) {
      const text = normalised(passageText(node));
      const at = text.flat.indexOf(wanted);
      if (at >= 0) {
        const whole = passageText(node);
        let end = text.to[at + wanted.length - 1];
        while (end < whole.length && /[^\p{L}\p{N}\s]/u.test(whole[end])) end += 1;  // its closing "." or ")"
        return { node, start: text.from[at], end };
      }
    }
  }
  return null;
}

function splitSource(source) {  // "Title › Section › Sub" → [title, "Section › Sub"]
  const line = (source || "").replace(/^—\s*/, "").replace(/:$/, "").trim();
  const article = ARTICLES.find((a) => line === a.title || line.startsWith(`${a.title} › `));
  return article ? [article.title, line.slice(article.title.length + 3) || "Introduction"] : [null, null];
}

// The quotes of an answer: [{number, text, source}] read from its card.
function answerQuotes(row) {
  if (!row) return [];
  const quotes = [];
  for (const group of $$('[data-testid="bot"] blockquote', row)) {
    const line = $(".source-line", group) || $(".list-intro", group);
    const source = line ? line.textContent.replace(/^\s*\w+ points from /, "") : "";
    for (const cite of $$(".cite", group)) {
      const holder = cite.closest("li, p");
      const text = Array.from(holder.childNodes).filter((n) => !(n.nodeType === 1 && n.matches(".cite")))
        .map((n) => n.textContent).join("");
      quotes.push({ number: citeNumber(cite), text, source });
    }
  }
  return quotes;
}

function citeNumber(cite) {
  return Number((cite.textContent.match(/\d+/) || ["0"])[0]);
}

function highlight(row, number) {
  if (!panel) return null;
  for (const node of $$(".passage", panel)) {
    if ($("mark", node)) node.textContent = passageText(node);
  }
  const spans = new Map();  // passage → [[start, end, current]]
  let current = null;
  for (const quote of answerQuotes(row)) {
    const found = findQuote(quote.text, quote.source);
    if (!found) continue;
    if (!spans.has(found.node)) spans.set(found.node, []);
    spans.get(found.node).push([found.start, found.end, quote.number === number]);
  }
  for (const [node, ranges] of spans) {
    const text = passageText(node);
    ranges.sort((a, b) => a[0] - b[0]);
    node.textContent = "";
    let at = 0;
    for (const [start, end, isCurrent] of ranges) {
      if (start < at) continue;
      node.append(text.slice(at, start));
      const mark = element("mark", isCurrent ? "quoted current" : "quoted", text.slice(start, end));
      if (isCurrent) {
        mark.tabIndex = -1;
        current = mark;
      }
      node.append(mark);
      at = end;
    }
    node.append(text.slice(at));
  }
  return current || $("mark.quoted", panel);
}

function latestAnswer() {
  const rows = $$(".bot-row", chat() || document);
  return rows.reverse().find((row) => $(".cite", row)) || null;
}

// --- Citations: [n] opens the article at its quote --------------------------------------------
// The server writes each citation as **[n]** (API clients get plain Markdown); here it becomes a link.

function linkCitations(root) {
  for (const strong of $$("blockquote strong:not(.cite)", root)) {
    const number = (strong.textContent.match(/^\[(\d+)\]$/) || [])[1];
    if (!number || !strong.closest('[data-testid="bot"]')) continue;
    strong.classList.add("cite");
    strong.setAttribute("role", "link");
    strong.setAttribute("tabindex", "0");
    strong.setAttribute("aria-label", panel ? `Quote ${number}: show it in the article` : `Quote ${number}: show its passage`);
  }
}

window.addEventListener("click", (event) => {
  const cite = event.target.closest && event.target.closest("#chat .cite");
  if (!cite) return;
  event.preventDefault();
  openQuote(cite);
}, true);
window.addEventListener("keydown", (event) => {
  if ((event.key === "Enter" || event.key === " ") && event.target.matches && event.target.matches("#chat .cite")) {
    event.preventDefault();
    openQuote(event.target);
  }
}, true);

function openQuote(cite) {
  const number = citeNumber(cite);
  const row = cite.closest(".message-row");
  const mark = panel && highlight(row, number);
  if (mark) {
    openPanel(cite);
    mark.scrollIntoView({ block: "center" });
    mark.focus({ preventScroll: true });
    return;
  }
  openPassage(row, number);  // no panel (a corpus too large to send with the page): the passage under the answer
}

function openPassage(row, number) {
  const block = row && $$(".thought-group", row).find((group) => {
    const title = $(".title", group);
    return title && title.textContent.includes(`[${number}]`);
  });
  if (!block) return;
  const title = $(".title", block);
  if (!title.classList.contains("expanded")) title.click();
  title.focus({ preventScroll: true });
  // Once the block has opened (and again when its opening animation has ended).
  for (const wait of [100, 450]) setTimeout(() => block.scrollIntoView({ block: "start" }), wait);
}

// --- Suggested questions: buttons inside the message that offers them ----------------------------

function suggestionButtons(root) {
  for (const item of $$("ul.suggestions > li", root)) {
    if ($("button", item)) continue;
    const button = element("button", "suggestion", item.textContent.trim());
    button.type = "button";
    item.textContent = "";
    item.append(button);
  }
}

window.addEventListener("click", (event) => {
  const button = event.target.closest && event.target.closest("#chat button.suggestion");
  if (!button) return;
  event.preventDefault();
  const box = textbox();
  const submit = $('[data-testid="submit-button"]');
  if (!box || box.disabled || !submit) return;  // an answer is on its way: one question at a time
  box.value = button.textContent;
  box.dispatchEvent(new Event("input", { bubbles: true }));
  setTimeout(() => submit.click(), 0);  // once Gradio has read the new value
}, true);

// --- Clearing the chat asks first ---------------------------------------------------------------

let clearing = false;

function clearDialog() {
  let dialog = document.getElementById("clear-dialog");
  if (dialog) return dialog;
  dialog = element("dialog");
  dialog.id = "clear-dialog";
  dialog.setAttribute("aria-labelledby", "clear-dialog-title");
  const form = element("form");
  form.method = "dialog";
  const title = element("h2", null, "Clear the conversation?");
  title.id = "clear-dialog-title";
  const keep = element("button", "keep", "Keep it");
  keep.value = "keep";
  const clear = element("button", "clear", "Clear");
  clear.value = "clear";
  const buttons = element("div", "dialog-buttons");
  buttons.append(keep, clear);
  form.append(title, element("p", null, "Every question and answer on this page will be removed. This cannot be undone."), buttons);
  dialog.append(form);
  document.body.append(dialog);
  return dialog;
}

window.addEventListener("click", (event) => {
  const button = event.target.closest && event.target.closest('#chat button[aria-label="Clear"]');
  if (!button || clearing) return;
  event.preventDefault();
  event.stopImmediatePropagation();
  const dialog = clearDialog();
  dialog.returnValue = "";
  dialog.onclose = () => {
    if (dialog.returnValue === "clear") {
      clearing = true;
      button.click();
      clearing = false;
      const box = textbox();
      if (box) box.focus({ preventScroll: true });
    } else {
      button.focus({ preventScroll: true });
    }
  };
  dialog.showModal();
  $(".keep", dialog).focus();
}, true);

// --- Input: a note at the limit, nothing sent when blank, placeholder kept, focus back -----------

function charNote() {
  let note = document.getElementById("char-note");
  const box = textbox();
  if (!note && box) {
    note = document.createElement("div");
    note.id = "char-note";
    note.setAttribute("role", "status");
    note.setAttribute("aria-live", "polite");
    // Inside the textbox's own block, under the input: outside it, the note would share the row.
    (box.closest(".block") || box.parentElement).appendChild(note);
  }
  return note;
}

function showNote(text, atLimit) {
  const note = charNote();
  if (!note) return;
  note.textContent = text;
  note.classList.toggle("at-limit", Boolean(atLimit));
}

function updateCount() {
  const box = textbox();
  if (!box) return;
  const max = box.maxLength > 0 ? box.maxLength : CONFIG.maxChars;
  const length = box.value.length;
  if (length >= max) showNote(`${length} / ${max} characters: the limit. Anything longer is not sent.`, true);
  else if (length >= max * 0.8) showNote(`${length} / ${max} characters`, false);
  else if (!document.getElementById("char-note")?.dataset.sticky) showNote("", false);
}

document.addEventListener("input", (event) => {
  if (event.target === textbox()) {
    const note = document.getElementById("char-note");
    if (note) delete note.dataset.sticky;
    updateCount();
  }
}, true);

document.addEventListener("paste", (event) => {
  const box = textbox();
  if (event.target !== box) return;
  const pasted = (event.clipboardData && event.clipboardData.getData("text")) || "";
  const max = box.maxLength > 0 ? box.maxLength : CONFIG.maxChars;
  const kept = box.value.length - (box.selectionEnd - box.selectionStart);
  if (kept + pasted.length > max) {
    setTimeout(() => {
      showNote(`Your text was cut to ${max} characters, the most a question can have. ` +
               `${kept + pasted.length - max} characters were left out.`, true);
      charNote().dataset.sticky = "1";
    }, 0);
  }
}, true);

function blankSubmit(event) {
  const box = textbox();
  if (!box || box.value.trim() !== "") return false;
  event.preventDefault();
  event.stopImmediatePropagation();
  showNote("Type a question first.", false);
  box.focus();
  return true;
}

window.addEventListener("keydown", (event) => {
  if (event.target === textbox() && event.key === "Enter" && !event.shiftKey && !event.isComposing) blankSubmit(event);
}, true);
window.addEventListener("click", (event) => {
  if (event.target.closest && event.target.closest('[data-testid="submit-button"]')) blankSubmit(event);
}, true);

let placeholder = null;
function keepPlaceholder() {
  const box = textbox();
  if (!box) return;
  if (placeholder === null && box.placeholder) placeholder = box.placeholder;
  if (placeholder && !box.placeholder) box.placeholder = placeholder;
}

// --- Names, headings and targets Gradio leaves out ------------------------------------------------

function nameThings() {
  const box = textbox();
  // Its <label> also holds the send button, whose name would end up in the textbox's.
  if (box && box.getAttribute("aria-label") !== "Your question about the article") {
    box.setAttribute("aria-label", "Your question about the article");
  }
  const submit = $('[data-testid="submit-button"]');
  if (submit && !submit.getAttribute("aria-label")) submit.setAttribute("aria-label", "Send question");
  const stop = $('[data-testid="stop-button"]');
  if (stop && !stop.getAttribute("aria-label")) stop.setAttribute("aria-label", "Stop");
  const root = chat();
  if (!root) return;
  // Gradio marks the example questions as a list whose items are buttons, not list items.
  for (const examples of $$('.examples[role="list"]', root)) {
    examples.setAttribute("role", "group");
    examples.setAttribute("aria-label", "Example questions");
  }
  linkCitations(root);
  suggestionButtons(root);
  labelSpeakers(root);
  for (const message of $$('[data-testid="bot"], [data-testid="user"]', root)) {
    // Gradio labels each message with its raw content (our HTML); a screen reader reads the text itself.
    if (message.hasAttribute("aria-label")) message.removeAttribute("aria-label");
  }
  for (const title of $$(".thought-group .title", root)) {
    // The whole title is the button; the arrow inside it is a second, nameless one.
    for (const inner of $$("button", title)) {
      if (!inner.hasAttribute("inert")) {
        inner.setAttribute("inert", "");
        inner.setAttribute("tabindex", "-1");
        inner.setAttribute("aria-hidden", "true");
      }
    }
    const open = title.classList.contains("expanded");
    if (title.getAttribute("aria-expanded") !== String(open)) title.setAttribute("aria-expanded", String(open));
  }
  voteNote(root);
}

// Each question and each answer starts with a heading a screen reader can jump between (hidden on screen).
function labelSpeakers(root) {
  const rows = $$(".message-row", root);
  rows.forEach((row, i) => {
    const user = row.classList.contains("user-row");
    if (!user && i > 0 && rows[i - 1].classList.contains("bot-row")) return;
    const words = user ? "You asked" : "The bot answered";
    const heading = $(":scope > h2.speaker", row);
    if (heading && heading.textContent === words) return;
    if (heading) heading.remove();
    row.prepend(element("h2", "speaker", words));
  });
}

// One line under the thumbs of the latest answer: what a vote keeps.
const VOTE_NOTE = "A thumb up or down stores your question and this answer on the server, nothing about you.";
function voteNote(root) {
  const panels = $$(".message-buttons", root).filter((p) => $('button[aria-label="Like"]', p));
  const last = panels[panels.length - 1];
  for (const note of $$(".vote-note", root)) if (note.previousElementSibling !== last) note.remove();
  if (last && !(last.nextElementSibling && last.nextElementSibling.matches(".vote-note"))) {
    last.after(element("p", "vote-note", VOTE_NOTE));
  }
}

// --- Each new answer is scrolled to its top: the urgent notice, if any, is what is seen first ----

let answered = 0;  // answers already shown (bot rows that follow a question)
let settle = null;
let waiting = false;  // the newest answer still says "The bot is starting…"

function newestAnswer() {
  const rows = $$(".message-row", chat());
  let count = 0;
  let first = null;
  rows.forEach((row, i) => {
    if (row.classList.contains("bot-row") && (i === 0 || !rows[i - 1].classList.contains("bot-row"))) {
      count += 1;
      first = row;
    }
  });
  return { count, first };
}

function scrollToAnswer(row) {
  const log = row.closest(".bubble-wrap");
  if (log) {
    const offset = row.getBoundingClientRect().top - log.getBoundingClientRect().top;
    log.scrollTop += offset - 8;
  }
  const top = row.getBoundingClientRect().top;
  if (top < 0 || top > window.innerHeight - 40) row.scrollIntoView({ block: "start" });
}

function readingElsewhere() {  // the article or the clear dialog is open: focus stays there
  const dialog = document.getElementById("clear-dialog");
  return Boolean((panel && !panel.hidden) || (dialog && dialog.open));
}

function onChatChange() {
  readerButton();  // Gradio may render the header anew (it does under load): the button comes back with it
  nameThings();
  keepPlaceholder();
  const { count, first } = newestAnswer();
  if (count < answered) answered = count;  // the chat was cleared or a question undone
  const arrived = first && waiting && !$(".starting", first);  // the answer replaced "The bot is starting…"
  if ((count > answered || arrived) && first) {
    answered = count;
    waiting = Boolean($(".starting", first));
    scrollToAnswer(first);
    clearTimeout(settle);
    // Once the answer has finished arriving: scroll again (it may have grown) and give focus back.
    settle = setTimeout(() => {
      scrollToAnswer(newestAnswer().first || first);
      const box = textbox();
      if (box && !box.disabled && !readingElsewhere()) box.focus({ preventScroll: true });
    }, 350);
  }
}

const observer = new MutationObserver(onChatChange);
function watch() {
  if (!chat() || !textbox()) {
    setTimeout(watch, 100);
    return;
  }
  observer.observe(document.querySelector(".gradio-container") || document.body,
                   { childList: true, subtree: true, attributes: true, attributeFilter: ["aria-label", "placeholder", "disabled", "class"] });
  buildPanel();
  readerButton();
  charNote();
  onChatChange();
  // The page opens at its top, with the box ready to type in (no keyboard popping up on a touch screen).
  window.scrollTo(0, 0);
  const box = textbox();
  if (box && !window.matchMedia("(pointer: coarse)").matches) box.focus({ preventScroll: true });
  // For tests and the benchmark: the script has run, the box takes a question (and when, since navigation start).
  document.documentElement.dataset.readyMs = String(Math.round(performance.now()));
  document.documentElement.dataset.pageReady = "true";
}
watch();

// The textbox is enabled again a little after the answer is drawn: give focus back then too.
new MutationObserver(() => {
  const box = textbox();
  if (box && !box.disabled && newestAnswer().count > 0 && document.activeElement === document.body && !readingElsewhere()) {
    box.focus({ preventScroll: true });
  }
}).observe(document.body, { attributes: true, subtree: true, attributeFilter: ["disabled"] });
