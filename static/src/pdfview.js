// The in-page PDF preview of a portfolio file (templates/review/_pdf.html), bundled by esbuild
// into build/pdfview.js. static/js/review.js imports it only when a PDF box comes into view,
// because pdf.js is larger than the whole JavaScript budget of a page without a PDF.
//
// A candidate's PDF is hostile until proven otherwise, so this uses pdf.js's plain display
// API and nothing else: one canvas per page and no annotation, form, XFA or scripting layer,
// so a PDF's JavaScript (/OpenAction, /AA, form actions) has nothing that could run it. The
// bytes come from the same authorised download route as the "Download" link (never a public
// URL), and the worker, CMaps and standard fonts from our own static folder.
import { getDocument, GlobalWorkerOptions } from "pdfjs-dist";

// Pages past this are not drawn: a 500-page upload would otherwise hold a canvas each.
const MAX_PAGES = 50;
// Upper bound on a canvas's pixel ratio, so a zoomed-in 4K screen does not allocate
// hundreds of megabytes for a long document.
const MAX_PIXEL_RATIO = 2;

function pageLabel(box, n, total) {
  return box.dataset.pageLabel.replace("{n}", String(n)).replace("{total}", String(total));
}

async function fetchBytes(url) {
  // The download route answers with the file as an attachment; fetch() reads it all the same,
  // with the reader's session, so the route's own authorisation applies.
  const response = await fetch(url, { credentials: "same-origin", cache: "no-store" });
  if (!response.ok) throw new Error(`the file answered ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}

async function drawPage(doc, n, canvas, width) {
  const page = await doc.getPage(n);
  const natural = page.getViewport({ scale: 1 });
  const ratio = Math.min(window.devicePixelRatio || 1, MAX_PIXEL_RATIO);
  const viewport = page.getViewport({ scale: (width / natural.width) * ratio });
  canvas.width = Math.floor(viewport.width);
  canvas.height = Math.floor(viewport.height);
  await page.render({ canvas, canvasContext: canvas.getContext("2d"), viewport }).promise;
  page.cleanup();
}

// One placeholder canvas per page, drawn when it nears the visible part of its scroll box.
function layOut(box, doc, count) {
  const pages = box.querySelector(".hb-pdf-pages");
  const width = Math.max(pages.clientWidth, 320);
  const pending = new Map();
  const observer = new IntersectionObserver(
    (entries) => {
      for (const entry of entries) {
        if (!entry.isIntersecting || !pending.has(entry.target)) continue;
        const n = pending.get(entry.target);
        pending.delete(entry.target);
        observer.unobserve(entry.target);
        drawPage(doc, n, entry.target, width).catch(() => {
          entry.target.closest(".hb-pdf-page").classList.add("hb-pdf-page-failed");
        });
      }
    },
    { rootMargin: "600px 0px" },
  );
  for (let n = 1; n <= count; n += 1) {
    const figure = document.createElement("figure");
    figure.className = "hb-pdf-page";
    const canvas = document.createElement("canvas");
    canvas.setAttribute("role", "img");
    canvas.setAttribute("aria-label", pageLabel(box, n, doc.numPages));
    // A page's shape before it is drawn, so the scroll box does not jump as pages arrive.
    canvas.width = 612;
    canvas.height = 792;
    figure.append(canvas);
    pages.append(figure);
    if (n > 1) {
      // The first page is drawn at once by showPdf; the rest when they come near.
      pending.set(canvas, n);
      observer.observe(canvas);
    }
  }
  return pages.querySelector("canvas");
}

export async function showPdf(box) {
  GlobalWorkerOptions.workerSrc = box.dataset.worker;
  const data = await fetchBytes(box.dataset.pdfSrc);
  const task = getDocument({
    data,
    isEvalSupported: false, // pdf.js 6 compiles nothing; kept in case an older build is used
    enableXfa: false,
    useWasm: false, // the CSP allows no WebAssembly; JPEG 2000 images are skipped
    cMapUrl: box.dataset.cmaps,
    cMapPacked: true,
    standardFontDataUrl: box.dataset.fonts,
    stopAtErrors: false,
  });
  const doc = await task.promise;
  if (doc.numPages < 1) throw new Error("the PDF has no pages");
  const count = Math.min(doc.numPages, MAX_PAGES);
  const first = layOut(box, doc, count);
  // The first page decides whether the file can be previewed at all; later pages that fail
  // are marked one by one.
  await drawPage(doc, 1, first, Math.max(box.querySelector(".hb-pdf-pages").clientWidth, 320));
  box.querySelector(".hb-pdf-more").hidden = doc.numPages <= MAX_PAGES;
  return doc.numPages;
}
