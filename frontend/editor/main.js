// The exercise page's code editor: CodeMirror 6 with Python highlighting and indentation,
// line numbers, and Ctrl/Cmd+Enter to submit. It mirrors its text into a hidden <textarea name="code">
// so the form also works (and is testable) as a plain HTML form.
//
// It also keeps what the learner types: a draft per assignment in localStorage, restored when the
// page comes back (Back, reload, a rejected submission), and submissions are sent with fetch so a
// refusal (rate limit, too large, attempts used) is shown on this page with the code untouched.
import { EditorView, basicSetup } from "codemirror";
import { Prec } from "@codemirror/state";
import { keymap } from "@codemirror/view";
import { indentWithTab } from "@codemirror/commands";
import { python } from "@codemirror/lang-python";
import { draftStore, sendSubmission, utf8Bytes, kilobytes } from "./submit.js";
import { mountFilePicker, submittedName } from "./files.js";

// The page's Content-Security-Policy admits the editor's <style> elements by this nonce.
const nonce = document.querySelector('meta[name="csp-nonce"]')?.content;

function mount(textarea) {
  const form = textarea.form;
  const drafts = draftStore(form.dataset.draftKey);
  const maxBytes = Number(form.dataset.maxBytes || 0);
  const sizeNote = form.querySelector("[data-size-note]");
  const host = document.createElement("div");
  host.className = "editor";
  textarea.insertAdjacentElement("beforebegin", host);
  textarea.hidden = true;

  const fromServer = textarea.value; // the starter or the last submission
  const draft = drafts.load();
  const draftNote = form.querySelector("[data-draft-note]");
  if (draft !== null && draft !== fromServer) {
    textarea.value = draft;
    draftNote?.removeAttribute("hidden");
  }

  const showSize = (text) => {
    if (!sizeNote || !maxBytes) return;
    const size = utf8Bytes(text);
    // Silent while far below the limit; a warning from 80 %, before anything is sent.
    sizeNote.hidden = size < maxBytes * 0.8;
    sizeNote.classList.toggle("error-box", size > maxBytes);
    sizeNote.textContent = (size > maxBytes ? sizeNote.dataset.over : sizeNote.dataset.near)
      .replace("{size}", kilobytes(size))
      .replace("{limit}", kilobytes(maxBytes));
  };

  const submitNow = () => { form.requestSubmit(); return true; };
  const view = new EditorView({
    doc: textarea.value,
    parent: host,
    extensions: [
      nonce ? EditorView.cspNonce.of(nonce) : [],
      // Highest precedence: basicSetup's default keymap binds Mod-Enter to "insert blank line".
      // Mod is Cmd on a Mac and Ctrl elsewhere; Meta-Enter also covers a Mac keyboard elsewhere.
      Prec.highest(keymap.of([
        { key: "Mod-Enter", run: submitNow },
        { key: "Meta-Enter", run: submitNow },
      ])),
      basicSetup,
      python(),
      keymap.of([indentWithTab]),
      // Long lines wrap: the editor then never scrolls sideways, so it has no scrolling region a
      // keyboard user could not reach (axe's scrollable-region-focusable); the page scrolls.
      EditorView.lineWrapping,
      EditorView.contentAttributes.of({
        "aria-label": textarea.getAttribute("aria-label") || "Code",
        "aria-describedby": textarea.getAttribute("aria-describedby") || "",
        "aria-multiline": "true",
      }),
      EditorView.updateListener.of((update) => {
        if (!update.docChanged) return;
        const text = update.state.doc.toString();
        textarea.value = text;
        drafts.save(text);
        showSize(text);
      }),
    ],
  });
  showSize(textarea.value);
  draftNote?.querySelector("[data-draft-discard]")?.addEventListener("click", () => {
    view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: fromServer } });
    drafts.clear();
    draftNote.hidden = true;
    view.focus();
  });
  host.editorView = view;
  window.kadaiEditor = view;
  mountFilePicker(form, (text) => {
    view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text } });
  });

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const size = utf8Bytes(textarea.value);
    if (maxBytes && size > maxBytes) {
      showSize(textarea.value);
      sizeNote?.focus();
      return;
    }
    sendSubmission(form, textarea.value, () => drafts.clear(), submittedName(form, textarea.value));
  });
}

// The quiz sends {"answers": [true, false, null, ...]} like every other client; the answers being
// chosen are kept as a draft, and the last submission's answers are checked when the page opens.
function mountQuiz(form) {
  const drafts = draftStore(form.dataset.draftKey);
  const count = Number(form.dataset.count);
  const chosen = () => {
    const answers = [];
    for (let i = 0; i < count; i++) {
      const input = form.querySelector(`input[name="q${i}"]:checked`);
      answers.push(input ? input.value === "true" : null);
    }
    return JSON.stringify({ answers });
  };
  const check = (text) => {
    let answers;
    try { answers = JSON.parse(text).answers; } catch { return; }
    if (!Array.isArray(answers)) return;
    answers.forEach((answer, i) => {
      if (typeof answer !== "boolean") return;
      const input = form.querySelector(`input[name="q${i}"][value="${answer}"]`);
      if (input) input.checked = true;
    });
  };
  check(form.dataset.previous || "");
  const draft = drafts.load();
  if (draft !== null) check(draft);
  form.addEventListener("change", () => drafts.save(chosen()));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const code = chosen();
    form.querySelector('textarea[name="code"]').value = code;
    sendSubmission(form, code, () => drafts.clear());
  });
}

document.querySelectorAll("textarea[data-editor]").forEach(mount);
document.querySelectorAll("form.quiz").forEach(mountQuiz);
