// The pipeline board (templates/hr/board.html). The board works without this file: every move
// is a plain form. This only makes the bulk selection quicker to use: it says how many are
// selected (read out politely by screen readers), adds a "select all" box per column, and
// makes the board a focusable region when its columns scroll sideways, so a keyboard can
// scroll it (as static/src/ui.js does for wide tables).
(function () {
  "use strict";

  const board = document.querySelector(".hb-board");
  const count = document.getElementById("bulk-count");
  if (!board) return;

  function picks(scope) {
    return Array.from((scope || board).querySelectorAll("input.hb-pick"));
  }

  function updateCount() {
    if (!count) return;
    const n = picks().filter((box) => box.checked).length;
    count.textContent = n ? count.dataset.some.replace("{n}", String(n)) : count.dataset.none;
  }

  function updateColumnBox(column) {
    const all = column.querySelector("[data-select-column]");
    if (!all) return;
    const boxes = picks(column);
    const ticked = boxes.filter((box) => box.checked).length;
    all.checked = ticked > 0 && ticked === boxes.length;
    all.indeterminate = ticked > 0 && ticked < boxes.length;
  }

  board.querySelectorAll(".hb-column").forEach((column) => {
    const wrapper = column.querySelector(".hb-select-column");
    const all = column.querySelector("[data-select-column]");
    if (wrapper && all) {
      wrapper.hidden = false;
      all.addEventListener("change", () => {
        picks(column).forEach((box) => {
          box.checked = all.checked;
        });
        updateCount();
      });
    }
    updateColumnBox(column);
  });

  board.addEventListener("change", (event) => {
    const target = event.target;
    if (!(target instanceof HTMLInputElement) || !target.classList.contains("hb-pick")) return;
    const column = target.closest(".hb-column");
    if (column) updateColumnBox(column);
    updateCount();
  });

  function markScrollable() {
    const scrolls = board.scrollWidth > board.clientWidth + 1;
    if (scrolls) {
      board.setAttribute("tabindex", "0");
      board.setAttribute("role", "region");
      board.setAttribute("aria-label", board.dataset.label || "");
    } else {
      board.removeAttribute("tabindex");
      board.removeAttribute("role");
      board.removeAttribute("aria-label");
    }
  }

  markScrollable();
  if ("ResizeObserver" in window) new ResizeObserver(markScrollable).observe(board);
  updateCount();
})();
