// `npm run demo`: everything on one machine with nothing installed: the bundled stand-in
// upstream, the embedded database in DATA_DIR, the bundled policies. Prints what to paste.
import { ConfigError, loadConfig } from './config.js';
import { startSidecar } from './sidecar.js';
import { startStandin } from './standin/index.js';

const standin = await startStandin({ port: Number(process.env.STANDIN_PORT ?? 0) });
let config;
try {
  config = loadConfig({ LOG_LEVEL: 'warn', ...process.env, UPSTREAM_URL: standin.url });
} catch (err) {
  if (err instanceof ConfigError) {
    process.stderr.write(`compliance-sidecar demo: invalid configuration: ${err.message}\n`);
    process.exit(2);
  }
  throw err;
}
const t0 = performance.now();
const sidecar = await startSidecar(config);
const token = sidecar.generatedAdminToken ?? config.admin.adminTokens?.[0] ?? '<your admin token>';
const p = sidecar.proxyUrl;
const a = sidecar.adminUrl;

process.stdout.write(`
Compliance Sidecar demo (started in ${Math.round(performance.now() - t0)} ms)
  proxy         ${p}/v1        (OpenAI-compatible; upstream: bundled stand-in at ${standin.url})
  console       ${a}/
  admin token   ${token}
  database      embedded Postgres in ${config.database.dataDir}
  policies      ${config.policyDir}

An allowed call (the reply's email address is redacted by the default policy):
  curl -s ${p}/v1/chat/completions -H 'Authorization: Bearer sk-demo' -H 'Content-Type: application/json' \\
    -d '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"Hello! Write to me at jane.doe@example.com"}]}'

A blocked call (the prompt names a banned term):
  curl -s ${p}/v1/chat/completions -H 'Authorization: Bearer sk-demo' -H 'Content-Type: application/json' \\
    -d '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"Tell me about Project Nightingale"}]}'

The audit log:
  curl -s '${a}/audit/requests?limit=5' -H 'Authorization: Bearer ${token}'

Ctrl-C stops it.
`);

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    void sidecar
      .close()
      .then(() => standin.close())
      .then(() => process.exit(0));
  });
}
