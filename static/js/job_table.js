// HR's ranked table (templates/hr/job.html): the column chooser. Without this file every
// column shows and the chooser stays hidden; with it, the reader may hide the stage,
// competency, recommendation and flag columns, and the choice is remembered per job in this
// browser (localStorage). The compare box, the name and the composite always show.
(function () {
  "use strict";

  const table = document.querySelector("table.dashboard[data-job]");
  const chooser = document.querySelector(".hb-column-chooser");
  if (!table || !chooser) return;

  const storageKey = "hirebench.hiddenColumns.job." + table.dataset.job;
  const boxes = Array.from(chooser.querySelectorAll("input[data-col]"));
  const known = new Set(boxes.map((box) => box.dataset.col));

  function load() {
    try {
      const saved = JSON.parse(window.localStorage.getItem(storageKey) || "[]");
      return new Set(Array.isArray(saved) ? saved.filter((key) => known.has(key)) : []);
    } catch (error) {
      return new Set(); // storage refused (private mode) or garbled: show everything
    }
  }

  function save(hidden) {
    try {
      if (hidden.size) window.localStorage.setItem(storageKey, JSON.stringify([...hidden]));
      else window.localStorage.removeItem(storageKey);
    } catch (error) {
      // Not remembered, but still applied to this page.
    }
  }

  // As static/src/ui.js does for every wide table: a wrapper that scrolls takes focus, so a
  // keyboard can scroll it; hiding columns can make it fit again.
  function markScrollable() {
    const wrap = table.closest(".hb-table-wrap");
    if (!wrap) return;
    if (wrap.scrollWidth > wrap.clientWidth + 1) {
      wrap.setAttribute("tabindex", "0");
      wrap.setAttribute("role", "region");
      if (wrap.dataset.label) wrap.setAttribute("aria-label", wrap.dataset.label);
    } else {
      wrap.removeAttribute("tabindex");
      wrap.removeAttribute("role");
      wrap.removeAttribute("aria-label");
    }
  }

  function apply(hidden) {
    table.querySelectorAll("[data-col]").forEach((cell) => {
      cell.hidden = hidden.has(cell.dataset.col);
    });
    boxes.forEach((box) => {
      box.checked = !hidden.has(box.dataset.col);
    });
    markScrollable();
  }

  let hidden = load();
  chooser.hidden = false;
  apply(hidden);

  boxes.forEach((box) => {
    box.addEventListener("change", () => {
      if (box.checked) hidden.delete(box.dataset.col);
      else hidden.add(box.dataset.col);
      save(hidden);
      apply(hidden);
    });
  });

  const reset = chooser.querySelector("[data-columns-reset]");
  if (reset) {
    reset.addEventListener("click", () => {
      hidden = new Set();
      save(hidden);
      apply(hidden);
    });
  }
})();
