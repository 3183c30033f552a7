// console.js: the parts in ./js, in one strict-mode function scope (nothing leaks into
// the page's globals), started once the deferred script runs.
import { CHARTS_JS } from './js/charts.js';
import { CORE_JS } from './js/core.js';
import { DETAIL_JS } from './js/detail.js';
import { POLICIES_JS } from './js/policies.js';
import { SEARCH_JS } from './js/search.js';

export const CONSOLE_JS = [
  '// Compliance Sidecar console. Served with a strict CSP: no inline code, no eval.',
  '(() => {',
  "'use strict';",
  CORE_JS,
  SEARCH_JS,
  DETAIL_JS,
  CHARTS_JS,
  POLICIES_JS,
  "window.addEventListener('hashchange', render);",
  'render();',
  '})();',
  '',
].join('\n');
