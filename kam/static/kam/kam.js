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
