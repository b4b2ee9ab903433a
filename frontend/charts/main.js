// The result page's charts: each [data-chart] box names a JSON data block (written by
// _artifacts.html) and holds a canvas, which Chart.js draws into. Without this script the table
// beside each chart still holds the same data.
import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
} from "chart.js";

Chart.register(
  BarController, BarElement, CategoryScale, LinearScale, LineController, LineElement, PointElement,
  Legend, Tooltip,
);

// The learner's own run is a solid line, the reference a dashed one, others dotted or dash-dotted:
// told apart without colour (and in the legend, which draws the same dash). A second series of the
// same role (your mean, your std) takes the role's next colour. Every colour is at least 3:1
// against white.
const LEARNER = { colors: ["#1d4ed8", "#0f766e", "#6d28d9"], dash: [], width: 2.5, point: "circle" };
const REFERENCE = { colors: ["#b45309", "#9f1239", "#4d7c0f"], dash: [8, 5], width: 2, point: "triangle" };
const OTHERS = [
  { colors: ["#047857"], dash: [2, 3], width: 2, point: "rect" },
  { colors: ["#7c3aed"], dash: [10, 3, 2, 3], width: 2, point: "rectRot" },
  { colors: ["#be123c"], dash: [4, 2], width: 2, point: "crossRot" },
  { colors: ["#374151"], dash: [1, 4], width: 2, point: "star" },
];
const INK = "#1d2430";

function styles(series) {
  const seen = { learner: 0, reference: 0, other: 0 };
  return series.map((s) => {
    const role = s.role in seen ? s.role : "other";
    const n = seen[role]++;
    if (role === "other") {
      const style = OTHERS[n % OTHERS.length];
      return { ...style, color: style.colors[0] };
    }
    const style = role === "learner" ? LEARNER : REFERENCE;
    return { ...style, color: style.colors[n % style.colors.length] };
  });
}

// Bars of the reference are hatched, so they differ from the learner's solid bars in shape too.
function hatched(color) {
  const tile = document.createElement("canvas");
  tile.width = tile.height = 8;
  const ctx = tile.getContext("2d");
  ctx.fillStyle = "#ffffff";
  ctx.fillRect(0, 0, 8, 8);
  ctx.strokeStyle = color;
  ctx.lineWidth = 2;
  ctx.beginPath();
  ctx.moveTo(0, 8);
  ctx.lineTo(8, 0);
  ctx.moveTo(-2, 2);
  ctx.lineTo(2, -2);
  ctx.moveTo(6, 10);
  ctx.lineTo(10, 6);
  ctx.stroke();
  return ctx.createPattern(tile, "repeat");
}

function lineDatasets(data) {
  const looks = styles(data.series);
  return data.series.map((s, i) => {
    const style = looks[i];
    const few = s.points.length <= 60;
    return {
      label: s.name,
      data: s.points.map(([x, y]) => ({ x, y })),
      borderColor: style.color,
      backgroundColor: style.color,
      borderDash: style.dash,
      borderWidth: style.width,
      pointStyle: style.point,
      pointRadius: few ? 3.5 : 0,
      pointHoverRadius: 5,
      spanGaps: false, // a missing value is a gap, not a straight line across it
      // The reference's dashes lie over the learner's solid line (a lower order draws later), so
      // where the two coincide, as for a correct loop, both stay visible.
      order: s.role === "reference" ? 0 : 1,
    };
  });
}

function barLabels(data) {
  const xs = new Set();
  data.series.forEach((s) => s.points.forEach(([x]) => xs.add(x)));
  return [...xs].sort((a, b) => a - b);
}

function barDatasets(data, xs) {
  const looks = styles(data.series);
  return data.series.map((s, i) => {
    const style = looks[i];
    const values = new Map(s.points);
    return {
      label: s.name,
      data: xs.map((x) => (values.has(x) ? values.get(x) : null)),
      borderColor: style.color,
      borderWidth: 1.5,
      backgroundColor: s.role === "reference" ? hatched(style.color) : style.color,
    };
  });
}

