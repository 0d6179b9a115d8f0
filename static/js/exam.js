// The exam page: a timer that follows the server's clock, autosave on every change and every
// few seconds, "run visible tests", and integrity signals. Inline scripts are blocked by the
// Content-Security-Policy, so everything is wired from data attributes here.
(() => {
  const root = document.querySelector("[data-attempt]");
  if (!root) return;
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const base = root.dataset.attempt; // e.g. /exam/attempts/12
  const deadline = Number(root.dataset.deadlineMs);
  // The offset between the server's clock and this browser's, measured once at load; the
  // timer then counts down against server time, so a wrong local clock cannot stretch it.
  const offset = Number(root.dataset.serverNowMs) - Date.now();
  const serverNow = () => Date.now() + offset;
  const timer = document.querySelector("[data-timer]");
  const statusLine = document.querySelector("[data-save-status]");
  const pending = new Map(); // question id -> value waiting to be saved
  let closed = false;

  async function post(url, body) {
    const response = await fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify(body),
    });
    let data = {};
    try { data = await response.json(); } catch (_) { /* an HTML error page */ }
    return { ok: response.ok, status: response.status, data };
  }

  function setStatus(qid, text, kind) {
    const badge = document.querySelector(`[data-question-status="${qid}"]`);
    if (badge) { badge.textContent = text; badge.dataset.kind = kind; }
  }

  function valueOf(question) {
    const kind = question.dataset.type;
    if (kind === "single_choice" || kind === "assessment") {
      const picked = question.querySelector("input[type=radio]:checked");
      return picked ? picked.value : null;
    }
    if (kind === "multiple_choice") {
      return [...question.querySelectorAll("input[type=checkbox]:checked")].map((el) => el.value);
    }
    if (kind === "numeric") {
      const raw = question.querySelector("input").value.trim();
      return raw === "" ? null : raw;
    }
    if (kind === "annotation_rules") {
      return {
        rules_json: question.querySelector("textarea[name=rules]").value,
        rationale: question.querySelector("textarea[name=rationale]").value,
      };
    }
    return question.querySelector("textarea").value; // coding, short_answer
  }

  async function flush() {
    if (closed || pending.size === 0) return;
    for (const [qid, value] of [...pending]) {
      pending.delete(qid);
      setStatus(qid, statusLine.dataset.saving, "saving");
      let result;
      try {
        result = await post(`${base}/answers/${encodeURIComponent(qid)}`, { value });
      } catch (_) {
        // Offline: keep the value and try again on the next tick; nothing is lost.
        pending.set(qid, value);
        setStatus(qid, statusLine.dataset.offline, "offline");
        continue;
      }
      if (result.ok) {
        setStatus(qid, statusLine.dataset.saved, "saved");
      } else if (result.status === 409) {
        closed = true;
        window.location.assign(result.data.redirect || base);
        return;
      } else {
        setStatus(qid, result.data.message || statusLine.dataset.failed, "error");
      }
    }
  }

  document.querySelectorAll("[data-question]").forEach((question) => {
    const qid = question.dataset.question;
    const remember = () => { pending.set(qid, valueOf(question)); setStatus(qid, statusLine.dataset.unsaved, "unsaved"); };
    question.addEventListener("input", remember);
    question.addEventListener("change", () => { remember(); flush(); });
  });
  setInterval(flush, 4000);
  window.addEventListener("online", flush);
  window.addEventListener("beforeunload", () => { flush(); });

  function tick() {
    const left = Math.max(0, deadline - serverNow());
    const minutes = Math.floor(left / 60000);
    const seconds = Math.floor((left % 60000) / 1000);
    timer.textContent = `${String(minutes).padStart(2, "0")}:${String(seconds).padStart(2, "0")}`;
    timer.dataset.low = left < 5 * 60000 ? "1" : "0";
    if (left === 0 && !closed) {
      // The server submits at the deadline whatever the browser does; this just shows it.
      flush().then(() => window.location.assign(`${base}/result`));
      closed = true;
    }
  }
  tick();
  setInterval(tick, 250);

  // Integrity signals: recorded for reviewers, never acted on here.
  const signal = (kind, detail = {}) => post(`${base}/events`, { kind, ...detail }).catch(() => {});
  document.addEventListener("visibilitychange", () => { if (document.hidden) signal("tab_hidden"); });
  window.addEventListener("blur", () => signal("focus_lost"));
  document.addEventListener("paste", (event) => {
    const text = event.clipboardData ? event.clipboardData.getData("text") : "";
    signal("paste", { size: text.length });
  });
  document.addEventListener("fullscreenchange", () => { if (!document.fullscreenElement) signal("fullscreen_exit"); });

  document.querySelectorAll("[data-run-tests]").forEach((button) => {
    button.addEventListener("click", async () => {
      const qid = button.dataset.runTests;
      const output = document.querySelector(`[data-run-output="${qid}"]`);
      pending.set(qid, valueOf(button.closest("[data-question]")));
      await flush();
      button.disabled = true;
      output.textContent = button.dataset.running;
      const started = await post(`${base}/run/${encodeURIComponent(qid)}`, {});
      if (!started.ok) { output.textContent = started.data.message || button.dataset.failed; button.disabled = false; return; }
      const poll = async () => {
        const response = await fetch(started.data.poll, { credentials: "same-origin" });
        const data = await response.json();
        if (data.state === "done") { output.textContent = data.summary; button.disabled = false; }
        else setTimeout(poll, 700);
      };
      poll();
    });
  });
})();
