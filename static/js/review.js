// Review pages (templates/review/item.html, preview.html).
//
// 1. A box that scrolls on its own (the item beside the rubric on a wide screen, a PDF's pages
//    on a narrow one) takes keyboard focus only while it really scrolls, so the keyboard can
//    scroll it (axe's scrollable-region-focusable) without an extra tab stop otherwise.
// 2. Each PDF box (templates/review/_pdf.html) starts its preview once it comes into view.
//    pdf.js (build/pdfview.js, about 440 KB) is imported only then, so a review page without
//    a PDF stays within the JavaScript budget (docs/design.md). Anything that goes wrong, from
//    a browser too old for pdf.js to a malformed or hostile file, ends in the box's "download
//    it" message.
(() => {
  const regions = document.querySelectorAll("[data-scroll-region]");
  const mark = (region) => {
    if (region.scrollHeight > region.clientHeight + 1) region.setAttribute("tabindex", "0");
    else region.removeAttribute("tabindex");
  };
  const markAll = () => regions.forEach(mark);
  markAll();
  if (regions.length && "ResizeObserver" in window) {
    // The box itself and what is in it: either growing can make it scroll.
    const observer = new ResizeObserver(markAll);
    regions.forEach((region) => {
      observer.observe(region);
      if (region.firstElementChild) observer.observe(region.firstElementChild);
    });
  }

  const boxes = document.querySelectorAll(".hb-pdf[data-pdf-src]");
  if (!boxes.length) return;
  // pdf.js 6's modern build relies on these; without them it would fail half-way.
  const supported =
    typeof Promise.withResolvers === "function" &&
    typeof Map.prototype.getOrInsertComputed === "function" &&
    typeof Math.sumPrecise === "function";
  let viewer = null;

  function settle(box, state) {
    box.dataset.state = state;
    box.querySelector(".hb-pdf-status").hidden = true;
    box.removeAttribute("aria-busy");
    if (state === "failed") {
      box.querySelector(".hb-pdf-pages").replaceChildren();
      box.querySelector(".hb-pdf-error").hidden = false;
    }
    markAll();
  }

  function start(box) {
    box.dataset.state = "loading";
    box.querySelector(".hb-pdf-status").hidden = false;
    box.setAttribute("aria-busy", "true");
    if (!supported) {
      settle(box, "failed");
      return;
    }
    viewer = viewer || import(box.dataset.viewer);
    viewer
      .then((module) => module.showPdf(box))
      .then(
        () => settle(box, "shown"),
        () => settle(box, "failed"),
      );
  }

  if (!("IntersectionObserver" in window)) {
    boxes.forEach(start);
    return;
  }
  const observer = new IntersectionObserver(
    (entries) => {
      for (const entry of entries) {
        if (!entry.isIntersecting) continue;
        observer.unobserve(entry.target);
        start(entry.target);
      }
    },
    { rootMargin: "200px 0px" },
  );
  boxes.forEach((box) => observer.observe(box));
})();
