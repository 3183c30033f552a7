// Console script, part 3: one audit record in full.
export const DETAIL_JS = String.raw`
function storedText(text, storage) {
  if (text === null || text === undefined) {
    return h('p', { class: 'muted' }, storage === 'none' ? 'Not stored (storage: none).' : 'No text.');
  }
  if (text === '') return h('p', { class: 'muted' }, 'Empty.');
  return pre(typeof text === 'string' ? text : JSON.stringify(text, null, 2));
}

views.record = async (view, args) => {
  const id = args[0] || '';
  const backHref = '#/search' + (lastFilters.toString() ? '?' + lastFilters.toString() : '');
  put(view, h('p', null, h('a', { href: backHref }, '← Results')));
  const r = await api('audit/requests/' + encodeURIComponent(id));
  const err = r.upstreamError;
  put(view,
    h('div', { class: 'title' }, h('h1', null, 'Record'), h('code', { class: 'id' }, r.id), statusBadge(r.status), decisionBadge(r.decision)),
    h('div', { class: 'cards' },
      section('Identity', facts([
        ['Record id', h('code', null, r.id)],
        ['Client request id', r.clientRequestId],
        ['Upstream request id', r.upstreamRequestId],
        ['Call', (r.method || '') + ' ' + (r.path || '')],
        ['Route', r.route],
        ['Caller', r.caller],
        ['Key fingerprint', r.keyFingerprint ? h('code', null, r.keyFingerprint) : null],
        ['Client address', r.clientIp],
        ['Policy version', r.policyVersion],
      ])),
      section('Timing', facts([
        ['Received', h('span', { title: r.receivedAt }, fmtTime(r.receivedAt))],
        ['Completed', h('span', { title: r.completedAt || '' }, fmtTime(r.completedAt) || '—')],
        ['Duration', fmtMs(r.durationMs)],
        ['First upstream byte', fmtMs(r.ttfbMs)],
        ['Filters', fmtMs(r.filterMs)],
        ['Retries', r.retries],
        ['Client aborted', r.clientAborted ? 'yes' : 'no'],
      ])),
      section('Outcome', facts([
        ['Status to client', statusBadge(r.status)],
        ['Upstream status', r.upstreamStatus === null ? null : statusBadge(r.upstreamStatus)],
        ['Error code', r.errorCode],
        ['Decision', decisionBadge(r.decision)],
        ['Model requested', r.model],
        ['Model returned', r.returnedModel],
        ['Stream', r.stream ? 'yes' : 'no'],
      ])),
      section('Usage', facts([
        ['Prompt tokens', fmtNum(r.promptTokens)],
        ['Completion tokens', fmtNum(r.completionTokens)],
        ['Total tokens', fmtNum(r.totalTokens)],
        ['Cached tokens', fmtNum(r.cachedTokens)],
        ['Reasoning tokens', fmtNum(r.reasoningTokens)],
        ['Source', r.usageSource],
        ['Request bytes', fmtNum(r.requestBytes)],
        ['Response bytes', fmtNum(r.responseBytes)],
      ]))),
    err ? section('Upstream error', facts([['Type', err.type], ['Code', err.code], ['Message', err.message]])) : null,
    h('section', { class: 'card', id: 'findings' }, h('h2', null, 'Findings'), findingsTable(r.findings)),
    section('Parameters', r.params && Object.keys(r.params).length ? pre(JSON.stringify(r.params, null, 2)) : h('p', { class: 'muted' }, 'None.')),
    h('section', { class: 'card', id: 'prompt' }, h('h2', null, 'Prompt ', h('span', { class: 'tag' }, 'storage: ' + show(r.promptStorage))), storedText(r.prompt, r.promptStorage)),
    h('section', { class: 'card', id: 'response' }, h('h2', null, 'Response ', h('span', { class: 'tag' }, 'storage: ' + show(r.responseStorage))), storedText(r.response, r.responseStorage)));
};
`;
