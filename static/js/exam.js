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
  // A break in progress: when it ends (server time, ms), else 0. The deadline the server
  // sends already includes it; nothing is saved until it ends (see "The clock" below).
  let breakEnds = Number(root.dataset.breakEndsMs) || 0;
  const onBreak = () => breakEnds > 0 && serverNow() < breakEnds;
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
    if (readOnly || closed || onBreak()) return Promise.resolve();
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
    if ("break_ends_ms" in data) setBreak(Number(data.break_ends_ms) || 0);
    if (Number.isFinite(data.breaks_left)) setBreaksLeft(data.breaks_left);
    if (Number.isFinite(data.extension_minutes)) noteExtension(data.extension_minutes);
    tick(); // the new deadline shows at once
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
      if (result && result.status === 423) {
        // A break began (in another tab, or the page's clock lagged): kept, saved after it.
        if (!pending.has(qid)) pending.set(qid, edit);
        syncClock(result.data);
        return;
      }
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

  // ------------------------------------------------------------------------------ the clock
  // Breaks, HR's extensions and the time warnings (docs/accommodations.md). The page polls
  // the server's clock, so a deadline HR moved reaches it without a reload; saves' replies
  // correct it too. During a break the time shown stands at what will be left when it ends.
  const clockBox = document.querySelector("[data-exam-clock]");
  const clockTexts = clockBox ? clockBox.dataset : {};
  const breakButton = document.querySelector("[data-take-break]");
  const breakConfirm = document.querySelector("[data-break-confirm]");
  const breakScreen = document.querySelector("[data-break-screen]");
  const breakError = document.querySelector("[data-break-error]");
  const warning = document.querySelector("[data-time-warning]");
  const announcer = document.querySelector("[data-time-announce]");
  let breaksLeft = Number(root.dataset.breaksLeft) || 0;
  let extension = Number(root.dataset.extensionMinutes) || 0;
  const format = (template, values) => Object.entries(values)
    .reduce((text, [key, value]) => text.split(`{${key}}`).join(String(value)), template || "");
  const mmss = (ms) => {
    const minutes = Math.floor(ms / 60000);
    const seconds = Math.floor((ms % 60000) / 1000);
    return `${String(minutes).padStart(2, "0")}:${String(seconds).padStart(2, "0")}`;
  };
  const workingLeft = () => Math.max(0, deadline - (onBreak() ? breakEnds : serverNow()));

  let warningTimer = null;
  function announce(text, kind) {
    if (warning) {
      warning.textContent = text;
      warning.className = `hb-time-warning alert alert-${kind}`;
      warning.hidden = false;
      // It covers part of a phone's screen: gone after half a minute, bar the last minute's.
      clearTimeout(warningTimer);
      if (kind !== "danger") warningTimer = setTimeout(() => { warning.hidden = true; }, 30000);
    }
    if (announcer) {
      // Emptied first, so the same words twice are still a change that is read out.
      announcer.textContent = "";
      setTimeout(() => { announcer.textContent = text; }, 60);
    }
  }

  // Each warning once per attempt (a reload does not repeat it), and again only if an
  // extension moved the deadline back above it.
  const WARN_AT = [15, 5, 1];
  const warnKey = `hirebench-warned:${attemptId}`;
  const warned = new Set((() => {
    try { return JSON.parse(sessionStorage.getItem(warnKey) || "[]"); } catch (_) { return []; }
  })());
  const warnings = (() => { try { return JSON.parse(clockTexts.warnings || "{}"); } catch (_) { return {}; } })();
  let lastLeft = null;
  function warn(left) {
    WARN_AT.forEach((m) => { if (left > m * 60000) warned.delete(m); });
    const due = WARN_AT.filter((m) => left <= m * 60000 && left > 0 && !warned.has(m));
    // A page opened with less time left marks what it missed without reading out a number
    // that is no longer true; a threshold crossed while it is open is announced.
    const crossed = lastLeft === null ? [] : due.filter((m) => lastLeft > m * 60000);
    lastLeft = left;
    if (!due.length) return;
    due.forEach((m) => warned.add(m));
    try { sessionStorage.setItem(warnKey, JSON.stringify([...warned])); } catch (_) { /* off */ }
    if (!crossed.length) return;
    const nearest = Math.min(...crossed);
    const text = `${warnings[String(nearest)] || ""} ${clockTexts.warningTail || ""}`.trim();
    announce(text, nearest === 1 ? "danger" : "warning");
  }

  function noteExtension(minutes) {
    if (minutes <= extension) return;
    const added = minutes - extension;
    extension = minutes;
    const allowed = document.querySelector("[data-allowed]");
    if (allowed && clockTexts.allowedTemplate) {
      const note = allowed.querySelector(".hb-allowed-note");
      allowed.textContent = format(clockTexts.allowedTemplate, { minutes: Number(clockTexts.baseAllowed) + extension });
      if (note) allowed.append(note);
    }
    announce(format(clockTexts.extendedTemplate, { minutes: added }), "info");
  }

  function setBreaksLeft(count) {
    breaksLeft = count;
    if (!breakButton) return;
    breakButton.textContent = format(clockTexts.breakLabel, { count });
    breakButton.hidden = count <= 0 || breakEnds > 0;
  }

  function setBreak(ends) {
    const was = breakEnds > 0;
    breakEnds = ends;
    if (ends > 0 && !was) enterBreak();
    else if (ends <= 0 && was) leaveBreak();
  }

  function enterBreak() {
    root.dataset.onBreak = "1"; // the theme hides everything but the header and this screen
    if (breakConfirm) breakConfirm.hidden = true;
    if (breakButton) {
      breakButton.setAttribute("aria-expanded", "false");
      breakButton.hidden = true;
    }
    if (breakScreen) {
      breakScreen.hidden = false;
      const title = breakScreen.querySelector("[data-break-title]");
      if (title) title.focus();
    }
    timer.dataset.paused = "1";
    const badge = document.querySelector("[data-paused-badge]");
    if (badge) badge.hidden = false;
  }

  function leaveBreak() {
    breakEnds = 0;
    delete root.dataset.onBreak;
    delete timer.dataset.paused;
    const badge = document.querySelector("[data-paused-badge]");
    if (badge) badge.hidden = true;
    if (breakScreen) breakScreen.hidden = true;
    if (breakError) breakError.hidden = true;
    const first = document.querySelector("[data-question]");
    if (first) first.scrollIntoView({ block: "start" });
    if (breakButton) breakButton.hidden = breaksLeft <= 0;
    if (breakButton && !breakButton.hidden) breakButton.focus();
    flush(); // whatever waited for the break
  }

  async function clockRequest(url, method) {
    const response = method === "POST"
      ? await post(url, {})
      : await fetch(url, { credentials: "same-origin", cache: "no-store", headers: { Accept: "application/json" } })
        .then(async (r) => ({ ok: r.ok, status: r.status, data: await r.json().catch(() => ({})) }));
    if (response.status === 409) {
      closed = true;
      window.location.assign(response.data.redirect || resultUrl);
    } else if (response.data) {
      syncClock(response.data);
    }
    return response;
  }

  async function pollClock() {
    if (closed) return;
    try { await clockRequest(root.dataset.clockUrl, "GET"); } catch (_) { /* offline: the next poll */ }
  }

  if (breakButton && breakConfirm) {
    const confirmText = breakConfirm.querySelector("[data-break-confirm-text]");
    const startButton = breakConfirm.querySelector("[data-break-start]");
    breakButton.addEventListener("click", () => {
      const opening = breakConfirm.hidden;
      confirmText.textContent = format(clockTexts.breakConfirmTemplate, { after: Math.max(0, breaksLeft - 1) });
      breakConfirm.hidden = !opening;
      breakButton.setAttribute("aria-expanded", String(opening));
      if (opening) startButton.focus();
    });
    breakConfirm.querySelector("[data-break-cancel]").addEventListener("click", () => {
      breakConfirm.hidden = true;
      breakButton.setAttribute("aria-expanded", "false");
      breakButton.focus();
    });
    startButton.addEventListener("click", async () => {
      startButton.disabled = true;
      try {
        await flush(); // the answers so far are saved before the questions are hidden
        const reply = await clockRequest(root.dataset.breakUrl, "POST");
        if (!reply.ok && reply.status !== 409) confirmText.textContent = reply.data.message || clockTexts.breakFailed;
      } catch (_) {
        confirmText.textContent = clockTexts.breakFailed;
      } finally {
        startButton.disabled = false;
      }
    });
  }
  const resumeButton = document.querySelector("[data-resume]");
  if (resumeButton) {
    resumeButton.addEventListener("click", async () => {
      resumeButton.disabled = true;
      try {
        const reply = await clockRequest(root.dataset.resumeUrl, "POST");
        if (!reply.ok && reply.status !== 409) throw new Error(reply.data.message);
      } catch (_) {
        if (breakError) { breakError.textContent = clockTexts.resumeFailed; breakError.hidden = false; }
      } finally {
        resumeButton.disabled = false;
      }
    });
  }

  function tick() {
    if (breakEnds > 0 && serverNow() >= breakEnds) {
      // The break ran its length and is over by itself; the server agrees (its deadline
      // already counted the whole break), and the poll brings the rest of its clock.
      leaveBreak();
      pollClock();
    }
    const left = workingLeft();
    timer.textContent = mmss(left);
    timer.dataset.low = left < 5 * 60000 ? "1" : "0";
    if (breakEnds > 0 && breakScreen) {
      breakScreen.querySelector("[data-break-left]").textContent = mmss(Math.max(0, breakEnds - serverNow()));
      breakScreen.querySelector("[data-break-exam-left]").textContent = mmss(left);
    }
    warn(left);
    if (left === 0 && !closed) {
      // The server submits at the deadline whatever the browser does; this just shows it.
      // The short wait lets the server's clock pass the deadline too before the result loads.
      closed = true;
      setTimeout(() => window.location.assign(resultUrl), 1500);
    }
  }
  if (onBreak()) enterBreak(); // opened during a break; one already over ends at the first tick
  tick();
  setInterval(tick, 250);
  setInterval(pollClock, Number(root.dataset.clockPollMs) || 20000);
  document.addEventListener("visibilitychange", () => { if (!document.hidden) pollClock(); });

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
