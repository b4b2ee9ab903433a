// The exercise page's code editor: CodeMirror 6 with Python highlighting and indentation,
// line numbers, and Ctrl/Cmd+Enter to submit. It mirrors its text into a hidden <textarea name="code">
// so the form also works (and is testable) as a plain HTML form.
import { EditorView, basicSetup } from "codemirror";
import { keymap } from "@codemirror/view";
import { indentWithTab } from "@codemirror/commands";
import { python } from "@codemirror/lang-python";

// The page's Content-Security-Policy admits the editor's <style> elements by this nonce.
const nonce = document.querySelector('meta[name="csp-nonce"]')?.content;

function mount(textarea) {
  const form = textarea.form;
  const host = document.createElement("div");
  host.className = "editor";
  textarea.insertAdjacentElement("beforebegin", host);
  textarea.hidden = true;
  const view = new EditorView({
    doc: textarea.value,
    parent: host,
    extensions: [
      nonce ? EditorView.cspNonce.of(nonce) : [],
      basicSetup,
      python(),
      keymap.of([
        indentWithTab,
        { key: "Mod-Enter", run: () => { form.requestSubmit(); return true; } },
      ]),
      EditorView.updateListener.of((update) => {
        if (update.docChanged) textarea.value = update.state.doc.toString();
      }),
    ],
  });
  host.editorView = view;
  window.kadaiEditor = view;
}

document.querySelectorAll("textarea[data-editor]").forEach(mount);
