/* The insights charts: each <canvas data-chart="ID"> is drawn from the JSON in
   <script type="application/json" id="ID"> (made by Django's json_script). The charts are a
   picture for sighted readers; the same figures are in the table next to each chart. Counts
   under 5 arrive as null and are left out (a gap), never drawn exactly. */
(function () {
  "use strict";

  var COLOURS = ["#1f5fa8", "#c2410c", "#15803d", "#7e22ce", "#a16207", "#0e7490", "#be123c", "#4d7c0f"];
  var MARK = "rgba(120, 120, 120, 0.25)";
  var BAND = "#6b7280";

  function colour(index) {
    return COLOURS[index % COLOURS.length];
  }

  function dataset(series, index, spec) {
    if (series.marks) {
      return {
        type: "bar",
        label: series.label,
        data: series.data,
        yAxisID: "marks",
        backgroundColor: MARK,
        borderWidth: 0,
        barPercentage: 1,
        categoryPercentage: 1,
        order: 99
      };
    }
    if (series.band) {
      // The edges of an interval: thin grey dashes around the line they belong to.
      return {
        type: "line",
        label: series.label,
        data: series.data,
        borderColor: BAND,
        backgroundColor: BAND,
        borderDash: [5, 4],
        borderWidth: 1.5,
        pointRadius: 0,
        spanGaps: false
      };
    }
    var c = colour(index);
    return {
      type: spec.kind,
      label: series.label,
      data: series.data,
      borderColor: c,
      backgroundColor: spec.kind === "bar" ? c : c,
      pointRadius: spec.kind === "line" ? 2 : undefined,
      spanGaps: false,
      tension: 0.2
    };
  }

  function draw(canvas) {
    var source = document.getElementById(canvas.dataset.chart);
    if (!source || typeof Chart === "undefined") {
      return;
    }
    var spec = JSON.parse(source.textContent);
    var datasets = spec.series.map(function (series, index) {
      return dataset(series, index, spec);
    });
    var hasMarks = spec.series.some(function (series) { return series.marks; });
    var scales = {
      x: { stacked: spec.stacked, ticks: { autoSkip: true, maxRotation: 0 } },
      y: {
        stacked: spec.stacked,
        beginAtZero: true,
        suggestedMax: spec.percent ? 100 : undefined,
        max: spec.y_max || undefined,
        ticks: spec.percent ? { callback: function (value) { return value + "%"; } } : {}
      }
    };
    if (hasMarks) {
      scales.marks = { display: false, min: 0, max: 1, stacked: false };
    }
    canvas.parentElement.style.position = "relative";
    new Chart(canvas, {
      type: spec.kind,
      data: { labels: spec.labels, datasets: datasets },
      options: {
        responsive: true,
        aspectRatio: 2.6,
        animation: false,
        interaction: { mode: "index", intersect: false },
        plugins: {
          legend: { position: "bottom" },
          tooltip: { filter: function (item) { return item.dataset.yAxisID !== "marks"; } }
        },
        scales: scales
      }
    });
  }

  function start() {
    document.querySelectorAll("canvas[data-chart]").forEach(draw);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
