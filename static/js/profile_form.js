// HR's job profile editor (templates/hr/job_profile.html). Without this script every add and
// remove button submits the form and the server answers with the row added or removed; with
// it they act in the page. Rows are copied from <template> blanks rendered with index 0 and
// given the next free index: the server reads the rows in index order, gaps and all. Also:
// the stage weights' live total, the competency ids offered in the mapping, the fields that
// apply to the chosen approver and onboarding, and tabs that carry unsaved edits across.
(() => {
  const form = document.querySelector("[data-profile-form]");
  const yamlForm = document.querySelector("[data-profile-yaml]");

  // The tabs switch views through the form's own button, so the other view gets the edits.
  const current = form || yamlForm;
  const switcher = current && current.querySelector("[data-switch-view]");
  document.querySelectorAll("[data-profile-tabs] a:not([aria-current])").forEach((link) => {
    if (!switcher) return;
    link.addEventListener("click", (event) => {
      event.preventDefault();
      current.requestSubmit(switcher);
    });
  });

  const summary = document.getElementById("error-summary");
  if (summary) summary.focus();
  if (!form) return;

  const ATTRIBUTES = ["id", "name", "for", "aria-describedby", "aria-labelledby", "formaction"];

  function renamed(fragment, replacements) {
    fragment.querySelectorAll("*").forEach((element) => {
      const names = element.tagName === "BUTTON" ? [...ATTRIBUTES, "value"] : ATTRIBUTES;
      names.forEach((attribute) => {
        let value = element.getAttribute(attribute);
        if (value === null) return;
        replacements.forEach(([from, to]) => {
          value = value.replace(from, to);
        });
        element.setAttribute(attribute, value);
      });
    });
    return fragment;
  }

  function rowsOf(container) {
    return [...container.children].filter((child) => child.matches("[data-row]"));
  }

  function nextIndex(container) {
    const indices = rowsOf(container).map((row) => Number(row.dataset.index));
    return indices.length ? Math.max(...indices) + 1 : 0;
  }

  // Row numbers in legends and labels follow the rows' order after one is removed.
  function renumber(container) {
    rowsOf(container).forEach((row, position) => {
      const number = String(position + 1);
      if (row.dataset.label) row.setAttribute("aria-label", row.dataset.label.replace("__n__", number));
      row.querySelectorAll("[data-number]").forEach((element) => {
        if (element.closest("[data-row]") === row) element.textContent = number;
      });
      row.querySelectorAll("button[data-remove][data-label]").forEach((button) => {
        if (button.closest("[data-row]") !== row) return;
        const label = button.dataset.label.replace("__n__", number);
        if (button.hasAttribute("aria-label")) button.setAttribute("aria-label", label);
        else button.textContent = label;
      });
    });
  }

  function firstControl(element) {
    return element && element.querySelector("input:not([type=hidden]), select, textarea");
  }

  function blank(kind, replacements) {
    const template = document.querySelector(`template[data-template="${kind}"]`);
    return renamed(template.content.cloneNode(true), replacements);
  }

  function add(kind, button) {
    let container;
    let replacements;
    let index;
    if (kind === "indicator") {
      const competency = button.closest("[data-row=competency]");
      const c = competency.dataset.index;
      container = competency.querySelector("[data-rows=indicator]");
      index = nextIndex(container);
      replacements = [
        ["competencies-0-indicators-0", `competencies-${c}-indicators-${index}`],
        ["remove-indicator-0-0", `remove-indicator-${c}-${index}`],
        ["#competency-0", `#competency-${c}`],
      ];
    } else {
      container = form.querySelector(`[data-rows=${kind}]`);
      index = nextIndex(container);
      const list = { skill: "skills", competency: "competencies", mapping: "mapping" }[kind];
      replacements = [
        [`${list}-0-`, `${list}-${index}-`],
        [`remove-${kind}-0`, `remove-${kind}-${index}`],
      ];
      if (kind === "competency") {
        replacements.push(["competency-0", `competency-${index}`], ["-indicator-0", `-indicator-${index}`]);
      }
    }
    const fragment = blank(kind, replacements);
    const row = fragment.querySelector("[data-row]");
    row.dataset.index = String(index);
    if (kind === "mapping") {
      // A new mapping row takes the kind of the row above it, as the server's does.
      const rows = rowsOf(container);
      const above = rows.length && rows[rows.length - 1].querySelector("select");
      if (above) {
        row.querySelector("select").value = above.value;
        refreshSources(row.querySelector("select"));
      }
    }
    container.appendChild(fragment);
    renumber(container);
    firstControl(row).focus();
  }

  function remove(button) {
    const row = button.closest("[data-row]");
    const container = row.parentElement;
    const rows = rowsOf(container);
    const at = rows.indexOf(row);
    const next = rows[at + 1] || rows[at - 1];
    row.remove();
    renumber(container);
    refreshCompetencies();
    refreshTotal();
    const focus = firstControl(next) || container.parentElement.querySelector("[data-add]");
    if (focus) focus.focus();
  }

  form.addEventListener("click", (event) => {
    const button = event.target.closest("button[data-add], button[data-remove]");
    if (!button) return;
    event.preventDefault();
    if (button.dataset.add) add(button.dataset.add, button);
    else remove(button);
  });

  // The weights' total, as the server shows it after a reload.
  const total = form.querySelector("[data-weight-total]");
  function refreshTotal() {
    if (!total) return;
    let sum = 0;
    let known = true;
    form.querySelectorAll("[data-weight]").forEach((input) => {
      const text = input.value.replace(/[,，\s]/g, "");
      if (!text) return;
      const value = Number(text);
      if (Number.isFinite(value)) sum += value;
      else known = false;
    });
    sum = Math.round(sum * 10000) / 10000;
    const ok = known && sum === 100;
    const pattern = !known ? total.dataset.unknown : ok ? total.dataset.ok : total.dataset.off;
    total.textContent = pattern.replace("__total__", String(sum));
    total.classList.toggle("is-ok", ok);
    total.classList.toggle("is-off", !ok);
  }

  // The competency ids the mapping's rows may name: the ones in the form right now.
  const ids = form.querySelector("[data-competency-ids]");
  function refreshCompetencies() {
    if (!ids) return;
    const values = [...form.querySelectorAll("[data-competency-id]")]
      .map((input) => input.value.trim())
      .filter((value, at, all) => value && all.indexOf(value) === at);
    ids.replaceChildren(
      ...values.map((value) => {
        const option = document.createElement("option");
        option.value = value;
        return option;
      }),
    );
  }

  // Only the fields for the chosen approver and onboarding are shown.
  function refreshChoices() {
    form.querySelectorAll("[data-shows]").forEach((select) => {
      const key = select.dataset.shows;
      form.querySelectorAll(`[data-when-${key}]`).forEach((element) => {
        element.hidden = element.getAttribute(`data-when-${key}`) !== select.value;
      });
    });
  }

  form.addEventListener("input", (event) => {
    if (event.target.matches("[data-weight]")) refreshTotal();
    if (event.target.matches("[data-competency-id]")) refreshCompetencies();
  });
  // A mapping row offers the ids of the kind it names.
  function refreshSources(select) {
    const source = select.closest("[data-row=mapping]").querySelector("input[list^=sources-]");
    if (source) source.setAttribute("list", `sources-${select.value}`);
  }

  form.addEventListener("change", (event) => {
    if (event.target.matches("[data-shows]")) refreshChoices();
    if (event.target.matches("[data-row=mapping] select")) refreshSources(event.target);
  });
  refreshChoices();
})();
