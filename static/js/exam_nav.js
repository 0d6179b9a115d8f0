// The exam page's navigator and run history (exam.js does the saving and the timer).
// - "11 of 23 answered": a question counts once the server holds a non-empty answer for it, the
//   rule the server's own pages use (questions/base.py is_answered; an annotation answer needs
//   a rule or a rationale). exam.js sends "hirebench:saved" with the value after each save.
// - Flag for later: a toggle button (aria-pressed) per question, stored on the server.
// - Earlier visible-test runs, newest first, each able to put its code back in the editor.
(() => {
  const root = document.querySelector("[data-attempt]");
  const nav = document.querySelector("[data-qnav]");
  if (!root || !nav) return;
  const base = root.dataset.attempt;
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const texts = nav.dataset;
  const fill = (template, values) => template.replace(/\{(\w+)\}/g, (_, key) => String(values[key]));
  const lang = document.documentElement.lang || undefined;
  const clock = (date) => date.toLocaleTimeString(lang, {
    hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false,
  });

  function isAnswered(value) {
    if (value === null || value === undefined || value === "") return false;
    if (Array.isArray(value)) return value.length > 0;
    if (typeof value === "object") {
      if ("rules" in value || "rationale" in value) {
        return (Array.isArray(value.rules) && value.rules.length > 0) || Boolean(value.rationale);
      }
      return Object.keys(value).length > 0;
    }
    return true;
  }

  const items = new Map(); // question id -> navigator <li>
  nav.querySelectorAll("[data-nav-item]").forEach((item) => items.set(item.dataset.navItem, item));
  const progress = nav.querySelector("[data-progress]");
  const flaggedLine = nav.querySelector("[data-flagged-count]");

  // Only text that changed is written, so the polite live region speaks only real changes.
  function render() {
    const all = [...items.values()];
    const answered = all.filter((item) => item.dataset.answered === "1").length;
    const flagged = all.filter((item) => item.dataset.flagged === "1").length;
    const line = fill(texts.progressTemplate, { answered, total: all.length });
    if (progress.textContent !== line) progress.textContent = line;
    const flags = `· ${fill(texts.flaggedTemplate, { count: flagged })}`;
    if (flaggedLine.textContent !== flags) flaggedLine.textContent = flags;
    flaggedLine.hidden = flagged === 0;
    all.forEach((item) => {
      const words = [item.dataset.answered === "1" ? texts.stateAnswered : texts.stateEmpty];
      if (item.dataset.flagged === "1") words.push(texts.stateFlagged);
      const state = item.querySelector("[data-nav-state]");
      if (state.textContent !== words.join(", ")) state.textContent = words.join(", ");
    });
  }

  function setAnswered(qid, answered) {
    const item = items.get(qid);
    const question = document.querySelector(`[data-question="${CSS.escape(qid)}"]`);
    if (item) item.dataset.answered = answered ? "1" : "0";
    if (question) question.dataset.answered = answered ? "1" : "0";
    render();
  }

  document.querySelectorAll("[data-question]").forEach((question) => {
    question.addEventListener("hirebench:saved", (event) => {
      setAnswered(question.dataset.question, isAnswered(event.detail && event.detail.value));
    });
  });

  async function post(url, body) {
    const response = await fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify(body),
    });
    let data = {};
    try { data = await response.json(); } catch (_) { /* an HTML error page */ }
    return { ok: response.ok, status: response.status, data };
  }

  function showFlags(marks) {
    items.forEach((item, qid) => { item.dataset.flagged = marks.has(qid) ? "1" : "0"; });
    document.querySelectorAll("[data-flag]").forEach((button) => {
      button.setAttribute("aria-pressed", marks.has(button.dataset.flag) ? "true" : "false");
    });
    render();
  }

  const flagError = (qid, text) => {
    const line = document.querySelector(`[data-answer-error="${CSS.escape(qid)}"]`);
    if (!line) return;
    line.textContent = text;
    line.hidden = !text;
  };

  document.querySelectorAll("[data-flag]").forEach((button) => {
    button.addEventListener("click", async () => {
      const qid = button.dataset.flag;
      const on = button.getAttribute("aria-pressed") !== "true";
      const before = new Set([...items].filter(([, item]) => item.dataset.flagged === "1").map(([id]) => id));
      const after = new Set(before);
      if (on) after.add(qid); else after.delete(qid);
      showFlags(after); // at once; put back if the server refuses
      let reply = null;
      try { reply = await post(`${base}/flags/${encodeURIComponent(qid)}`, { flagged: on }); } catch (_) { /* offline */ }
      if (reply && reply.ok && Array.isArray(reply.data.flagged)) {
        showFlags(new Set(reply.data.flagged));
        flagError(qid, "");
      } else if (reply && reply.status === 409) {
        window.location.assign(reply.data.redirect || `${base}/result`);
      } else {
        showFlags(before);
        flagError(qid, (reply && reply.data.message) || texts.flagFailed);
      }
    });
  });

  // ------------------------------------------------------------------ run history

  document.querySelectorAll("time[data-local-time]").forEach((time) => {
    const when = new Date(time.getAttribute("datetime"));
    if (!Number.isNaN(when.getTime())) time.textContent = clock(when);
  });

  function runItem(box, run, url, summary) {
    const item = document.createElement("li");
    item.className = "hb-run";
    item.dataset.run = String(run.id);
    item.dataset.ok = run.failed === 0 ? "1" : "0";
    const when = document.createElement("span");
    when.className = "hb-run-when";
    const time = document.createElement("time");
    time.setAttribute("datetime", run.at);
    time.textContent = clock(new Date(run.at));
    when.append(time);
    const result = document.createElement("span");
    result.className = "hb-run-result";
    const glyph = document.createElement("span");
    glyph.setAttribute("aria-hidden", "true");
    glyph.textContent = run.failed === 0 ? "✓" : "✗";
    result.append(glyph, ` ${fill(box.dataset.passedTemplate, run)}`);
    const restore = document.createElement("button");
    restore.type = "button";
    restore.className = "btn btn-sm btn-outline-secondary";
    restore.dataset.runRestore = url;
    restore.textContent = box.dataset.restoreLabel;
    const details = document.createElement("details");
    details.className = "hb-run-output";
    const label = document.createElement("summary");
    label.textContent = box.dataset.outputLabel;
    const pre = document.createElement("pre");
    pre.textContent = summary;
    details.append(label, pre);
    item.append(when, result, restore, details);
    return item;
  }

  document.addEventListener("hirebench:run", (event) => {
    const data = event.detail || {};
    const question = event.target.closest("[data-question]");
    const box = question && question.querySelector("[data-runs]");
    if (!box || !data.run || box.querySelector(`[data-run="${data.run.id}"]`)) return;
    box.querySelector("[data-run-list]").prepend(runItem(box, data.run, data.url, data.summary || ""));
    box.querySelector("[data-runs-empty]").hidden = true;
  });

  // A run's code back in the editor: the textarea takes the text and "hirebench:replace" tells
  // the editor; the input event lets exam.js save it like any edit.
  document.addEventListener("click", async (event) => {
    const button = event.target.closest("[data-run-restore]");
    if (!button) return;
    const box = button.closest("[data-runs]");
    const question = button.closest("[data-question]");
    const note = box.querySelector("[data-run-note]");
    const textarea = question.querySelector("textarea[data-code-editor]");
    let data = null;
    try {
      const response = await fetch(button.dataset.runRestore, {
        credentials: "same-origin", headers: { Accept: "application/json" },
      });
      if (response.ok) data = await response.json();
    } catch (_) { /* offline */ }
    if (!data || !data.run || typeof data.run.code !== "string") {
      note.textContent = box.dataset.restoreFailed;
      return;
    }
    textarea.value = data.run.code;
    textarea.dispatchEvent(new Event("hirebench:replace"));
    textarea.dispatchEvent(new Event("input", { bubbles: true }));
    note.textContent = fill(box.dataset.restored, { time: clock(new Date(data.run.at)) });
  });

  // The navigator sits under the sticky exam header; it needs that header's height, which
  // changes with the width, the language and the notices shown in it.
  const head = document.querySelector(".exam-head");
  if (head && "ResizeObserver" in window) {
    new ResizeObserver(() => {
      root.style.setProperty("--hb-exam-head-h", `${Math.ceil(head.getBoundingClientRect().height)}px`);
    }).observe(head);
  }
  // A table or code block wider than the question (in a prompt, the labelled sample) scrolls
  // in a box of its own, never the page. A keyboard scrolls only what takes focus, so a box
  // that really overflows becomes a named, focusable region, as ui.js does for ui.table.
  const scrollBoxes = [...document.querySelectorAll(".exam .table-scroll, .exam .prompt pre")];
  document.querySelectorAll(".exam .prompt table").forEach((table) => {
    const box = document.createElement("div");
    box.className = "hb-prompt-table";
    table.before(box);
    box.append(table);
    scrollBoxes.push(box);
  });
  const markScrollable = (box) => {
    if (box.scrollWidth > box.clientWidth + 1 || box.scrollHeight > box.clientHeight + 1) {
      box.setAttribute("tabindex", "0");
      box.setAttribute("role", "region");
      box.setAttribute("aria-label", box.matches("pre") ? texts.codeLabel : texts.tableLabel);
    } else {
      ["tabindex", "role", "aria-label"].forEach((name) => box.removeAttribute(name));
    }
  };
  scrollBoxes.forEach(markScrollable);
  if ("ResizeObserver" in window) {
    const boxes = new ResizeObserver((entries) => entries.forEach((entry) => markScrollable(entry.target)));
    scrollBoxes.forEach((box) => boxes.observe(box));
  }

  const timer = document.querySelector("[data-timer]");
  const timerCopy = nav.querySelector("[data-qnav-timer]");
  if (timer && timerCopy) {
    const copyTime = () => {
      const text = timer.textContent.trim();
      const time = timerCopy.querySelector("[data-qnav-time]");
      if (time.textContent !== text) time.textContent = text;
      timerCopy.dataset.low = timer.dataset.low || "0";
    };
    new MutationObserver(copyTime).observe(timer, {
      childList: true, characterData: true, subtree: true, attributes: true,
    });
    copyTime();
    timerCopy.hidden = false;
  }
  render();
})();
