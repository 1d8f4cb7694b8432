// Yuqing page behaviour: CSRF header for htmx, charts from data attributes (no inline scripts: CSP).
document.addEventListener("htmx:configRequest", (e) => {
  const token = document.body.dataset.csrf;
  if (token) e.detail.headers["X-CSRF-Token"] = token;
});

const SENTIMENT = { negative: ["负面", "#d9534f"], neutral: ["中性", "#8a9bb0"], positive: ["正面", "#3c9d5d"], unknown: ["未分析", "#c8ced6"] };

async function drawChart(el) {
  if (!window.echarts) return;
  const res = await fetch(el.dataset.src, { credentials: "same-origin" });
  if (!res.ok) return;
  const data = await res.json();
  const chart = echarts.init(el);
  if (el.dataset.chart === "daily") {
    chart.setOption({
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      grid: { left: 40, right: 20, top: 40, bottom: 30 },
      xAxis: { type: "category", data: data.labels.map((d) => d.slice(5)) },
      yAxis: { type: "value", minInterval: 1 },
      series: Object.entries(SENTIMENT).map(([k, [name, color]]) => ({
        name, type: "bar", stack: "n", data: data.series[k], itemStyle: { color },
      })),
    });
  } else {
    const spec = el.dataset.key ? data[el.dataset.key] : data;
    if (spec && spec.option) chart.setOption(spec.option);
  }
  window.addEventListener("resize", () => chart.resize());
}

function drawAll(root) {
  root.querySelectorAll("[data-chart]").forEach((el) => { if (!el.dataset.drawn) { el.dataset.drawn = "1"; drawChart(el); } });
}
window.addEventListener("load", () => drawAll(document));
document.addEventListener("htmx:afterSwap", (e) => drawAll(e.target));

// Phones: the menu collapses behind a toggle (CSS shows it when the body has .nav-open).
document.addEventListener("click", (e) => {
  const toggle = e.target.closest && e.target.closest(".menu-toggle");
  if (!toggle) return;
  const open = document.body.classList.toggle("nav-open");
  toggle.setAttribute("aria-expanded", open ? "true" : "false");
});
