// 汇总: draw each [data-chart] element with the ECharts option the server put in #dashboard-charts.
(function () {
  "use strict";
  var source = document.getElementById("dashboard-charts");
  if (!source || typeof echarts === "undefined") {
    return; // no charts: the tables below each chart still show the figures
  }
  var options = JSON.parse(source.textContent);
  var drawn = [];
  document.querySelectorAll("[data-chart]").forEach(function (el) {
    var option = options[el.getAttribute("data-chart")];
    if (!option) {
      return;
    }
    var chart = echarts.init(el, null, { renderer: "canvas" });
    chart.setOption(option);
    drawn.push(chart);
  });
  document.body.setAttribute("data-charts-drawn", String(drawn.length));
  window.addEventListener("resize", function () {
    drawn.forEach(function (chart) { chart.resize(); });
  });
})();
