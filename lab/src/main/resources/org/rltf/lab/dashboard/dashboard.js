// The rltf dashboard: polls /api/data (DashboardData.json) and draws it with Chart.js, served from this jar.
'use strict';

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#17becf'];
const charts = {};

function points(xs, ys) {
  const out = [];
  for (let i = 0; i < xs.length; i++) if (ys[i] !== null && ys[i] !== undefined) out.push({x: xs[i], y: ys[i]});
  return out;
}

function series(label, data, i, extra) {
  return Object.assign({label, data, borderColor: COLORS[i % COLORS.length],
    backgroundColor: COLORS[i % COLORS.length] + '33', pointRadius: 2, borderWidth: 1.5, tension: 0.15}, extra || {});
}

function axes(xTitle, yTitle, y2Title, stacked, share) {
  const scales = {
    x: {type: 'linear', title: {display: true, text: xTitle}},
    y: {title: {display: true, text: yTitle}, stacked: !!stacked},
  };
  if (stacked || share) { scales.y.min = 0; scales.y.max = 1; }
  if (y2Title) scales.y2 = {position: 'right', title: {display: true, text: y2Title}, grid: {drawOnChartArea: false}};
  return scales;
}

function draw(id, datasets, scales) {
  if (!charts[id]) {
    charts[id] = new Chart(document.getElementById(id), {
      type: 'line', data: {datasets},
      options: {animation: false, responsive: true, maintainAspectRatio: false, parsing: true, scales,
        plugins: {legend: {labels: {boxWidth: 12, font: {size: 11}}}}},
    });
  } else {
    charts[id].data.datasets = datasets;
    charts[id].update('none');
  }
}

function render(d) {
  document.getElementById('run').textContent = d.run;
  const s = d.steps, v = d.versions, f = d.feedback, r = d.rates;

  draw('heldout', [
    series('held-out pass@1', points(v.version, v.heldout_pass_at_1), 0),
    series('greedy pass@1', points(v.version, v.greedy_pass_at_1), 1, {borderDash: [4, 3]}),
  ], axes('policy version', 'pass@1', null, false, true));

  draw('versions', [
    series('pass rate', points(v.version, v.pass_rate), 2),
    series('mean reward', points(v.version, v.mean_reward), 3, {yAxisID: 'y2'}),
  ], axes('policy version', 'pass rate', 'mean reward R(W)', false, true));

  draw('outcomes', Object.keys(f.outcome_shares).map((o, i) =>
    series(o, points(f.events, f.outcome_shares[o]), i, {fill: i === 0 ? 'origin' : '-1', pointRadius: 0, tension: 0})),
    axes('feedback events', 'share', null, true));

  draw('errors', Object.keys(f.error_class_shares).map((c, i) =>
    series(c, points(f.events, f.error_class_shares[c]), i, {fill: i === 0 ? 'origin' : '-1', pointRadius: 0, tension: 0})),
    axes('feedback events', 'share of errors', null, true));

  draw('losses', [
    series('loss', points(s.step, s.loss), 0),
    series('loss_rl', points(s.step, s.loss_rl), 1),
    series('loss_sl', points(s.step, s.loss_sl), 2),
  ], axes('step', 'loss'));

  draw('optimizer', [
    series('grad norm', points(s.step, s.grad_norm), 4),
    series('lr', points(s.step, s.lr), 5, {yAxisID: 'y2'}),
  ], axes('step', 'gradient norm (before clipping)', 'learning rate'));

  draw('buffer', [
    series('buffer size', points(v.step, v.buffer_size), 6),
    series('policy lag', points(s.step, s.policy_lag), 7, {yAxisID: 'y2'}),
  ], axes('step', 'experiences in the buffer', 'mean policy lag (versions)'));

  draw('throughput', [
    series('samples/s', points(r.seconds, r.samples_per_s), 0, {pointRadius: 0}),
    series('feedback/s', points(r.seconds, r.feedback_per_s), 1, {pointRadius: 0}),
  ], axes('seconds since the dashboard started', 'events/s'));

  draw('latency', [series('mean grading ms', points(f.events, f.mean_grade_ms), 8)],
    axes('feedback events', 'ms per program'));

  // For people and for the browser test: how many charts hold how many points.
  const ids = Object.keys(charts);
  let total = 0, withData = 0;
  for (const id of ids) {
    const n = charts[id].data.datasets.reduce((a, ds) => a + ds.data.length, 0);
    total += n;
    if (n > 0) withData++;
  }
  const st = document.getElementById('status');
  st.dataset.charts = String(ids.length);
  st.dataset.chartsWithData = String(withData);
  st.dataset.points = String(total);
  st.dataset.steps = String(d.counts.steps);
  st.textContent = `${d.counts.steps} steps, ${d.counts.samples} samples, ${d.counts.feedback} feedback, ` +
    `${d.counts.evaluations} evaluations; ${withData} of ${ids.length} charts with data (${total} points); ` +
    `updated ${new Date().toLocaleTimeString()}`;
}

async function refresh() {
  try {
    const response = await fetch('/api/data', {cache: 'no-store'});
    render(await response.json());
  } catch (e) {
    document.getElementById('status').textContent = 'cannot reach the dashboard server: ' + e;
  }
}

refresh();
setInterval(refresh, 2000);
