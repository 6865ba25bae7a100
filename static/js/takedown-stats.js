/* The time-to-removal trend on the takedown statistics page, drawn with the vendored
   Chart.js. The data comes from a <script type="application/json"> block (json_script):
   no inline script, so the CSP can allow only the node's own files. The table beside
   the canvas carries the same figures for screen readers and printing. */
(function () {
  "use strict";
  var source = document.getElementById("td-trend-data");
  var canvas = document.getElementById("td-trend");
  if (!source || !canvas || typeof Chart === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  // Colour and line shape both tell the countries apart.
  var colours = ["#0b5cad", "#b3261e", "#1e7b34", "#6b3fa0", "#8a5a00"];
  var dashes = [[], [6, 4], [2, 3], [10, 3, 2, 3], [1, 1]];
  var points = ["circle", "rect", "triangle", "rectRot", "star"];
  var datasets = data.datasets.map(function (d, i) {
    return {
      label: d.label,
      data: d.data,
      borderColor: colours[i % colours.length],
      backgroundColor: colours[i % colours.length],
      borderDash: dashes[i % dashes.length],
      pointStyle: points[i % points.length],
      pointRadius: 5,
      spanGaps: true
    };
  });
  new Chart(canvas, {
    type: "line",
    data: { labels: data.labels, datasets: datasets },
    options: {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      plugins: { legend: { labels: { usePointStyle: true } } },
      scales: {
        y: { beginAtZero: true, title: { display: true, text: data.y_title } },
        x: { title: { display: true, text: data.x_title } }
      }
    }
  });
  canvas.setAttribute("data-drawn", "1");
})();
