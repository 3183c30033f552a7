// Console script, part 4: requests, errors, tokens and latency over time from
// /audit/stats, drawn as small SVG charts built element by element, and the top
// models / callers / statuses.
export const CHARTS_JS = String.raw`
const MINUTE = 60e3;
const HOUR = 3600e3;

// The stats API leaves out empty buckets: lay every bucket of the window on a fixed grid
// so gaps show as gaps.
function timeSlots(buckets, from, to, step) {
  const start = Math.floor(from.getTime() / step) * step;
  const n = Math.min(5000, Math.max(1, Math.ceil((to.getTime() - start) / step)));
  const slots = Array.from({ length: n }, (_, i) => ({ t: start + i * step, b: null }));
  for (const b of buckets) {
    const slot = slots[Math.floor((Date.parse(b.key) - start) / step)];
    if (slot) slot.b = b;
  }
  return slots;
}

// 1, 2 or 5 times a power of ten, at least v: round numbers on the axis.
function niceMax(v) {
  if (!(v > 0)) return 1;
  const p = Math.pow(10, Math.floor(Math.log10(v)));
  for (const m of [1, 2, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}
function slotLabel(t, step) {
  const d = new Date(t);
  const hm = pad(d.getHours()) + ':' + pad(d.getMinutes());
  return step < HOUR ? hm : pad(d.getMonth() + 1) + '-' + pad(d.getDate()) + ' ' + hm;
}

// series: [{ label, cls, value(bucket), tip?(bucket), gaps? }]; kind 'bar' overlays the bars,
// each later series drawn over the one before (errors over calls), 'line' draws polylines.
// width: the drawing's width in CSS pixels, so its text stays at its CSS size.
function timeChart(title, width, slots, step, series, kind, unit) {
  const W = Math.round(width), H = 200, L = 56, R = 12, T = 12, B = 24;
  const pw = W - L - R, ph = H - T - B;
  const val = (s, slot) => (slot.b ? Number(s.value(slot.b)) || 0 : 0);
  const max = niceMax(Math.max(0, ...series.flatMap((s) => slots.map((slot) => val(s, slot)))));
  const y = (v) => T + ph - (v / max) * ph;
  const slotW = pw / slots.length;
  const fmt = unit === 'ms' ? fmtMs : fmtNum;
  const g = svg('svg', { viewBox: '0 0 ' + W + ' ' + H, class: 'chart', role: 'img', 'aria-label': title });
  for (const v of [0, max / 2, max]) {
    g.append(svg('line', { x1: L, x2: W - R, y1: y(v), y2: y(v), class: 'grid-line' }),
      svg('text', { x: L - 6, y: y(v) + 4, class: 'axis', 'text-anchor': 'end' }, fmt(v)));
  }
  const ticks = slots.length > 2 ? [0, Math.floor(slots.length / 2), slots.length - 1] : slots.map((_, i) => i);
  for (const i of ticks) {
    g.append(svg('text', { x: L + (i + 0.5) * slotW, y: H - 6, class: 'axis', 'text-anchor': i === 0 ? 'start' : i === slots.length - 1 ? 'end' : 'middle' }, slotLabel(slots[i].t, step)));
  }
  // A stacked part's tooltip shows its own number (tip), not the height it is drawn to.
  const tip = (slot) => slotLabel(slot.t, step) + ': ' + series.map((s) => s.label + ' ' + fmt(s.tip ? s.tip(slot.b) : val(s, slot))).join(', ');
  if (kind === 'bar') {
    const bw = Math.max(1, slotW * 0.8);
    slots.forEach((slot, i) => {
      if (!slot.b) return;
      const x = L + i * slotW + (slotW - bw) / 2;
      const bar = svg('g', { class: 'bar' }, svg('title', null, tip(slot)));
      for (const s of series) {
        const v = val(s, slot);
        if (v > 0) bar.append(svg('rect', { x, y: y(v), width: bw, height: Math.max(1, T + ph - y(v)), class: s.cls }));
      }
      g.append(bar);
    });
  } else {
    for (const s of series) {
      // With gaps, an empty bucket breaks the line: no calls is no latency, not 0 ms.
      let run = [];
      const flush = () => {
        if (run.length) g.append(svg('polyline', { points: run.join(' '), class: 'line ' + s.cls }));
        run = [];
      };
      slots.forEach((slot, i) => {
        if (s.gaps && !slot.b) return flush();
        run.push((L + (i + 0.5) * slotW).toFixed(1) + ',' + y(val(s, slot)).toFixed(1));
      });
      flush();
    }
    if (slots.length <= 90) {
      slots.forEach((slot, i) => {
        if (!slot.b) return;
        const dot = svg('g', { class: 'dots' }, svg('title', null, tip(slot)));
        for (const s of series) dot.append(svg('circle', { cx: L + (i + 0.5) * slotW, cy: y(val(s, slot)), r: 2.5, class: s.cls }));
        g.append(dot);
      });
    }
  }
  const legend = h('div', { class: 'legend' }, series.map((s) => h('span', null, h('i', { class: 'swatch ' + s.cls }), s.label)));
  return h('figure', { class: 'card chart-card' }, h('figcaption', null, title), g, legend);
}

function topTable(title, filterKey, result, unknownLabel) {
  const card = h('section', { class: 'card top-table', id: 'top-' + filterKey }, h('h2', null, title));
  if (result.status === 'rejected') { card.append(errorBox(result.reason)); return card; }
  const buckets = [...result.value.buckets].sort((a, b) => b.count - a.count).slice(0, 10);
  if (buckets.length === 0) { card.append(h('p', { class: 'muted' }, 'No calls.')); return card; }
  const link = (key) => {
    if (key === null || key === undefined || key === '') return h('span', { class: 'muted' }, unknownLabel);
    const f = new URLSearchParams(lastFilters);
    f.set(filterKey, String(key));
    return h('a', { href: '#/search?' + f.toString() }, String(key));
  };
  card.append(h('div', { class: 'scroll' }, h('table', { class: 'grid' },
    h('thead', null, h('tr', null, ['', 'Calls', 'Errors', 'Tokens', 'p50', 'p95', 'Blocked'].map((t) => h('th', null, t)))),
    h('tbody', null, buckets.map((b) => h('tr', null,
      h('td', { class: 'nowrap' }, link(b.key)),
      h('td', { class: 'num' }, fmtNum(b.count)),
      h('td', { class: 'num', title: '4xx ' + b.errors['4xx'] + ' · 5xx ' + b.errors['5xx'] }, fmtNum(b.errors['4xx'] + b.errors['5xx'])),
      h('td', { class: 'num' }, fmtNum(b.tokens.total)),
      h('td', { class: 'num' }, fmtMs(b.latencyMs.p50)),
      h('td', { class: 'num', title: 'p99 ' + fmtMs(b.latencyMs.p99) }, fmtMs(b.latencyMs.p95)),
      h('td', { class: 'num' }, fmtNum(b.decisions.block))))))));
  return card;
}

views.charts = async (view, _args, params) => {
  const f = filterParams(params);
  setFilters(f);
  put(view, filterForm(f, 'charts'));
  // Charts need a window; without one they show the last 24 hours.
  const cf = new URLSearchParams(f);
  const defaulted = !cf.get('range') && !cf.get('from');
  if (defaulted) cf.set('range', '24h');
  const w = timeWindow(cf);
  const to = w.to || new Date();
  const from = w.from;
  const step = to - from <= 6 * HOUR ? MINUTE : HOUR;
  const q = apiParams(cf);
  q.set('from', from.toISOString());
  q.set('to', to.toISOString());
  const stats = (groupBy) => {
    const p = new URLSearchParams(q);
    p.set('groupBy', groupBy);
    return api('audit/stats?' + p.toString());
  };
  const body = h('div', { id: 'charts' }, h('p', { class: 'muted' }, 'Loading…'));
  put(view, body);
  const [series, models, callers, statuses] = await Promise.allSettled(
    [step === MINUTE ? 'minute' : 'hour', 'model', 'caller', 'status'].map(stats));

  const head = h('p', { class: 'muted' }, fmtTime(from) + ' – ' + fmtTime(to) + ', per ' + (step === MINUTE ? 'minute' : 'hour') +
    (defaulted ? ' (no time range chosen: the last 24 h)' : ''));
  const parts = [head];
  if (series.status === 'rejected') parts.push(errorBox(series.reason));
  else {
    const buckets = series.value.buckets;
    const sum = (fn) => buckets.reduce((a, b) => a + (Number(fn(b)) || 0), 0);
    const calls = sum((b) => b.count);
    const errors = sum((b) => b.errors['4xx'] + b.errors['5xx']);
    const tile = (label, value) => h('div', { class: 'tile' }, h('div', { class: 'tile-value' }, value), h('div', { class: 'muted small' }, label));
    parts.push(h('div', { class: 'tiles' },
      tile('calls', fmtNum(calls)),
      tile('errors (4xx + 5xx)', fmtNum(errors) + (calls ? ' · ' + (100 * errors / calls).toFixed(1) + '%' : '')),
      tile('tokens', fmtNum(sum((b) => b.tokens.total))),
      tile('blocked', fmtNum(sum((b) => b.decisions.block))),
      tile('redacted', fmtNum(sum((b) => b.decisions.redact)))));
    const slots = timeSlots(buckets, from, to, step);
    // Calls get the full width; tokens and latency share a row on a wide screen (the
    // same breakpoint as the CSS). 34 = the card's padding and border.
    const full = Math.max(320, body.clientWidth) - 34;
    const half = matchMedia('(min-width: 900px)').matches ? (full + 34 - 14) / 2 - 34 : full;
    parts.push(h('div', { class: 'chart-grid' },
      timeChart('Calls and errors', full, slots, step, [
        { label: 'calls', cls: 'c-calls', value: (b) => b.count },
        { label: '4xx', cls: 'c-4xx', value: (b) => b.errors['4xx'] + b.errors['5xx'], tip: (b) => b.errors['4xx'] },
        { label: '5xx', cls: 'c-5xx', value: (b) => b.errors['5xx'] },
      ], 'bar'),
      timeChart('Tokens', half, slots, step, [
        { label: 'prompt', cls: 'c-prompt', value: (b) => b.tokens.prompt },
        { label: 'completion', cls: 'c-completion', value: (b) => b.tokens.completion },
      ], 'line'),
      timeChart('Latency', half, slots, step, [
        { label: 'p50', cls: 'c-p50', value: (b) => b.latencyMs.p50, gaps: true },
        { label: 'p95', cls: 'c-p95', value: (b) => b.latencyMs.p95, gaps: true },
      ], 'line', 'ms')));
  }
  parts.push(h('div', { class: 'cards top-tables' },
    topTable('Top models', 'model', models, '(none)'),
    topTable('Top callers', 'caller', callers, '(no x-caller)'),
    topTable('Statuses', 'status', statuses, '(none)')));
  body.replaceChildren(...parts);
};
`;
