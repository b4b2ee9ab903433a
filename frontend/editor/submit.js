// Sending a submission from the exercise page without leaving it until the server has accepted it,
// and the per-assignment draft that survives a refusal, a reload or the Back button.

// localStorage may be missing or full (private windows, quotas): a draft is a convenience, so
// every failure here is silent and the form keeps working.
export function draftStore(key) {
  const name = key ? `kadai:draft:${key}` : null;
  return {
    load() {
      try { return name ? window.localStorage.getItem(name) : null; } catch { return null; }
    },
    save(text) {
      try { if (name) window.localStorage.setItem(name, text); } catch { /* quota, privacy mode */ }
    },
    clear() {
      try { if (name) window.localStorage.removeItem(name); } catch { /* as above */ }
    },
  };
}

export function utf8Bytes(text) {
  return new TextEncoder().encode(text).length;
}

export function kilobytes(bytes) {
  return `${Math.ceil(bytes / 1024).toLocaleString()} KB`;
}

function japanese() {
  return document.documentElement.lang === "ja";
}

// The server's standard error shape, {"error": {"message", "message_ja"}}, in the page's language;
// a body too large for the server is said in KB like the editor's own warning.
async function refusalText(form, response) {
  if (response.status === 413) {
    const note = form.querySelector("[data-size-note]");
    const limit = kilobytes(Number(form.dataset.maxBytes || 0));
    if (note?.dataset.over) {
      const size = kilobytes(utf8Bytes(form.querySelector('textarea[name="code"]')?.value || ""));
      return note.dataset.over.replace("{size}", size).replace("{limit}", limit);
    }
  }
  try {
    const body = await response.json();
    const error = body && body.error;
    if (error) return (japanese() ? error.message_ja : error.message) || error.message;
  } catch { /* not JSON: fall through to the generic text */ }
  return form.querySelector("[data-submit-error]")?.dataset.generic || `HTTP ${response.status}`;
}

export async function sendSubmission(form, code, onAccepted, filename = "") {
  const errorBox = form.querySelector("[data-submit-error]");
  const button = form.querySelector('button[type="submit"]');
  const csrf = document.querySelector('meta[name="csrf-token"]')?.content || "";
  if (button) button.disabled = true;
  if (errorBox) errorBox.hidden = true;
  let response;
  try {
    response = await fetch(form.action, {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify(filename ? { code, filename } : { code }),
      credentials: "same-origin",
    });
  } catch {
    response = null;
  }
  if (response && response.ok) {
    const body = await response.json().catch(() => ({}));
    onAccepted();
    window.location.assign(body.url || form.action);
    return;
  }
  if (button) button.disabled = false;
  const text = response
    ? await refusalText(form, response)
    : errorBox?.dataset.offline || "The server could not be reached.";
  if (errorBox) {
    errorBox.textContent = text;
    errorBox.hidden = false; // role="alert": announced without taking the focus from the code
  }
}
