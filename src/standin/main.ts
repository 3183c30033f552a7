// CLI: run the stand-in upstream on its own (docker compose's `demo` profile, manual
// tries). This is a separate program's composition root, so it reads its own environment
// here rather than through the sidecar's config.ts.
import { startStandin } from './server.js';

function intFromEnv(name: string, fallback: number, max: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > max) {
    console.error(`${name}: expected an integer from 0 to ${max}, got "${raw}"`);
    process.exit(1);
  }
  return n;
}

const standin = await startStandin({
  port: intFromEnv('PORT', 9999, 65_535),
  host: process.env.HOST || '127.0.0.1',
  chunkDelayMs: intFromEnv('STANDIN_CHUNK_DELAY_MS', 0, 60_000),
  ...(process.env.STANDIN_REQUIRE_KEY ? { requireKey: process.env.STANDIN_REQUIRE_KEY } : {}),
});
console.log(`stand-in upstream listening on ${standin.url}`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void standin.close().then(() => process.exit(0));
  });
}
