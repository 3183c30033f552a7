// Rebuilds dist/ only when a source file is newer than the last build: `npm start` stays
// at about a second when nothing changed, and never runs stale code after an edit.
import { execSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const sources = ['src', 'migrations', 'bench', 'tsconfig.json', 'tsconfig.build.json', 'package.json'];

function newest(path) {
  let st;
  try { st = statSync(path); } catch { return 0; }
  if (!st.isDirectory()) return st.mtimeMs;
  let max = 0;
  for (const name of readdirSync(path)) max = Math.max(max, newest(join(path, name)));
  return max;
}

const built = newest(join(root, 'dist', '.build-stamp'));
const changed = Math.max(...sources.map((s) => newest(join(root, s))));
if (built === 0 || changed > built) {
  execSync('npm run --silent build', { cwd: root, stdio: 'inherit' });
}
