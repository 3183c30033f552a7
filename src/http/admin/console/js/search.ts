// Console script, part 2: the filter form (shared with the charts), the result table with
// keyset paging, and the export download.
export const SEARCH_JS = String.raw`
const FILTERS = ['range', 'from', 'to', 'model', 'status', 'decision', 'caller', 'key', 'q'];
const PRESETS = { '15m': ['15 min', 15 * 60e3], '1h': ['1 h', 3600e3], '24h': ['24 h', 86400e3], '7d': ['7 d', 7 * 86400e3] };
const PAGE_SIZE = 50;

function filterParams(params) {
  const out = new URLSearchParams();
  for (const k of FILTERS) {
    const v = (params.get(k) || '').trim();
    if (v) out.set(k, v);
  }
  return out;
}

// A preset is relative: a shared "last hour" link means the last hour when it is opened.
function timeWindow(f) {
  const preset = PRESETS[f.get('range')];
  if (preset) return { from: new Date(Date.now() - preset[1]), to: null };
  const at = (k) => {
    const d = f.get(k) ? new Date(f.get(k)) : null;
    return d && !Number.isNaN(d.getTime()) ? d : null;
  };
  return { from: at('from'), to: at('to') };
}

// The audit API's query for the filters (range resolved to from/to; q only when given, so
// an empty text box never sends an unknown parameter).
function apiParams(f) {
  const out = new URLSearchParams();
  const w = timeWindow(f);
  if (w.from) out.set('from', w.from.toISOString());
  if (w.to) out.set('to', w.to.toISOString());
  for (const k of ['model', 'status', 'decision', 'caller', 'key', 'q']) if (f.get(k)) out.set(k, f.get(k));
  return out;
}

// Remembered so the detail view can link back and the tabs keep the same filters.
let lastFilters = new URLSearchParams();
function setFilters(f) {
  lastFilters = f;
  const qs = f.toString() ? '?' + f.toString() : '';
  nav.querySelector('[data-view=search]').setAttribute('href', '#/search' + qs);
  nav.querySelector('[data-view=charts]').setAttribute('href', '#/charts' + qs);
}

function toLocalInput(iso) {
  const d = new Date(iso);
  if (!iso || Number.isNaN(d.getTime())) return '';
  return d.getFullYear() + '-' + pad(d.getMonth() + 1) + '-' + pad(d.getDate()) + 'T' + pad(d.getHours()) + ':' + pad(d.getMinutes());
}
function fromLocalInput(v) {
  const d = v ? new Date(v) : null; // datetime-local values parse as local time
  return d && !Number.isNaN(d.getTime()) ? d.toISOString() : '';
}

function filterForm(f, target) {
  const field = (name, label, attrs) => {
    const input = h('input', Object.assign({ name, id: 'f-' + name, value: f.get(name) || '', autocomplete: 'off' }, attrs));
    return { input, el: h('div', { class: 'field' }, h('label', { for: 'f-' + name }, label), input) };
  };
  const from = field('from', 'From', { type: 'datetime-local', value: f.get('range') ? '' : toLocalInput(f.get('from')) });
  const to = field('to', 'To', { type: 'datetime-local', value: f.get('range') ? '' : toLocalInput(f.get('to')) });
  const model = field('model', 'Model', { placeholder: 'gpt-4o, gpt-4o-mini' });
  const status = field('status', 'Status', { placeholder: '429, 5xx', size: 8 });
  const caller = field('caller', 'Caller', { placeholder: 'x-caller' });
  const key = field('key', 'Key', { placeholder: 'fingerprint', size: 12 });
  const q = field('q', 'Text', { type: 'search', placeholder: 'in prompt or response', minlength: 3, maxlength: 200 });
  const decisionValue = f.get('decision') || '';
  const options = ['', 'allow', 'flag', 'redact', 'block'];
  if (!options.includes(decisionValue)) options.push(decisionValue); // a comma list from a shared link
  const decision = h('select', { name: 'decision', id: 'f-decision' },
    options.map((d) => h('option', { value: d, selected: d === decisionValue }, d || 'any')));
  let range = f.get('range') || '';

  const submit = () => {
    const out = new URLSearchParams();
    if (range) out.set('range', range);
    else {
      if (fromLocalInput(from.input.value)) out.set('from', fromLocalInput(from.input.value));
      if (fromLocalInput(to.input.value)) out.set('to', fromLocalInput(to.input.value));
    }
    for (const [k, el] of [['model', model.input], ['status', status.input], ['decision', decision], ['caller', caller.input], ['key', key.input], ['q', q.input]]) {
      if (el.value.trim()) out.set(k, el.value.trim());
    }
    go('#/' + target + (out.toString() ? '?' + out.toString() : ''));
  };
  // Typing a time replaces the preset.
  for (const t of [from.input, to.input]) t.addEventListener('change', () => { range = ''; });
  const presets = h('div', { class: 'presets', role: 'group', 'aria-label': 'Time range' },
    Object.entries(PRESETS).map(([k, [label]]) => h('button', {
      type: 'button', class: 'chip' + (range === k ? ' on' : ''), 'data-range': k,
      on: { click: () => { range = k; submit(); } },
    }, label)),
    h('button', { type: 'button', class: 'chip' + (!range && !f.get('from') && !f.get('to') ? ' on' : ''), 'data-range': '',
      on: { click: () => { range = ''; from.input.value = ''; to.input.value = ''; submit(); } } }, 'any time'));
  const form = h('form', { class: 'card filters', id: 'filters' },
    h('div', { class: 'row' }, from.el, to.el, h('div', { class: 'field' }, h('span', { class: 'label' }, 'Last'), presets)),
    h('div', { class: 'row' }, model.el, status.el,
      h('div', { class: 'field' }, h('label', { for: 'f-decision' }, 'Decision'), decision),
      caller.el, key.el, q.el,
      h('div', { class: 'field buttons' },
        h('button', { type: 'submit' }, target === 'charts' ? 'Show' : 'Search'),
        h('a', { href: '#/' + target, class: 'quiet' }, 'Reset'))));
  form.addEventListener('submit', (ev) => { ev.preventDefault(); submit(); });
  return form;
}

// Keyset paging: the cursors of the pages before this one, kept while the filters stay the
// same (so returning from a record shows the page it was opened from).
let paging = { key: null, stack: [], cursor: null };

views.search = async (view, _args, params) => {
  const f = filterParams(params);
  setFilters(f);
  put(view, filterForm(f, 'search'));
  const results = h('section', { class: 'card results' });
  put(view, results);
  if (paging.key !== f.toString()) paging = { key: f.toString(), stack: [], cursor: null };
  await showPage(results, f);
};

async function showPage(results, f) {
  const q = apiParams(f);
  q.set('limit', String(PAGE_SIZE));
  if (paging.cursor) q.set('cursor', paging.cursor);
  results.replaceChildren(h('p', { class: 'muted' }, 'Loading…'));
  let page;
  try {
    page = await api('audit/requests?' + q.toString());
  } catch (err) {
    results.replaceChildren(errorBox(err));
    return;
  }
  const pageNo = paging.stack.length + 1;
  const back = h('button', { type: 'button', class: 'quiet', id: 'page-back', disabled: paging.stack.length === 0, on: { click: () => {
    paging.cursor = paging.stack.pop() || null;
    showPage(results, f);
  } } }, '← Back');
  const next = h('button', { type: 'button', class: 'quiet', id: 'page-next', disabled: !page.nextCursor, on: { click: () => {
    paging.stack.push(paging.cursor);
    paging.cursor = page.nextCursor;
    showPage(results, f);
  } } }, 'Next page →');
  const exportMsg = h('span', { class: 'error small', role: 'alert', hidden: true });
  const exportButton = (format) => h('button', { type: 'button', class: 'quiet', id: 'export-' + format,
    on: { click: (ev) => exportFile(format, f, ev.currentTarget, exportMsg) } }, format.toUpperCase());
  const toolbar = h('div', { class: 'toolbar' },
    h('span', { class: 'muted' }, 'Page ' + pageNo + ' · ' + page.items.length + (page.nextCursor ? ' shown, more follow' : ' shown') + ' · newest first'),
    h('span', { class: 'spacer' }),
    h('span', { class: 'muted small' }, 'Export these filters:'), exportButton('ndjson'), exportButton('csv'), exportMsg,
    back, next);
  if (page.items.length === 0) {
    results.replaceChildren(toolbar, h('p', { class: 'empty' }, 'No records match these filters.'));
    return;
  }
  const rows = page.items.map((r) => {
    const href = '#/record/' + encodeURIComponent(r.id);
    const tokens = r.totalTokens === null || r.totalTokens === undefined ? '' : fmtNum(r.totalTokens);
    return h('tr', { class: 'link', 'data-id': r.id, on: { click: (ev) => { if (!ev.target.closest('a')) go(href); } } },
      h('td', { class: 'nowrap', title: r.receivedAt }, h('a', { href }, fmtTime(r.receivedAt))),
      h('td', null, statusBadge(r.status)),
      h('td', { class: 'nowrap' }, show(r.model), r.returnedModel && r.returnedModel !== r.model ? h('div', { class: 'muted small' }, '→ ' + r.returnedModel) : null),
      h('td', null, show(r.caller)),
      h('td', null, decisionBadge(r.decision)),
      h('td', { class: 'num', title: 'prompt ' + show(r.promptTokens) + ' · completion ' + show(r.completionTokens) + ' · ' + show(r.usageSource) }, tokens),
      h('td', { class: 'num nowrap' }, fmtMs(r.durationMs)),
      h('td', { class: 'preview' }, r.promptPreview ? h('span', { title: r.promptPreview }, r.promptPreview) : h('span', { class: 'muted' }, r.path || '')));
  });
  results.replaceChildren(toolbar, h('div', { class: 'scroll' }, h('table', { class: 'grid', id: 'results' },
    h('thead', null, h('tr', null, ['Time', 'Status', 'Model', 'Caller', 'Decision', 'Tokens', 'Latency', 'Prompt'].map((t) => h('th', null, t)))),
    h('tbody', null, rows))));
}

// The export needs the bearer token, so a plain link cannot do: fetch it, then hand the
// browser a Blob URL to save.
async function exportFile(format, f, button, msg) {
  const q = apiParams(f);
  q.set('format', format);
  button.disabled = true;
  msg.hidden = true;
  try {
    const blob = await (await request('audit/export?' + q.toString())).blob();
    const url = URL.createObjectURL(blob);
    const stamp = new Date().toISOString().slice(0, 19).replace(/:/g, '');
    const a = h('a', { href: url, download: 'audit-' + stamp + '.' + format, hidden: true });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60e3);
  } catch (err) {
    msg.textContent = 'Export failed: ' + err.message;
    msg.hidden = false;
  } finally {
    button.disabled = false;
  }
}
`;
