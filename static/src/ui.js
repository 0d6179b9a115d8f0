// The page chrome's behaviour (templates/base.html, templates/_ui.html), bundled by esbuild into
// build/ui.js. Only the Bootstrap plugins the pages use are imported, each from its own
// module, so the bundle stays small (docs/design.md, "JavaScript budget"): collapse opens the
// navbar's menu on a phone, dropdown serves menus such as a column chooser. Both start from
// their data-bs-* attributes; nothing here runs inline, which the CSP forbids.
import "bootstrap/js/src/collapse.js";
import "bootstrap/js/src/dropdown.js";

// A table wider than its card scrolls inside it. A keyboard user can only scroll a region
// that takes focus, so a wrapper that really overflows becomes a named, focusable region;
// one that fits stays out of the tab order.
function markScrollable(wrap) {
  const scrolls = wrap.scrollWidth > wrap.clientWidth + 1;
  if (scrolls) {
    wrap.setAttribute("tabindex", "0");
    wrap.setAttribute("role", "region");
    if (wrap.dataset.label) wrap.setAttribute("aria-label", wrap.dataset.label);
  } else {
    wrap.removeAttribute("tabindex");
    wrap.removeAttribute("role");
    wrap.removeAttribute("aria-label");
  }
}

const wraps = document.querySelectorAll(".hb-table-wrap");
wraps.forEach(markScrollable);
if (wraps.length && "ResizeObserver" in window) {
  const observer = new ResizeObserver((entries) => entries.forEach((entry) => markScrollable(entry.target)));
  wraps.forEach((wrap) => observer.observe(wrap));
}
