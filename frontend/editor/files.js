// Opening a file in the exercise page's editor: a .py file as it is, a Jupyter notebook (.ipynb)
// through the server, which extracts its code cells (the one conversion Kadai has, shared with the
// API and `kadai grade`) and says which IPython commands it will not run. The code then stays
// editable; a submission sends it with the notebook's name, so the result speaks of cells.

// Outputs (plots, tables) can be megabytes and are never graded: they stay in the browser.
function withoutOutputs(text) {
  try {
    const notebook = JSON.parse(text);
    for (const cell of notebook.cells || []) {
      if (cell.cell_type === "code") cell.outputs = [];
      delete cell.attachments;
    }
    return JSON.stringify(notebook);
  } catch {
    return text; // not JSON: the server says what is wrong with it
  }
}

async function errorText(response, fallback) {
  try {
    const error = (await response.json()).error;
    if (error) return (document.documentElement.lang === "ja" ? error.message_ja : error.message) || error.message;
  } catch { /* not our error shape */ }
  return fallback;
}

export function mountFilePicker(form, replaceCode) {
  const input = form.querySelector("[data-open-file]");
  if (!input) return;
  const status = form.querySelector("[data-file-status]");
  const notes = form.querySelector("[data-file-notes]");
  const filename = form.querySelector("[data-filename]");
  form.querySelector("[data-file-picker]")?.removeAttribute("hidden");
  const say = (text, isError) => {
    status.textContent = text;
    status.classList.toggle("error-box", Boolean(isError));
    status.hidden = false;
  };
  input.addEventListener("change", async () => {
    const file = input.files && input.files[0];
    if (!file) return;
    notes.replaceChildren();
    notes.hidden = true;
    let text;
    try {
      text = await file.text();
    } catch {
      say(input.dataset.unreadable, true);
      return;
    }
    if (!file.name.toLowerCase().endsWith(".ipynb")) {
      replaceCode(text);
      filename.value = "";
      say(input.dataset.loaded.replace("{file}", file.name));
      return;
    }
    const csrf = document.querySelector('meta[name="csrf-token"]')?.content || "";
    let response = null;
    try {
      response = await fetch(input.dataset.extractUrl, {
        method: "POST",
        headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRF-Token": csrf },
        body: JSON.stringify({ code: withoutOutputs(text), filename: file.name }),
        credentials: "same-origin",
      });
    } catch { /* offline: said below */ }
    if (!response || !response.ok) {
      // The editor keeps the learner's code: a broken notebook costs nothing.
      say(response ? await errorText(response, input.dataset.unreadable) : input.dataset.unreadable, true);
      input.value = "";
      return;
    }
    const body = await response.json();
    replaceCode(body.code);
    filename.value = body.filename;
    say(input.dataset.loaded.replace("{file}", body.filename));
    for (const note of body.notes || []) {
      const item = document.createElement("li");
      item.textContent = note;
      notes.append(item);
    }
    notes.hidden = !notes.children.length;
  });
}

// The name a submission is sent under: the notebook's while the code still has its cells.
export function submittedName(form, code) {
  const name = form.querySelector("[data-filename]")?.value || "";
  return name && /^# %% \[cell \d+\]$/m.test(code) ? name : "";
}
