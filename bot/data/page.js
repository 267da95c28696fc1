// The page's behaviour in the browser. Run once by Gradio after the page loads (launch(js=…));
// bot/ui/page.py puts CONFIG = {copyNote, maxChars} just above. Everything here reads the rendered
// page and never builds HTML from text: whatever it writes goes through textContent.

const $ = (selector, root = document) => root.querySelector(selector);
const $$ = (selector, root = document) => Array.from(root.querySelectorAll(selector));
const chat = () => document.getElementById("chat");
const textbox = () => $('textarea[data-testid="textbox"]');

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

function blockText(element) {
  if (element.matches(".band")) return "";
  if (element.matches("blockquote")) {
    const lines = $$(":scope > p, :scope > div", element).map((p) => inlineText(p).trim()).filter(Boolean);
    const quote = lines.filter((line) => !line.startsWith("—"));
    const source = lines.filter((line) => line.startsWith("—"));
    return [quote.length ? `“${quote.join("\n")}”` : "", ...source].filter(Boolean).join("\n");
  }
  if (element.matches("ul, ol")) return $$(":scope > li", element).map((li) => `- ${inlineText(li).trim()}`).join("\n");
  if (element.matches("p") && element.children.length === 1 && element.firstElementChild.matches(".band")) return "";
  return inlineText(element).replace(/[ \t]+\n/g, "\n").trim();
}

function messageText(message) {
  if ($(".thought-group", message)) return "";  // a source block: its quote and source are in the answer
  const body = $(".md", message) || message;
  const blocks = Array.from(body.children).map(blockText).filter(Boolean);
  return blocks.length ? blocks.join("\n\n") : inlineText(body).trim();
}

function rowText(row) {
  const parts = $$('[data-testid="bot"], [data-testid="user"]', row).map(messageText).filter(Boolean);
  const options = $$(".options button, button.option", row).map((b) => `- ${b.textContent.trim()}`);
  if (options.length) parts.push(options.join("\n"));
  return parts.join("\n\n");
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

// --- Citations: [n] opens and shows its source block -------------------------------------------
// The server writes each citation as **[n]** (API clients get plain Markdown); here it becomes a link.

function linkCitations(root) {
  for (const strong of $$("blockquote strong:not(.cite)", root)) {
    const number = (strong.textContent.match(/^\[(\d+)\]$/) || [])[1];
    if (!number || !strong.closest('[data-testid="bot"]')) continue;
    strong.classList.add("cite");
    strong.setAttribute("role", "link");
    strong.setAttribute("tabindex", "0");
    strong.setAttribute("aria-label", `Show source ${number}`);
    strong.title = `Show source ${number} in the article`;
  }
}

window.addEventListener("click", (event) => {
  const cite = event.target.closest && event.target.closest("#chat .cite");
  if (!cite) return;
  event.preventDefault();
  openSource(cite);
}, true);
window.addEventListener("keydown", (event) => {
  if ((event.key === "Enter" || event.key === " ") && event.target.matches && event.target.matches("#chat .cite")) {
    event.preventDefault();
    openSource(event.target);
  }
}, true);

function openSource(cite) {
  const number = Number((cite.textContent.match(/\d+/) || ["0"])[0]);
  const row = cite.closest(".message-row");
  const block = row && $$(".thought-group", row).find((group) => {
    const title = $(".title", group);
    return title && title.textContent.includes(`Source [${number}]`);
  });
  if (!block) return;
  const title = $(".title", block);
  if (!title.classList.contains("expanded")) title.click();
  title.focus({ preventScroll: true });
  // Once the block has opened (and again when its opening animation has ended).
  for (const wait of [100, 450]) setTimeout(() => block.scrollIntoView({ block: "start" }), wait);
}

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

// --- Names and targets Gradio leaves out ------------------------------------------------------

function nameThings() {
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
}

// --- Each new answer is scrolled to its top: the urgent notice, if any, is what is seen first ----

let answered = 0;  // answers already shown (bot rows that follow a question)
let settle = null;

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

function onChatChange() {
  nameThings();
  keepPlaceholder();
  const { count, first } = newestAnswer();
  if (count < answered) answered = count;  // the chat was cleared or a question undone
  if (count > answered && first) {
    answered = count;
    scrollToAnswer(first);
    clearTimeout(settle);
    // Once the answer has finished arriving: scroll again (it may have grown) and give focus back.
    settle = setTimeout(() => {
      scrollToAnswer(newestAnswer().first || first);
      const box = textbox();
      if (box && !box.disabled) box.focus({ preventScroll: true });
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
  charNote();
  onChatChange();
}
watch();

// The textbox is enabled again a little after the answer is drawn: give focus back then too.
new MutationObserver(() => {
  const box = textbox();
  if (box && !box.disabled && newestAnswer().count > 0 && document.activeElement === document.body) {
    box.focus({ preventScroll: true });
  }
}).observe(document.body, { attributes: true, subtree: true, attributeFilter: ["disabled"] });
