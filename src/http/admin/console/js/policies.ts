// Console script, part 5: the active policies, one policy's text and history, and the
// dry-run box (POST /policies/test: nothing is forwarded or stored).
export const POLICIES_JS = String.raw`
function matchSummary(m) {
  const parts = [];
  if (m && m.models && m.models.length) parts.push('models ' + m.models.join(', '));
  if (m && m.callers && m.callers.length) parts.push('callers ' + m.callers.join(', '));
  if (m && m.keys && m.keys.length) parts.push('keys ' + m.keys.join(', '));
  return parts.length ? parts.join('; ') : 'all calls';
}
function storageSummary(s) { return s ? 'prompt ' + s.prompt + ', response ' + s.response : '—'; }
const list = (v) => (Array.isArray(v) ? v.join(', ') : show(v));

function refusedFiles(errors) {
  if (!errors || errors.length === 0) return null;
  return section('Refused files', h('p', { class: 'muted' }, 'These files failed validation; the previous version of each policy stays active.'),
    errors.map((e) => errorBox({ message: e.file + ': ' + e.message, issues: e.issues })));
}

views.policies = async (view, args) => {
  if (args[0]) return policyDetail(view, args[0]);
  const data = await api('policies');
  put(view,
    h('div', { class: 'title' }, h('h1', null, 'Policies'), h('span', { class: 'tag' }, 'active set ' + data.version),
      h('span', { class: 'muted small' }, 'since ' + fmtTime(data.activatedAt))),
    refusedFiles(data.errors),
    h('section', { class: 'card' }, h('div', { class: 'scroll' }, h('table', { class: 'grid', id: 'policies' },
      h('thead', null, h('tr', null, ['Policy', 'Mode', 'Rules', 'Storage', 'Applies to', 'Content'].map((t) => h('th', null, t)))),
      h('tbody', null, data.policies.map((p) => h('tr', null,
        h('td', null, h('a', { href: '#/policies/' + encodeURIComponent(p.name) }, p.name), h('div', { class: 'muted small' }, p.file), p.description ? h('div', { class: 'small' }, p.description) : null),
        h('td', null, h('span', { class: 'badge m-' + p.mode }, p.mode)),
        h('td', null, p.rules.map((r) => h('div', { class: 'nowrap' + (r.enabled === false ? ' muted' : '') }, h('code', null, r.id), ' ', decisionBadge(r.action), ' ', h('span', { class: 'muted small' }, list(r.detectors))))),
        h('td', { class: 'small' }, storageSummary(p.storage)),
        h('td', { class: 'small' }, matchSummary(p.match)),
        h('td', { class: 'small' }, h('code', { title: p.contentHash }, String(p.contentHash || '').slice(0, 12))))))))),
    dryRunBox(data.policies, ''));
};

async function policyDetail(view, name) {
  const enc = encodeURIComponent(name);
  put(view, h('p', null, h('a', { href: '#/policies' }, '← Policies')));
  const [p, history] = await Promise.all([api('policies/' + enc), api('policies/' + enc + '/history').catch((err) => err)]);
  put(view,
    h('div', { class: 'title' }, h('h1', null, p.name), h('span', { class: 'badge m-' + p.mode }, p.mode), h('span', { class: 'tag' }, 'active set ' + p.version)),
    section('Policy', facts([
      ['File', p.file],
      ['Description', p.description],
      ['Applies to', matchSummary(p.match)],
      ['Storage', storageSummary(p.storage)],
      ['Content hash', h('code', null, show(p.contentHash))],
    ])),
    section('Rules', h('div', { class: 'scroll' }, h('table', { class: 'grid', id: 'rules' },
      h('thead', null, h('tr', null, ['Rule', 'Detectors', 'Phases', 'Action', 'Enabled', 'Description', 'List file'].map((t) => h('th', null, t)))),
      h('tbody', null, p.rules.map((r) => h('tr', null,
        h('td', null, h('code', null, r.id)),
        h('td', null, list(r.detectors)),
        h('td', null, list(r.phases)),
        h('td', null, decisionBadge(r.action)),
        h('td', null, r.enabled === false ? 'no' : 'yes'),
        h('td', { class: 'small' }, show(r.description)),
        h('td', { class: 'small' }, show(r.file)))))))),
    section('Text', pre(p.text)),
    historySection(history),
    dryRunBox([p], p.name));
}

function diffView(diff) {
  return h('pre', { class: 'text diff' }, String(diff).split('\n').map((line) => {
    const c = line.charAt(0);
    const cls = line.startsWith('@@') ? 'hunk' : line.startsWith('+++') || line.startsWith('---') ? 'file' : c === '+' ? 'add' : c === '-' ? 'del' : '';
    return h('span', { class: cls }, line + '\n');
  }));
}
function historySection(history) {
  if (history instanceof Error) return section('History', errorBox(history));
  const versions = history.versions || [];
  if (versions.length === 0) return section('History', h('p', { class: 'muted' }, 'No stored versions yet.'));
  return h('section', { class: 'card', id: 'history' }, h('h2', null, 'History'), versions.map((v) => h('details', { class: 'version' },
    h('summary', null, h('strong', null, 'v' + v.version), ' · ' + fmtTime(v.at) + ' · ' + show(v.author) + ' · ' + show(v.source) + ' · ',
      h('code', { title: v.contentHash }, String(v.contentHash || '').slice(0, 12))),
    v.diff ? diffView(v.diff) : h('p', { class: 'muted' }, 'First version: no diff.'))));
}

const REQUEST_EXAMPLE = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'My card is 4111 1111 1111 1111' }] }, null, 2);

function dryRunBox(policies, selected) {
  const mode = h('select', { id: 'dry-mode' }, h('option', { value: 'text' }, 'text'), h('option', { value: 'request' }, 'request (JSON)'));
  const phase = h('select', { id: 'dry-phase' }, h('option', { value: 'input' }, 'input'), h('option', { value: 'output' }, 'output'));
  const policy = h('select', { id: 'dry-policy' },
    selected ? null : h('option', { value: '' }, 'the active set'),
    policies.map((p) => h('option', { value: p.name, selected: p.name === selected }, p.name)));
  const text = h('textarea', { id: 'dry-text', rows: 6, spellcheck: 'false', placeholder: 'Text to check, e.g. my card is 4111 1111 1111 1111' });
  const out = h('div', { id: 'dry-result', 'aria-live': 'polite' });
  const run = h('button', { type: 'submit' }, 'Run');
  mode.addEventListener('change', () => {
    phase.disabled = mode.value === 'request';
    text.placeholder = mode.value === 'request' ? REQUEST_EXAMPLE : 'Text to check, e.g. my card is 4111 1111 1111 1111';
  });
  const form = h('form', { class: 'card dry-run', id: 'dry-run' },
    h('h2', null, 'Dry run'),
    h('p', { class: 'muted small' }, 'Runs the filters on text or on a whole request body. Nothing is forwarded or stored.'),
    h('div', { class: 'row' },
      h('div', { class: 'field' }, h('label', { for: 'dry-mode' }, 'Check'), mode),
      h('div', { class: 'field' }, h('label', { for: 'dry-phase' }, 'Phase'), phase),
      h('div', { class: 'field' }, h('label', { for: 'dry-policy' }, 'Policy'), policy)),
    text, h('div', { class: 'actions' }, run), out);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const body = {};
    if (mode.value === 'request') {
      try { body.request = JSON.parse(text.value); } catch (err) {
        out.replaceChildren(errorBox({ message: 'The request is not valid JSON: ' + err.message }));
        return;
      }
    } else {
      body.text = text.value;
      body.phase = phase.value;
    }
    if (policy.value) body.policy = policy.value;
    run.disabled = true;
    try {
      const r = await api('policies/test', { method: 'POST', json: body });
      const redacted = typeof r.redacted === 'string' ? r.redacted : JSON.stringify(r.redacted, null, 2);
      out.replaceChildren(
        facts([
          ['Decision', decisionBadge(r.decision)],
          ['Blocked by', r.blockedBy && r.blockedBy.length ? list(r.blockedBy) : undefined],
          ['Route', r.route || undefined],
          ['Rules from', r.policy],
          ['Time', r.ms === undefined ? undefined : Number(r.ms).toFixed(2) + ' ms'],
        ]),
        findingsTable(r.findings),
        h('h3', null, 'After redaction'),
        pre(redacted, 'redacted'));
    } catch (err) {
      out.replaceChildren(errorBox(err));
    } finally {
      run.disabled = false;
    }
  });
  return form;
}
`;
