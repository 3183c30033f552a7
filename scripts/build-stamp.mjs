// Marks the time of the last successful build, so ensure-build.mjs can tell a stale dist/.
import { writeFileSync } from 'node:fs';
writeFileSync(new URL('../dist/.build-stamp', import.meta.url), new Date().toISOString() + '\n');
