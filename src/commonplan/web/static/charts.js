/* Draws the job page's charts with Plotly from the JSON the page carries
   (<script type="application/json" id=...>, named by each chart's data-chart attribute).
   No inline script: the pages' Content-Security-Policy allows only our own files. */
"use strict";

(function () {
  const INK = "#1b1f24";
  const BAR = "#1f5f8b";
  const FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "Liberation Sans", sans-serif';

  function figure(spec) {
    const across = spec.orientation === "v";
    const bar = {
      type: "bar",
      orientation: spec.orientation,
      x: across ? spec.labels : spec.values,
      y: across ? spec.values : spec.labels,
      marker: { color: BAR },
      hovertemplate: (across ? "%{x}: %{y:.4~g} " : "%{y}: %{x:.4~g} ") + spec.unit + "<extra></extra>",
    };
    const numbers = { automargin: true, zeroline: true, zerolinecolor: INK, gridcolor: "#e1e4e8" };
    if (spec.unit === "%") {
      numbers.ticksuffix = "%";
    } else {
      numbers.title = { text: spec.unit };
    }
    if (spec.upto !== null) {
      numbers.range = [0, spec.upto];
    }
    const names = { automargin: true, type: "category" };
    if (!across) {
      names.autorange = "reversed"; /* the largest on top */
    }
    const layout = {
      font: { family: FONT, color: INK, size: 13 },
      margin: { t: 10, r: 20, b: 10, l: 10 },
      height: across ? 300 : Math.max(220, 60 + 24 * spec.labels.length),
      paper_bgcolor: "rgba(0,0,0,0)",
      plot_bgcolor: "rgba(0,0,0,0)",
      xaxis: across ? names : numbers,
      yaxis: across ? numbers : names,
      bargap: 0.25,
    };
    return { data: [bar], layout: layout };
  }

  function draw(root) {
    if (typeof Plotly === "undefined") {
      return;
    }
    const boxes = root.querySelectorAll ? root.querySelectorAll("[data-chart]") : [];
    boxes.forEach(function (box) {
      if (box.dataset.drawn) {
        return;
      }
      const source = document.getElementById(box.dataset.chart);
      if (!source) {
        return;
      }
      const made = figure(JSON.parse(source.textContent));
      box.dataset.drawn = "yes";
      Plotly.newPlot(box, made.data, made.layout, { displaylogo: false, responsive: true });
    });
  }

  document.addEventListener("DOMContentLoaded", function () { draw(document); });
  /* results swapped in by htmx when a watched job ends */
  document.addEventListener("htmx:load", function (event) { draw(event.target.parentElement || document); });
}());
