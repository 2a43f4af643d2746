/* Draws the charts of the job and ballot pages with Plotly from the JSON the page carries
   (<script type="application/json" id=...>, named by each chart's data-chart attribute).
   No inline script: the pages' Content-Security-Policy allows only our own files. */
"use strict";

(function () {
  const INK = "#1b1f24";
  const BAR = "#1f5f8b";
  const FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "Liberation Sans", sans-serif';

  /* one colour per series, told apart without colour vision too (Okabe and Ito's palette) */
  const COLOURS = [BAR, "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#f0e442", "#000000"];

  function figure(spec) {
    const across = spec.orientation === "v";
    const grouped = spec.series.length > 1;
    const data = spec.series.map(function (series, index) {
      const named = series.name ? series.name + ": " : "";
      return {
        type: "bar",
        name: series.name,
        orientation: spec.orientation,
        x: across ? spec.labels : series.values,
        y: across ? series.values : spec.labels,
        marker: { color: COLOURS[index % COLOURS.length] },
        hovertemplate: named + (across ? "%{x}: %{y:,.4~g} " : "%{y}: %{x:,.4~g} ") + spec.unit + "<extra></extra>",
      };
    });
    const numbers = { automargin: true, zeroline: true, zerolinecolor: INK, gridcolor: "#e1e4e8" };
    if (spec.unit.charAt(0) === "%") {
      numbers.ticksuffix = "%";
    }
    if (spec.unit !== "%") {
      numbers.title = { text: spec.unit };
    }
    if (spec.upto !== null) {
      numbers.range = [0, spec.upto];
    }
    const names = { automargin: true, type: "category" };
    if (!across) {
      names.autorange = "reversed"; /* the largest on top */
    }
    const rows = spec.labels.length * (grouped && !across ? spec.series.length : 1);
    const layout = {
      font: { family: FONT, color: INK, size: 13 },
      margin: { t: 10, r: 20, b: 10, l: 10 },
      height: (across ? 300 : Math.max(220, 60 + 24 * rows)) + (grouped ? 40 : 0),
      paper_bgcolor: "rgba(0,0,0,0)",
      plot_bgcolor: "rgba(0,0,0,0)",
      xaxis: across ? names : numbers,
      yaxis: across ? numbers : names,
      bargap: 0.25,
      barmode: "group",
      showlegend: grouped,
      legend: { orientation: "h", x: 0, y: 1.02, yanchor: "bottom" },
    };
    return { data: data, layout: layout };
  }

  /* a target's course (app.operations.course): the plan cumulated, what was made, and the
     forecast to the end with its interval as a band */
  function course(spec) {
    const line = function (name, values, style) {
      return Object.assign({ type: "scatter", mode: "lines", name: name, x: spec.labels, y: values,
                             connectgaps: true,
                             hovertemplate: name + ", %{x}: %{y:,.4~g} " + spec.unit + "<extra></extra>" }, style);
    };
    const data = [
      line("interval, low", spec.low, { line: { width: 0 }, showlegend: false, hoverinfo: "skip" }),
      line("90% interval", spec.high, { line: { width: 0 }, fill: "tonexty", fillcolor: "rgba(230,159,0,0.25)" }),
      line("planned", spec.planned, { line: { color: INK, dash: "dot", width: 2 } }),
      line("made", spec.made, { line: { color: BAR, width: 3 }, connectgaps: false }),
      line("forecast", spec.forecast, { line: { color: COLOURS[1], dash: "dash", width: 2 } }),
    ];
    const layout = {
      font: { family: FONT, color: INK, size: 13 },
      margin: { t: 10, r: 20, b: 10, l: 10 },
      height: 320,
      paper_bgcolor: "rgba(0,0,0,0)",
      plot_bgcolor: "rgba(0,0,0,0)",
      xaxis: { automargin: true, type: "category", title: { text: "Period" } },
      yaxis: { automargin: true, rangemode: "tozero", gridcolor: "#e1e4e8", title: { text: spec.unit } },
      showlegend: true,
      legend: { orientation: "h", x: 0, y: 1.02, yanchor: "bottom" },
    };
    return { data: data, layout: layout };
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
      const spec = JSON.parse(source.textContent);
      const made = spec.kind === "course" ? course(spec) : figure(spec);
      box.dataset.drawn = "yes";
      Plotly.newPlot(box, made.data, made.layout, { displaylogo: false, responsive: true });
    });
  }

  document.addEventListener("DOMContentLoaded", function () { draw(document); });
  /* results swapped in by htmx when a watched job ends */
  document.addEventListener("htmx:load", function (event) { draw(event.target.parentElement || document); });
}());
