// The exam page: a timer that follows the server's clock, autosave on every change and every
// few seconds (with retries, a copy in localStorage, stale-write conflicts and a second tab
// handled: docs/attempts.md, "The autosave protocol"), "run visible tests", and integrity
// signals. Inline scripts are blocked by the
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
  const attemptId = root.dataset.attemptId;
  // The server's clock and the deadline, corrected by every save's reply. performance.now()
  // never jumps with the local clock, so the timer keeps to the server's deadline after a
  // reconnect, a sleep or a changed system time.
  let deadline = Number(root.dataset.deadlineMs);
  let clock = { server: Number(root.dataset.serverNowMs), at: performance.now() };
  const serverNow = () => clock.server + (performance.now() - clock.at);
  const timer = document.querySelector("[data-timer]");
  const statusLine = document.querySelector("[data-save-status]");
  const texts = statusLine.dataset;
  const banner = document.querySelector("[data-exam-notice]");
  const pending = new Map(); // question id -> { value, problem, seq }: the newest unsaved edit
  // What this page knows the server holds, per question: revision, and the page and number
  // that wrote it (docs/attempts.md, "The autosave protocol").
  const known = new Map();
  const inConflict = new Set(); // questions waiting for the candidate to choose a text
  // Annotation questions: the last rule table the server accepted, kept so that the rationale
  // still saves while the candidate's JSON is half-typed or refused.
  const lastGoodRules = new Map();
  const client = (crypto.randomUUID ? crypto.randomUUID() : `${Date.now()}-${Math.random()}`)
    .replace(/[^A-Za-z0-9-]/g, "").slice(0, 40);
  let seq = 0;
  let closed = false;
  let readOnly = false;
  let failures = 0; // consecutive failed saves, for the backoff
  let retryTimer = null;
  let retryAt = 0;

  const storageKey = (qid) => `hirebench-autosave:${attemptId}:${qid}`;
  function readLocal(qid) {
    try { return JSON.parse(localStorage.getItem(storageKey(qid)) || "null"); } catch (_) { return null; }
  }
  function writeLocal(qid, entry) {
    try { localStorage.setItem(storageKey(qid), JSON.stringify(entry)); } catch (_) { /* full or off */ }
  }
  function dropLocal(qid, upToSeq) {
    const entry = readLocal(qid);
    // Only this page's entries, up to what the server acknowledged: a newer edit stays.
    if (entry && (upToSeq === undefined || (entry.client === client && entry.seq <= upToSeq))) {
      try { localStorage.removeItem(storageKey(qid)); } catch (_) { /* storage off */ }
    }
  }

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
    return { ok: response.ok, status: response.status, data, retryAfter: Number(response.headers.get("Retry-After")) };
  }

  const timeNow = () => new Date().toLocaleTimeString(document.documentElement.lang || undefined, {
    hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false,
  });

  function setStatus(qid, text, kind) {
    // The badge in the question list and the one on the question itself; the page's status
    // line (aria-live="polite") says the same once, for screen readers.
    document.querySelectorAll(`[data-question-status="${CSS.escape(qid)}"]`).forEach((badge) => {
      badge.textContent = text;
      badge.dataset.kind = kind;
    });
    if (kind !== "unsaved" && statusLine.textContent !== text) statusLine.textContent = text;
    statusLine.dataset.state = kind;
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
          problem: `${texts.invalidJson} ${parsed.error}`,
        };
      }
      return { value: { rules: parsed.rules, rationale } };
    }
    return { value: question.querySelector("textarea").value }; // coding, short_answer
  }

  // Put a stored answer back into a question's fields (the inverse of answerOf).
  function fill(question, value) {
    const kind = question.dataset.type;
    const setText = (box, text) => {
      box.value = text;
      box.dispatchEvent(new Event("hirebench:replace")); // the code editor, if there is one
    };
    if (kind === "single_choice" || kind === "assessment" || kind === "multiple_choice") {
      const chosen = new Set(Array.isArray(value) ? value : [value]);
      question.querySelectorAll("input").forEach((input) => { input.checked = chosen.has(input.value); });
    } else if (kind === "numeric") {
      question.querySelector("input").value = value === null || value === undefined ? "" : String(value);
    } else if (kind === "annotation_rules") {
      const rules = value && value.rules ? value.rules : [];
      setText(question.querySelector("textarea[name=rules]"), rules.length ? JSON.stringify(rules, null, 2) : "");
      setText(question.querySelector("textarea[name=rationale]"), (value && value.rationale) || "");
    } else {
      setText(question.querySelector("textarea"), value || "");
    }
  }

  const questionOf = (qid) => document.querySelector(`[data-question="${CSS.escape(qid)}"]`);
  const shown = (value) => (typeof value === "string" ? value : JSON.stringify(value, null, 2));
  const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

  // Two versions of one answer: the one in the editor and another (the server's newer text
  // after a 409, or unsaved text from before a reload that the server has moved past). The
  // candidate chooses; nothing is overwritten until then.
  function showConflict(qid, { message, otherLabel, other, onKeep, onUseOther }) {
    const question = questionOf(qid);
    if (!question) return;
    inConflict.add(qid);
    let box = question.querySelector("[data-conflict]");
    if (box) box.remove();
    box = document.createElement("div");
    box.className = "conflict alert alert-warning";
    box.dataset.conflict = qid;
    box.setAttribute("role", "alert");
    const lead = document.createElement("p");
    lead.textContent = message;
    const label = document.createElement("p");
    label.className = "fw-semibold mb-1";
    label.textContent = otherLabel;
    const text = document.createElement("pre");
    text.className = "conflict-text";
    text.dataset.conflictText = "";
    text.textContent = shown(other);
    const keep = document.createElement("button");
    keep.type = "button";
    keep.className = "btn btn-primary btn-sm me-2";
    keep.dataset.conflictKeep = "";
    keep.textContent = texts.keepMine;
    const use = document.createElement("button");
    use.type = "button";
    use.className = "btn btn-outline-secondary btn-sm";
    use.dataset.conflictUse = "";
    use.textContent = texts.useOther;
    const done = (choice) => () => { box.remove(); inConflict.delete(qid); choice(); flush(); };
    keep.addEventListener("click", done(onKeep));
    use.addEventListener("click", done(onUseOther));
    box.append(lead, label, text, keep, use);
    question.querySelector("[data-answer-error]").before(box);
    setStatus(qid, texts.conflictBadge, "conflict");
  }

  function remember(qid, answer) {
    seq += 1;
    const edit = { ...answer, seq };
    pending.set(qid, edit);
    const base = (known.get(qid) || {}).revision || 0;
    writeLocal(qid, { value: answer.value, base, client, seq, at: Date.now() });
    if (!inConflict.has(qid)) setStatus(qid, texts.unsaved, "unsaved");
  }

  async function saveOne(qid, edit, keepalive) {
    const url = `${base}/answers/${encodeURIComponent(qid)}`;
    const stamp = () => ({ client, seq: edit.seq, base: (known.get(qid) || {}).revision || 0 });
    let result = await post(url, { value: edit.value, ...stamp() }, { keepalive });
    let problem = edit.problem;
    const annotation = edit.value && typeof edit.value === "object" && "rationale" in edit.value;
    if (!result.ok && result.status === 400 && annotation) {
      // The server refused the rule table (its message names the rule); keep the rationale
      // by saving it with the last accepted table, and show why the new table was refused.
      problem = result.data.message;
      const fallback = { rules: lastGoodRules.get(qid) || [], rationale: edit.value.rationale };
      seq += 1;
      edit = { ...edit, seq, value: fallback };
      result = await post(url, { value: fallback, ...stamp() }, { keepalive });
    } else if (result.ok && annotation && !edit.problem) {
      lastGoodRules.set(qid, edit.value.rules);
    }
    return { result, problem, edit };
  }
  let flushing = null;
  let again = false;
  // One flush at a time, so two saves of one question never race each other.
  function flush(keepalive = false) {
    if (readOnly || closed) return Promise.resolve();
    if (flushing) { again = true; return flushing; }
    flushing = (async () => {
      do {
        again = false;
        await flushPending(keepalive);
      } while (again && !closed && !readOnly && failures === 0);
    })().finally(() => { flushing = null; });
    return flushing;
  }

  // After a failure, wait 1 s, 2 s, 4 s … up to 30 s (or what Retry-After asks), with jitter
  // so that a room full of candidates does not come back in step.
  function scheduleRetry(retryAfterSeconds) {
    failures += 1;
    const backoff = Math.min(30000, 1000 * 2 ** (failures - 1));
    const wait = Math.max(backoff * (0.5 + Math.random() / 2), (retryAfterSeconds || 0) * 1000);
    clearTimeout(retryTimer);
    retryAt = Date.now() + wait;
    retryTimer = setTimeout(() => { retryAt = 0; flush(); }, wait);
  }

  function retryNow() {
    clearTimeout(retryTimer);
    retryAt = 0;
    failures = 0;
    flush();
  }

  function syncClock(data) {
    if (Number.isFinite(data.server_now_ms)) clock = { server: data.server_now_ms, at: performance.now() };
    if (Number.isFinite(data.deadline_ms)) deadline = data.deadline_ms;
  }

  async function flushPending(keepalive) {
    for (const [qid, edit] of [...pending]) {
      if (closed || readOnly) return;
      if (inConflict.has(qid)) continue; // waits for the candidate's choice
      pending.delete(qid);
      setStatus(qid, texts.saving, "saving");
      let outcome;
      try {
        outcome = await saveOne(qid, edit, keepalive);
      } catch (_) {
        outcome = null; // no answer at all: offline, or the server is down
      }
      const result = outcome && outcome.result;
      if (!result || result.status === 503 || result.status >= 502 || result.status === 429) {
        // Kept (unless a newer edit is waiting) in the page and in localStorage; retried.
        if (!pending.has(qid)) pending.set(qid, edit);
        setStatus(qid, texts.offline, "offline");
        scheduleRetry(result && result.retryAfter);
        return;
      }
      failures = 0;
      if (!handleReply(qid, outcome)) return;
    }
  }

  // What a save's reply means for the page; false when the page must stop saving.
  function handleReply(qid, { result, problem, edit }) {
    const data = result.data;
    syncClock(data);
    if (result.status === 409 && data.stale) {
      known.set(qid, { revision: data.revision, client: data.client, seq: data.seq });
      const question = questionOf(qid);
      showConflict(qid, {
        message: texts.conflictMessage,
        otherLabel: texts.conflictSaved,
        other: data.value,
        // Mine: edited now on top of the stored revision, so it saves.
        onKeep: () => remember(qid, answerOf(question)),
        onUseOther: () => { pending.delete(qid); fill(question, data.value); dropLocal(qid); markSaved(qid); },
      });
      return true;
    }
    if (result.status === 409) {
      // Closed by the deadline or by a submit (perhaps in another tab): say which, where
      // the candidate is looking, then show the result.
      closed = true;
      const message = data.message || "";
      if (message) {
        setStatus(qid, texts.failed, "error");
        statusLine.textContent = message; // after setStatus, which writes the line too
        statusLine.setAttribute("role", "alert");
        showError(qid, message);
      }
      setTimeout(() => window.location.assign(data.redirect || resultUrl), message ? 4000 : 0);
      return false;
    }
    if (result.ok) {
      known.set(qid, { revision: data.revision, client, seq: data.seq });
      // The navigator (exam_nav.js) counts a question answered from what the server now holds.
      const saved = questionOf(qid);
      if (saved) saved.dispatchEvent(new CustomEvent("hirebench:saved", { detail: { value: edit.value } }));
      if (!pending.has(qid)) dropLocal(qid, edit.seq);
    }
    if (result.ok && !problem) {
      markSaved(qid);
      showError(qid, "");
    } else {
      // Refused (the message says why), or saved only in part (the rationale without a
      // rule table that could not be used). Retrying would not help.
      if (!result.ok && !pending.has(qid)) dropLocal(qid, edit.seq);
      setStatus(qid, texts.failed, "error");
      showError(qid, problem || data.message || texts.failed);
    }
    return true;
  }

  function markSaved(qid) {
    setStatus(qid, `${texts.saved} ${timeNow()}`, "saved");
    const question = questionOf(qid);
    const note = question && question.querySelector("[data-restored-note]");
    if (note) note.remove(); // the restored text is on the server now
  }

  // Unsaved text from before a reload (or from a tab that has just given way to this one):
  // put back when the server still holds what it was edited from, or this same page's older
  // save; offered as a choice when someone saved something else since.
  function restoreLocal(question) {
    const qid = question.dataset.question;
    const entry = readLocal(qid);
    const server = known.get(qid);
    if (!entry || !server || entry.client === client || !("value" in entry)) return;
    if (same(entry.value, answerOf(question).value)) { dropLocal(qid); return; }
    const continues = entry.base === server.revision
      || (entry.client === server.client && server.seq < entry.seq);
    if (continues) {
      fill(question, entry.value);
      remember(qid, answerOf(question));
      showError(qid, "");
      noteOn(question, texts.restored);
      return;
    }
    showConflict(qid, {
      message: texts.conflictMessage,
      otherLabel: texts.conflictLocal,
      other: entry.value,
      onKeep: () => dropLocal(qid),
      onUseOther: () => { fill(question, entry.value); remember(qid, answerOf(question)); },
    });
  }

  function noteOn(question, text) {
    const note = document.createElement("p");
    note.className = "restored-note alert alert-info py-1";
    note.dataset.restoredNote = "";
    note.textContent = text;
    question.querySelector("[data-answer-error]").before(note);
  }

  document.querySelectorAll("[data-question]").forEach((question) => {
    const qid = question.dataset.question;
    known.set(qid, {
      revision: Number(question.dataset.revision) || 0,
      client: question.dataset.saveClient || "",
      seq: Number(question.dataset.saveSeq) || 0,
    });
    if (question.dataset.type === "annotation_rules") {
      const parsed = parseRules(question.querySelector("textarea[name=rules]").value);
      lastGoodRules.set(qid, parsed.rules || []);
    }
    question.addEventListener("input", () => remember(qid, answerOf(question)));
    question.addEventListener("change", () => {
      remember(qid, answerOf(question));
      if (!retryAt) flush();
    });
    restoreLocal(question);
  });
  setInterval(() => { if (!retryAt) flush(); }, 3000);
  window.addEventListener("online", retryNow);
  // keepalive lets the last saves finish while the page unloads.
  window.addEventListener("pagehide", () => { flush(true); });

  // A second tab (or window) of this attempt: the newest one is the one to write in. The
  // older one stops saving and becomes read-only; its unsaved edits stay in localStorage,
  // where the newer one picks them up.
  function yieldToNewerTab() {
    if (readOnly || closed) return;
    readOnly = true;
    document.querySelectorAll(".exam-section, .submit-bar").forEach((part) => { part.inert = true; });
    showBanner(texts.otherTab, "warning");
    statusLine.textContent = texts.otherTab;
  }
  function showBanner(text, kind) {
    if (!banner) return;
    banner.textContent = text;
    banner.className = `exam-notice alert alert-${kind}`;
    banner.hidden = false;
  }
  const hello = { type: "hello", attempt: attemptId, tab: client };
  const onTabMessage = (message) => {
    if (!message || message.attempt !== attemptId || message.tab === client) return;
    if (message.type === "hello") {
      yieldToNewerTab();
      tabs.send({ type: "yielded", attempt: attemptId, tab: client });
    } else if (message.type === "yielded" && !readOnly) {
      showBanner(texts.newerTab, "info");
      document.querySelectorAll("[data-question]").forEach(restoreLocal);
      flush();
    }
  };
  const tabs = (() => {
    if ("BroadcastChannel" in window) {
      const channel = new BroadcastChannel(`hirebench-attempt-${attemptId}`);
      channel.onmessage = (event) => onTabMessage(event.data);
      return { send: (message) => channel.postMessage(message) };
    }
    // Without BroadcastChannel: a localStorage key written by one tab is an event in the others.
    const key = `hirebench-tabs:${attemptId}`;
    window.addEventListener("storage", (event) => {
      if (event.key !== key || !event.newValue) return;
      try { onTabMessage(JSON.parse(event.newValue)); } catch (_) { /* not ours */ }
    });
    return {
      send: (message) => {
        try { localStorage.setItem(key, JSON.stringify({ ...message, at: Date.now() })); } catch (_) { /* off */ }
      },
    };
  })();
  tabs.send(hello);

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
      remember(qid, answerOf(button.closest("[data-question]")));
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
        if (data.state === "done") {
          finish(data.summary);
          // The run history (exam_nav.js) lists it with the code it ran.
          button.dispatchEvent(new CustomEvent("hirebench:run", { bubbles: true, detail: { ...data, url: started.data.poll } }));
        }
        else { output.textContent = data.summary || button.dataset.running; setTimeout(poll, 1000); }
      };
      poll();
    });
  });
})();
