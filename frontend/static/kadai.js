// Page behaviour without a framework: live grading status, gradebook sort/filter (the exercise
// page's editor and quiz form are in the editor bundle, frontend/editor/).
(function () {
  const csrf = document.querySelector('meta[name="csrf-token"]')?.content;

  // A submission page whose grading is not finished polls until it is, then reloads itself.
  const pending = document.querySelector("[data-poll]");
  if (pending) {
    const url = pending.dataset.poll;
    const tick = async () => {
      const response = await fetch(url, { headers: { Accept: "application/json" } });
      if (response.ok) {
        const body = await response.json();
        const label = document.querySelector("[data-status-label]");
        if (label) label.textContent = label.dataset[body.status] || body.status;
        if (body.status === "graded" || body.status === "error") { window.location.reload(); return; }
      }
      setTimeout(tick, 1000);
    };
    setTimeout(tick, 800);
  }

  // Gradebook: a header's button sorts by that column (keyboard too); aria-sort says how.
  const book = document.querySelector("table.gradebook");
  if (book) {
    const body = book.tBodies[0];
    const headers = [...book.querySelectorAll("th[data-sort]")];
    headers.forEach((th) => {
      const button = th.querySelector("button.sort");
      (button || th).addEventListener("click", () => {
        const column = Number(th.dataset.sort);
        const descending = th.getAttribute("aria-sort") !== "descending";
        headers.forEach((other) => other.setAttribute("aria-sort", "none"));
        th.setAttribute("aria-sort", descending ? "descending" : "ascending");
        const rows = [...body.rows].sort((a, b) => {
          const x = a.cells[column].dataset.value ?? a.cells[column].textContent;
          const y = b.cells[column].dataset.value ?? b.cells[column].textContent;
          const nx = parseFloat(x), ny = parseFloat(y);
          const order = !isNaN(nx) && !isNaN(ny) ? nx - ny : x.localeCompare(y);
          return descending ? -order : order;
        });
        rows.forEach((row) => body.appendChild(row));
      });
    });
    const filter = document.querySelector("input[data-filter]");
    filter?.addEventListener("input", () => {
      const needle = filter.value.toLowerCase();
      [...body.rows].forEach((row) => { row.hidden = !row.cells[0].textContent.toLowerCase().includes(needle); });
    });
  }
  // A page showing work in progress (a regrade) reloads itself until the work is done.
  const refresh = document.querySelector("[data-refresh]");
  if (refresh) setTimeout(() => window.location.reload(), Number(refresh.dataset.refresh) || 2000);

  void csrf;
})();
