// The exam page: a timer that follows the server's clock, autosave on every change and every
// few seconds, "run visible tests", and integrity signals. Inline scripts are blocked by the
// Content-Security-Policy, so everything is wired from data attributes here.
(() => {
  // The result page while code is still grading: reload until the sandbox has finished.
  const grading = document.querySelector("[data-refresh-while-grading]");
  if (grading) {
    setTimeout(() => window.location.reload(), Number(grading.dataset.refreshWhileGrading) || 10000);
  }

  const root = document.querySelector("[data-attempt]");
  if (!root) return;
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const base = root.dataset.attempt; // e.g. /exam/attempts/12
  const resultUrl = root.dataset.resultUrl || `${base}/result`;
  const deadline = Number(root.dataset.deadlineMs);
  // The offset between the server's clock and this browser's, measured once at load; the
  // timer then counts down against server time, so a wrong local clock cannot stretch it.
  const offset = Number(root.dataset.serverNowMs) - Date.now();
  const serverNow = () => Date.now() + offset;
  const timer = document.querySelector("[data-timer]");
  const statusLine = document.querySelector("[data-save-status]");
  const pending = new Map(); // question id -> answer waiting to be saved
  // Annotation questions: the last rule table the server accepted, kept so that the rationale
  // still saves while the candidate's JSON is half-typed or refused.
  const lastGoodRules = new Map();
  let closed = false;

  async function post(url, body, { keepalive = false } = {}) {
    const response = await fetch(url, {
      method: "POST",
      credentials: "same-origin",
      keepalive,
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify(body),
    });
    let data = {};
    try { data = await response.json(); } catch (_) { /* 204, or an HTML error page */ }
    return { ok: response.ok, status: response.status, data };
  }

  function setStatus(qid, text, kind) {
    // The badge in the question list and the one on the question itself.
    document.querySelectorAll(`[data-question-status="${CSS.escape(qid)}"]`).forEach((badge) => {
      badge.textContent = text;
      badge.dataset.kind = kind;
    });
  }

  function showError(qid, text) {
    const line = document.querySelector(`[data-answer-error="${CSS.escape(qid)}"]`);
    if (!line) return;
    line.textContent = text || "";
    line.hidden = !text;
  }

  function parseRules(text) {
    if (text.trim() === "") return { rules: [] }; // an emptied box clears the table
    try { return { rules: JSON.parse(text) }; } catch (err) { return { error: err.message }; }
  }

  // What to send for a question: { value } and, when part of it could not be used, a problem
  // to show once the rest is saved.
  function answerOf(question) {
    const kind = question.dataset.type;
    if (kind === "single_choice" || kind === "assessment") {
      const picked = question.querySelector("input[type=radio]:checked");
      return { value: picked ? picked.value : null };
    }
    if (kind === "multiple_choice") {
      return { value: [...question.querySelectorAll("input[type=checkbox]:checked")].map((el) => el.value) };
    }
    if (kind === "numeric") {
      const raw = question.querySelector("input").value.trim();
      return { value: raw === "" ? null : raw };
    }
    if (kind === "annotation_rules") {
      const qid = question.dataset.question;
      const rationale = question.querySelector("textarea[name=rationale]").value;
      const parsed = parseRules(question.querySelector("textarea[name=rules]").value);
      if (parsed.error !== undefined) {
        return {
          value: { rules: lastGoodRules.get(qid) || [], rationale },
          problem: `${statusLine.dataset.invalidJson} ${parsed.error}`,
        };
      }
      return { value: { rules: parsed.rules, rationale } };
    }
    return { value: question.querySelector("textarea").value }; // coding, short_answer
  }

  async function saveOne(qid, answer, keepalive) {
    const url = `${base}/answers/${encodeURIComponent(qid)}`;
    let result = await post(url, { value: answer.value }, { keepalive });
    let problem = answer.problem;
    const annotation = answer.value && typeof answer.value === "object" && "rationale" in answer.value;
    if (!result.ok && result.status === 400 && annotation) {
      // The server refused the rule table (its message names the rule); keep the rationale
      // by saving it with the last accepted table, and show why the new table was refused.
      problem = result.data.message;
      const fallback = { rules: lastGoodRules.get(qid) || [], rationale: answer.value.rationale };
      result = await post(url, { value: fallback }, { keepalive });
    } else if (result.ok && annotation && !answer.problem) {
      lastGoodRules.set(qid, answer.value.rules);
    }
    return { result, problem };
  }

  let flushing = null;
  let again = false;
  // One flush at a time, so two saves of one question never race each other.
  function flush(keepalive = false) {
    if (flushing) { again = true; return flushing; }
    flushing = (async () => {
      do {
        again = false;
        await flushPending(keepalive);
      } while (again && !closed);
    })().finally(() => { flushing = null; });
    return flushing;
  }

  async function flushPending(keepalive) {
    for (const [qid, answer] of [...pending]) {
      if (closed) return;
      pending.delete(qid);
      setStatus(qid, statusLine.dataset.saving, "saving");
      let outcome;
      try {
        outcome = await saveOne(qid, answer, keepalive);
      } catch (_) {
        // Offline: keep the answer (unless a newer one is waiting) and retry on the next tick.
        if (!pending.has(qid)) pending.set(qid, answer);
        setStatus(qid, statusLine.dataset.offline, "offline");
        continue;
      }
      const { result, problem } = outcome;
      if (result.status === 409) {
        // Closed by the deadline or by a submit (perhaps in another tab): say which, where
        // the candidate is looking, then show the result.
        closed = true;
        const message = result.data.message || "";
        if (message) {
          statusLine.textContent = message;
          statusLine.setAttribute("role", "alert");
          setStatus(qid, statusLine.dataset.failed, "error");
          showError(qid, message);
        }
        setTimeout(() => window.location.assign(result.data.redirect || resultUrl), message ? 4000 : 0);
        return;
      }
      if (result.ok && !problem) {
        setStatus(qid, statusLine.dataset.saved, "saved");
        showError(qid, "");
      } else {
        // Refused (the message says why), or saved only in part (the rationale without a
        // rule table that could not be used).
        setStatus(qid, statusLine.dataset.failed, "error");
        showError(qid, problem || result.data.message || statusLine.dataset.failed);
      }
    }
  }

  document.querySelectorAll("[data-question]").forEach((question) => {
    const qid = question.dataset.question;
    if (question.dataset.type === "annotation_rules") {
      const parsed = parseRules(question.querySelector("textarea[name=rules]").value);
      lastGoodRules.set(qid, parsed.rules || []);
    }
    const remember = () => {
      pending.set(qid, answerOf(question));
      setStatus(qid, statusLine.dataset.unsaved, "unsaved");
    };
    question.addEventListener("input", remember);
    question.addEventListener("change", () => { remember(); flush(); });
  });
  setInterval(() => flush(), 3000);
  window.addEventListener("online", () => flush());
  // keepalive lets the last saves finish while the page unloads.
  window.addEventListener("pagehide", () => { flush(true); });

  // The submit page is a separate page: save everything first, then go there.
  document.querySelectorAll("[data-submit-link]").forEach((link) => {
    link.addEventListener("click", async (event) => {
      event.preventDefault();
      await flush();
      window.location.assign(link.href);
    });
  });

  function tick() {
    const left = Math.max(0, deadline - serverNow());
    const minutes = Math.floor(left / 60000);
    const seconds = Math.floor((left % 60000) / 1000);
    timer.textContent = `${String(minutes).padStart(2, "0")}:${String(seconds).padStart(2, "0")}`;
    timer.dataset.low = left < 5 * 60000 ? "1" : "0";
    if (left === 0 && !closed) {
      // The server submits at the deadline whatever the browser does; this just shows it.
      // The short wait lets the server's clock pass the deadline too before the result loads.
      closed = true;
      setTimeout(() => window.location.assign(resultUrl), 1500);
    }
  }
  tick();
  setInterval(tick, 250);

  // Integrity signals: recorded for reviewers, never acted on here.
  const signal = (kind, detail = {}) => {
    if (!closed) post(`${base}/events`, { kind, ...detail }).catch(() => {});
  };
  // "tab_hidden" is for a switch away while the exam stays open. Leaving the page (a reload,
  // the Submit link, any link in the app) hides it too, so the signal waits a moment and is
  // dropped once the page starts to unload: beforeunload and pagehide come first, or, should
  // the browser hide the page before pagehide, within the wait.
  const HIDDEN_GRACE_MS = 400;
  let leaving = false;
  let hiddenTimer = null;
  let leavingReset = null;
  const markLeaving = () => {
    leaving = true;
    clearTimeout(hiddenTimer);
    hiddenTimer = null;
    // A navigation that never happens (cancelled, a download) must not silence the signal.
    clearTimeout(leavingReset);
    leavingReset = setTimeout(() => { leaving = false; }, 5000);
  };
  window.addEventListener("beforeunload", markLeaving);
  window.addEventListener("pagehide", markLeaving);
  window.addEventListener("pageshow", () => { leaving = false; }); // back from the bfcache
  document.querySelectorAll("[data-submit-link]").forEach((link) => link.addEventListener("click", markLeaving));
  document.addEventListener("visibilitychange", () => {
    if (!document.hidden || leaving || hiddenTimer) return;
    hiddenTimer = setTimeout(() => {
      hiddenTimer = null;
      if (!leaving) signal("tab_hidden");
    }, HIDDEN_GRACE_MS);
  });
  window.addEventListener("blur", () => signal("focus_lost"));
  document.addEventListener("paste", (event) => {
    const text = event.clipboardData ? event.clipboardData.getData("text") : "";
    signal("paste", { size: text.length });
  });
  document.addEventListener("fullscreenchange", () => { if (!document.fullscreenElement) signal("fullscreen_exit"); });
  const fullscreen = document.querySelector("[data-fullscreen]");
  if (fullscreen && document.documentElement.requestFullscreen) {
    fullscreen.hidden = false;
    fullscreen.addEventListener("click", () => document.documentElement.requestFullscreen().catch(() => {}));
  }

  document.querySelectorAll("[data-run-tests]").forEach((button) => {
    const qid = button.dataset.runTests;
    const output = document.querySelector(`[data-run-output="${CSS.escape(qid)}"]`);
    const finish = (text) => { output.textContent = text; button.disabled = false; };
    button.addEventListener("click", async () => {
      // The tests run the saved code, so the editor's latest text is saved first.
      pending.set(qid, answerOf(button.closest("[data-question]")));
      await flush();
      if (closed) return;
      button.disabled = true;
      output.textContent = button.dataset.running;
      let started;
      try {
        started = await post(`${base}/run/${encodeURIComponent(qid)}`, {});
      } catch (_) {
        finish(button.dataset.failed);
        return;
      }
      if (started.status === 409) { window.location.assign(started.data.redirect || resultUrl); return; }
      if (!started.ok) { finish(started.data.message || button.dataset.failed); return; }
      const poll = async () => {
        let data;
        try {
          const response = await fetch(started.data.poll, {
            credentials: "same-origin",
            headers: { Accept: "application/json" },
          });
          data = await response.json();
          if (!response.ok) { finish(data.message || button.dataset.failed); return; }
        } catch (_) {
          setTimeout(poll, 2000); // a dropped connection: keep asking
          return;
        }
        if (data.state === "done") finish(data.summary);
        else { output.textContent = data.summary || button.dataset.running; setTimeout(poll, 1000); }
      };
      poll();
    });
  });
})();
