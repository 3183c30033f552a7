// `npm start`: the real sidecar. Config problems exit non-zero with one line naming the
// variable; SIGTERM/SIGINT drain in-flight calls and flush the audit log before exit.
import { ConfigError, loadConfig } from './config.js';
import { startSidecar } from './sidecar.js';

let config;
try {
  config = loadConfig(process.env, { requireUpstream: true });
} catch (err) {
  if (err instanceof ConfigError) {
    process.stderr.write(`compliance-sidecar: invalid configuration: ${err.message}\n`);
    process.exit(2);
  }
  throw err;
}

const t0 = performance.now();
const sidecar = await startSidecar(config).catch((err: Error) => {
  process.stderr.write(`compliance-sidecar: could not start: ${err.message}\n`);
  process.exit(1);
});
sidecar.ctx.logger.info(
  { proxy: sidecar.proxyUrl, admin: sidecar.adminUrl, upstream: config.upstreamUrl?.href, database: sidecar.ctx.database.kind, startMs: Math.round(performance.now() - t0) },
  'compliance sidecar ready',
);
if (sidecar.generatedAdminToken) {
  process.stdout.write(`\nNo ADMIN_TOKENS set: generated admin token for this run:\n  ${sidecar.generatedAdminToken}\n\n`);
}

let stopping = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    sidecar.ctx.logger.info({ signal }, 'shutting down: draining in-flight calls');
    sidecar.close().then(
      () => process.exit(0),
      (err: Error) => {
        sidecar.ctx.logger.error({ err: err.message }, 'shutdown failed');
        process.exit(1);
      },
    );
  });
}
