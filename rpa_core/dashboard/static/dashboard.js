// Sort a table by a column when its header (th[data-sort]) is clicked. No build step, no dependencies.
document.addEventListener("click", (event) => {
  const header = event.target.closest("th[data-sort]");
  if (!header) return;
  const table = header.closest("table");
  const index = Array.from(header.parentNode.children).indexOf(header);
  const body = table.tBodies[0];
  const ascending = header.dataset.order !== "asc";
  const value = (row) => {
    const cell = row.children[index];
    const text = (cell && (cell.dataset.value ?? cell.textContent) || "").trim();
    const number = Number(text.replace(",", "."));
    return text !== "" && !Number.isNaN(number) ? number : text.toLowerCase();
  };
  const rows = Array.from(body.rows).sort((a, b) => (value(a) > value(b) ? 1 : value(a) < value(b) ? -1 : 0));
  if (!ascending) rows.reverse();
  rows.forEach((row) => body.appendChild(row));
  header.dataset.order = ascending ? "asc" : "desc";
});
