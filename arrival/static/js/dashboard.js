// Trend charts of the dashboard (Chart.js from the lock file). The same figures
// are in the tables under each chart, which is what screen readers use.
(function () {
  "use strict";
  var source = document.getElementById("dashboard-data");
  if (!source || !window.Chart) { return; }
  var data = JSON.parse(source.textContent);
  var series = [
    { key: "arrivals", color: "#0b5cad" },
    { key: "departures", color: "#a4161a" },
    { key: "present", color: "#125c2b" },
    { key: "free_beds", color: "#6b4a00" }
  ];
  ["trend_14", "trend_60"].forEach(function (name) {
    var canvas = document.getElementById("chart-" + name);
    if (!canvas) { return; }
    var rows = data[name];
    new window.Chart(canvas, {
      type: "line",
      data: {
        // German day labels ("18.11."), not the ISO month-day "11-18".
        labels: rows.map(function (row) {
          var parts = row.date.split("-");
          return parts[2] + "." + parts[1] + ".";
        }),
        datasets: series.map(function (s) {
          return { label: data.labels[s.key], borderColor: s.color, backgroundColor: s.color,
                   data: rows.map(function (row) { return row[s.key]; }), tension: 0.2,
                   pointRadius: rows.length > 20 ? 0 : 3 };
        })
      },
      options: { responsive: true, maintainAspectRatio: false, animation: false,
                 interaction: { mode: "index", intersect: false },
                 scales: { y: { beginAtZero: true } } }
    });
  });
})();
