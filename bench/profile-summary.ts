// `node dist/bench/profile-summary.js <file.cpuprofile> [top]`: prints the summary of a
// CPU profile taken with `node --cpu-prof` (see bench/lib/cpuprofile.ts).
import { summariseFile } from './lib/cpuprofile.js';

const [file, top] = process.argv.slice(2);
if (!file) {
  process.stderr.write('usage: node dist/bench/profile-summary.js <file.cpuprofile> [top]\n');
  process.exit(2);
}
process.stdout.write(`${summariseFile(file, top ? Number(top) : 20).lines.join('\n')}\n`);