// Markers ("stopped here") are vertical dotted lines with their label beside them; labels that
// would meet are stacked.
const markerPlugin = {
  id: "kadaiMarkers",
  afterDatasetsDraw(chart, _args, options) {
    const markers = options.markers || [];
    if (!markers.length) return;
    const { ctx, chartArea } = chart;
    const scale = chart.scales.x;
    ctx.save();
    ctx.font = "12px system-ui, 'Noto Sans CJK JP', sans-serif";
    ctx.textBaseline = "top";
    markers.forEach((marker, i) => {
      const position = options.categories
        ? options.categories.indexOf(marker.x)
        : marker.x;
      if (options.categories && position < 0) return;
      const px = scale.getPixelForValue(position);
      if (!Number.isFinite(px) || px < chartArea.left - 1 || px > chartArea.right + 1) return;
      ctx.strokeStyle = INK;
      ctx.lineWidth = 1.5;
      ctx.setLineDash([2, 3]);
      ctx.beginPath();
      ctx.moveTo(px, chartArea.top);
      ctx.lineTo(px, chartArea.bottom);
      ctx.stroke();
      const text = `▼ ${marker.label}`;
      const width = ctx.measureText(text).width;
      const right = px + 4 + width <= chartArea.right;
      const x = right ? px + 4 : px - 4 - width;
      const y = chartArea.top + 4 + (i % 4) * 16;
      ctx.fillStyle = "rgba(255, 255, 255, 0.85)";
      ctx.fillRect(x - 2, y - 1, width + 4, 15);
      ctx.fillStyle = INK;
      ctx.fillText(text, x, y);
    });
    ctx.restore();
  },
};

function wholeXs(data) {
  return data.series.every((s) => s.points.every(([x]) => Number.isInteger(x)));
}

function config(data) {
  const bar = data.kind === "bar";
  const categories = bar ? barLabels(data) : null;
  const axis = (text) => ({ display: Boolean(text), text, color: INK });
  return {
    type: bar ? "bar" : "line",
    data: bar
      ? { labels: categories.map((x) => x.toLocaleString(data.lang)), datasets: barDatasets(data, categories) }
      : { datasets: lineDatasets(data) },
    options: {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      locale: data.lang,
      interaction: { mode: "nearest", intersect: false },
      scales: {
        x: bar
          ? { type: "category", title: axis(data.x_label), ticks: { color: INK } }
          : {
              type: "linear",
              title: axis(data.x_label),
              // Iterations and epochs are whole numbers: no ticks at 1.2, 1.4, ...
              ticks: { color: INK, precision: wholeXs(data) ? 0 : undefined },
            },
        y: { type: "linear", title: axis(data.y_label), ticks: { color: INK } },
      },
      plugins: {
        legend: {
          labels: {
            color: INK,
            usePointStyle: !bar,
            pointStyle: "line",
            pointStyleWidth: 36,
            sort: (a, b) => a.datasetIndex - b.datasetIndex, // as the grader listed them
            // With point styles Chart.js takes the legend's dash from the points (none): give each
            // entry its line's dash, so the legend tells the series apart without colour too.
            generateLabels(chart) {
              const items = Chart.defaults.plugins.legend.labels.generateLabels(chart);
              return items.map((item) => ({
                ...item,
                lineDash: chart.data.datasets[item.datasetIndex]?.borderDash || [],
                lineWidth: bar ? item.lineWidth : 2.5,
              }));
            },
          },
        },
        kadaiMarkers: { markers: data.markers, categories },
      },
    },
    plugins: [markerPlugin],
  };
}

function draw(box) {
  const block = document.getElementById(box.dataset.chart);
  const canvas = box.querySelector("canvas");
  if (!block || !canvas) return;
  let data;
  try {
    data = JSON.parse(block.textContent);
  } catch {
    return; // the table beside it still shows the data
  }
  box.hidden = false;
  new Chart(canvas, config(data));
}

document.querySelectorAll("[data-chart]").forEach(draw);
