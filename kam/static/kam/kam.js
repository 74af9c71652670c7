// kam's own script: draws Vega-Lite charts and keeps the language switch on the current page.
// Loaded as a module after the offline vega bundle (when a page has charts) and htmx.

function drawCharts(root) {
  if (typeof window.vegaEmbed !== "function") return;
  // `root` itself may be a chart (htmx swapped it in), or contain some.
  const charts = [];
  if (root.matches && root.matches("[data-vega-spec]")) charts.push(root);
  if (root.querySelectorAll) charts.push(...root.querySelectorAll("[data-vega-spec]"));
  for (const el of charts) {
    if (el.dataset.vegaDrawn) continue;
    const source = document.getElementById(el.dataset.vegaSpec);
    if (!source) continue;
    el.dataset.vegaDrawn = "pending";
    const spec = JSON.parse(source.textContent);
    const options = (spec.usermeta && spec.usermeta.embedOptions) || {};
    window.vegaEmbed(el, spec, options).then(
      () => { el.dataset.vegaDrawn = "done"; },
      (error) => {
        el.dataset.vegaDrawn = "failed";
        console.error("kam: chart failed", error);
      },
    );
  }
}

drawCharts(document);
// htmx fires htmx:load on every piece of content it swaps in.
document.addEventListener("htmx:load", (event) => drawCharts(event.target));

// After htmx pushed a new URL (filters, sorting, pages), the language switch must come back
// to that URL, not the one the page was first served with.
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (form.classList && form.classList.contains("lang-switch") && form.elements.next) {
    form.elements.next.value = window.location.pathname + window.location.search;
  }
});

// -- scorecard editor ------------------------------------------------------------------
// The server checks everything (the live preview shows its problems next to the fields);
// these only make the form pleasant: which inputs a normalisation needs, a running sum of
// the weights, and new rows from the formset's empty form.

function editorRows(form) {
  return form.querySelectorAll("fieldset.criterion");
}

function criterionRemoved(row) {
  const box = row.querySelector('input[type="checkbox"][name$="-DELETE"]');
  return Boolean(box && box.checked);
}

function updateWeightSum(form) {
  const out = document.getElementById("weight-sum");
  if (!out) return;
  let total = 0;
  for (const row of editorRows(form)) {
    const feature = row.querySelector('select[name$="-feature"]');
    const weight = row.querySelector('input[name$="-weight"]');
    if (!feature || !feature.value || !weight || criterionRemoved(row)) continue;
    const value = parseFloat(weight.value.replace(",", "."));
    if (!Number.isNaN(value)) total += value;
  }
  // One decimal, in the page's language: the same text as the server's sum.
  out.textContent = total.toLocaleString(document.documentElement.lang || undefined, {
    minimumFractionDigits: 1,
    maximumFractionDigits: 1,
    useGrouping: false,
  });
  out.classList.toggle("up", Math.abs(total - 100) < 1e-6);
  out.classList.toggle("down", Math.abs(total - 100) >= 1e-6);
}

function syncRow(row) {
  const normalisation = row.querySelector('select[name$="-normalisation"]');
  if (normalisation && row.classList.contains("criterion")) {
    row.dataset.normalisation = normalisation.value;
  }
  row.classList.toggle("removed", criterionRemoved(row));
}

function numberCriteria(form) {
  let n = 0;
  for (const row of editorRows(form)) {
    n += 1;
    const label = row.querySelector(".criterion-number");
    if (label) label.textContent = String(n);
  }
}

function setUpEditor(form) {
  for (const row of form.querySelectorAll("fieldset.criterion, .rule-row")) syncRow(row);
  numberCriteria(form);
  updateWeightSum(form);
  form.addEventListener("input", (event) => {
    const row = event.target.closest("fieldset.criterion, .rule-row");
    if (row) syncRow(row);
    updateWeightSum(form);
  });
  form.addEventListener("change", (event) => {
    const row = event.target.closest("fieldset.criterion, .rule-row");
    if (row) syncRow(row);
    updateWeightSum(form);
  });
  for (const button of form.querySelectorAll("[data-add-row]")) {
    button.addEventListener("click", () => {
      const prefix = button.dataset.addRow;
      const total = form.querySelector(`input[name="${prefix}-TOTAL_FORMS"]`);
      const template = document.getElementById(button.dataset.template);
      const rows = document.getElementById(button.dataset.rows);
      if (!total || !template || !rows) return;
      const index = parseInt(total.value, 10);
      const html = template.innerHTML.replaceAll("__prefix__", String(index));
      rows.insertAdjacentHTML("beforeend", html);
      total.value = String(index + 1);
      const added = rows.lastElementChild;
      if (added) {
        syncRow(added);
        const first = added.querySelector("select, input:not([type=hidden])");
        if (first) first.focus();
      }
      numberCriteria(form);
    });
  }
}

const scorecardEditor = document.getElementById("scorecard-editor");
if (scorecardEditor) setUpEditor(scorecardEditor);
