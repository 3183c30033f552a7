// Console script, part 1: DOM helpers, the API client with the token, the hash router and
// the login form. Plain browser JavaScript in a string (see ../routes.ts for why); it
// uses no template literals, so the TypeScript template around it stays a plain string.
// Every piece of data reaches the page through textContent or attributes, never as HTML:
// prompts and responses are text an attacker chose.
export const CORE_JS = String.raw`
const TOKEN_KEY = 'sidecar.console.token';
const SVG_NS = 'http://www.w3.org/2000/svg';
const main = document.getElementById('main');
const nav = document.getElementById('nav');
const logoutButton = document.getElementById('logout');

// h('td', { class: 'num', title: 'x' }, 'text', child, [more]) -> element. Strings become
// text nodes; null and undefined are skipped; on: { click: fn } adds listeners.
function build(el, attrs, children) {
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === 'on') for (const [ev, fn] of Object.entries(v)) el.addEventListener(ev, fn);
    else if (k === 'text') el.textContent = String(v);
    else if (k === 'value' || k === 'checked' || k === 'selected') el[k] = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  const add = (c) => {
    if (c === null || c === undefined || c === false) return;
    if (Array.isArray(c)) c.forEach(add);
    else el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  };
  add(children);
  return el;
}
function h(tag, attrs, ...children) { return build(document.createElement(tag), attrs, children); }
function svg(tag, attrs, ...children) { return build(document.createElementNS(SVG_NS, tag), attrs, children); }
// Appends like h() does: Node.append would turn a skipped null into the text "null".
function put(parent, ...children) { return build(parent, null, children); }

function getToken() { return sessionStorage.getItem(TOKEN_KEY); }

class ApiError extends Error {
  constructor(status, message, issues) { super(message); this.status = status; this.issues = issues || []; }
}

// Relative paths: the document is the admin root, wherever it is mounted.
async function request(path, opts) {
  const o = opts || {};
  const headers = new Headers(o.headers || {});
  headers.set('authorization', 'Bearer ' + (o.token || getToken() || ''));
  let body;
  if (o.json !== undefined) { headers.set('content-type', 'application/json'); body = JSON.stringify(o.json); }
  let res;
  try {
    res = await fetch(path, { method: o.method || 'GET', headers, body, cache: 'no-store', credentials: 'omit' });
  } catch (err) {
    throw new ApiError(0, 'The admin API did not answer (' + err.message + ').');
  }
  if (res.ok) return res;
  let message = res.status + ' ' + res.statusText;
  let issues = [];
  try {
    const b = await res.json();
    if (b && b.error && b.error.message) message = b.error.message;
    if (b && b.error && Array.isArray(b.error.issues)) issues = b.error.issues;
  } catch { /* not JSON: keep the status line */ }
  if (res.status === 401 && !o.token) signOut('The token was refused (401). Sign in again.');
  throw new ApiError(res.status, message, issues);
}
async function api(path, opts) { return (await request(path, opts)).json(); }

// ---- formatting ------------------------------------------------------------------------
const pad = (n, w) => String(n).padStart(w || 2, '0');
function fmtTime(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  return d.getFullYear() + '-' + pad(d.getMonth() + 1) + '-' + pad(d.getDate()) + ' ' +
    pad(d.getHours()) + ':' + pad(d.getMinutes()) + ':' + pad(d.getSeconds());
}
function fmtNum(n) { return n === null || n === undefined || n === '' ? '' : Number(n).toLocaleString('en-US'); }
function fmtMs(n) {
  if (n === null || n === undefined) return '';
  const v = Number(n);
  return v >= 10000 ? (v / 1000).toFixed(1) + ' s' : Math.round(v) + ' ms';
}
function show(v) { return v === null || v === undefined || v === '' ? '—' : String(v); }
function decisionBadge(d) { return h('span', { class: 'badge d-' + (d || 'none') }, d || '—'); }
function statusBadge(s) {
  if (s === null || s === undefined) return h('span', { class: 'status' }, '—');
  return h('span', { class: 'status s' + String(s).charAt(0) }, String(s));
}

// A two-column list of label / value pairs; rows whose value is undefined are left out.
function facts(pairs) {
  const dl = h('dl', { class: 'facts' });
  for (const [label, value] of pairs) {
    if (value === undefined) continue;
    dl.append(h('dt', null, label), h('dd', null, value instanceof Node ? value : show(value)));
  }
  return dl;
}
function section(title, ...body) { return h('section', { class: 'card' }, h('h2', null, title), body); }
function errorBox(err) {
  const box = h('div', { class: 'error', role: 'alert' }, err.message || String(err));
  if (err.issues && err.issues.length) {
    box.append(h('ul', null, err.issues.map((i) => h('li', null, (i.path ? String(i.path) + ': ' : '') + (i.message || JSON.stringify(i))))));
  }
  return box;
}
function findingsTable(findings) {
  if (!findings || findings.length === 0) return h('p', { class: 'muted' }, 'No findings.');
  return h('table', { class: 'grid findings' },
    h('thead', null, h('tr', null, ['Rule', 'Policy', 'Detector', 'Phase', 'Action', 'Enforced', 'Count', 'Where', 'Error'].map((t) => h('th', null, t)))),
    h('tbody', null, findings.map((f) => h('tr', null,
      h('td', null, h('code', null, show(f.rule))),
      h('td', null, show(f.policy)),
      h('td', null, show(f.detector) + (f.categories && f.categories.length ? ' (' + f.categories.join(', ') + ')' : '')),
      h('td', null, show(f.phase)),
      h('td', null, decisionBadge(f.action)),
      h('td', null, f.enforced === false ? 'no (monitor)' : 'yes'),
      h('td', { class: 'num' }, fmtNum(f.count)),
      h('td', { class: 'small' }, (f.locations || []).slice(0, 5).map((l) =>
        h('div', { title: 'hash ' + (l.hash || '') }, 'segment ' + l.segment + ' @ ' + l.start + '–' + l.end)),
        (f.locations || []).length > 5 ? h('div', { class: 'muted' }, '+' + (f.locations.length - 5) + ' more') : null),
      h('td', { class: 'small' }, f.error || '')))));
}
function pre(text, cls) { return h('pre', { class: 'text ' + (cls || '') }, text); }

// ---- hash routing: #/view/arg?filters --------------------------------------------------
function parseHash() {
  const raw = location.hash.replace(/^#\/?/, '');
  const q = raw.indexOf('?');
  const path = (q < 0 ? raw : raw.slice(0, q)).split('/').filter(Boolean).map(decodeURIComponent);
  return { path, params: new URLSearchParams(q < 0 ? '' : raw.slice(q + 1)) };
}
function go(hash) {
  if (location.hash === hash) render();
  else location.hash = hash;
}

const views = {};
function render() {
  if (!getToken()) { showLogin(); return; }
  nav.hidden = false;
  logoutButton.hidden = false;
  const { path, params } = parseHash();
  const name = views[path[0]] ? path[0] : 'search';
  for (const a of nav.querySelectorAll('a')) a.classList.toggle('active', a.dataset.view === (name === 'record' ? 'search' : name));
  // Each render gets a fresh container: a slow answer for a view the user has left only
  // fills a detached element.
  const view = h('div', { class: 'view view-' + name });
  main.replaceChildren(view);
  Promise.resolve(views[name](view, path.slice(1), params)).catch((err) => {
    if (err && err.status === 401) return;
    view.append(errorBox(err));
  });
}

// ---- sign in / out ---------------------------------------------------------------------
let loginMessage = '';
function signOut(message) {
  sessionStorage.removeItem(TOKEN_KEY);
  loginMessage = message || '';
  showLogin();
}
function showLogin() {
  nav.hidden = true;
  logoutButton.hidden = true;
  const input = h('input', { type: 'password', id: 'token', name: 'token', autocomplete: 'off', required: true, spellcheck: 'false', placeholder: 'Bearer token' });
  const msg = h('p', { class: 'error', role: 'alert', id: 'login-message', hidden: !loginMessage }, loginMessage);
  const button = h('button', { type: 'submit' }, 'Sign in');
  const form = h('form', { class: 'card login', id: 'login' },
    h('h1', null, 'Sign in'),
    h('p', { class: 'muted' }, 'Enter an admin or auditor token (ADMIN_TOKENS or AUDITOR_TOKENS, or the token printed at start). It is kept in this browser tab only and sent as a bearer token.'),
    h('label', { for: 'token' }, 'Token'), input, msg, h('div', { class: 'actions' }, button));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const token = input.value.trim();
    button.disabled = true;
    try {
      // Any auditor read will do to check the token before keeping it.
      await request('policies', { token });
      sessionStorage.setItem(TOKEN_KEY, token);
      loginMessage = '';
      render();
    } catch (err) {
      msg.textContent = err.status === 401 ? 'That token was refused (401).' : err.message;
      msg.hidden = false;
      button.disabled = false;
      input.select();
    }
  });
  main.replaceChildren(form);
  input.focus();
}
logoutButton.addEventListener('click', () => signOut('Signed out.'));
`;
