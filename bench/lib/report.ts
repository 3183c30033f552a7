// The results table (figure | direct | through the sidecar | ratio or difference | goal |
// met?) and the description of the machine it was measured on.
import { cpus, freemem, release, totalmem } from 'node:os';
import { availableParallelism } from 'node:os';
import { readFileSync } from 'node:fs';

export interface Row {
  readonly figure: string;
  readonly direct: string;
  readonly sidecar: string;
  readonly diff: string;
  readonly goal: string;
  /** null: informative, no goal. */
  readonly met: boolean | null;
}

export class Report {
  readonly rows: Row[] = [];
  readonly notes: string[] = [];
  readonly sections: { readonly title: string; readonly lines: readonly string[] }[] = [];

  add(row: Row): void {
    this.rows.push(row);
    process.stdout.write(`  ${row.figure}: direct ${row.direct} | sidecar ${row.sidecar} | ${row.diff} | goal ${row.goal} | ${metText(row.met)}\n`);
  }

  note(text: string): void {
    this.notes.push(text);
    process.stdout.write(`  note: ${text}\n`);
  }

  section(title: string, lines: readonly string[]): void {
    this.sections.push({ title, lines });
    process.stdout.write(`\n${title}\n${lines.join('\n')}\n\n`);
  }

  markdown(): string {
    const head = ['figure', 'direct', 'through the sidecar', 'ratio or difference', 'goal', 'met?'];
    const body = this.rows.map((r) => [r.figure, r.direct, r.sidecar, r.diff, r.goal, metText(r.met)]);
    const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
    const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
    return [line(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...body.map(line)].join('\n');
  }
}

function metText(met: boolean | null): string {
  return met === null ? '—' : met ? 'yes' : 'NO';
}

export function machineDescription(): string[] {
  let model = cpus()[0]?.model ?? 'unknown';
  let mhz = '';
  try {
    const info = readFileSync('/proc/cpuinfo', 'utf8');
    model = /model name\s*:\s*(.+)/.exec(info)?.[1]?.trim() ?? model;
    mhz = /cpu MHz\s*:\s*(.+)/.exec(info)?.[1]?.trim() ?? '';
  } catch {
    // not Linux
  }
  return [
    `cores (nproc): ${availableParallelism()}`,
    `CPU: ${model}${mhz ? ` @ ${Math.round(Number(mhz))} MHz` : ''}`,
    `memory: ${(totalmem() / 2 ** 30).toFixed(1)} GiB (${(freemem() / 2 ** 30).toFixed(1)} GiB free at start)`,
    `Node ${process.version}, Linux ${release()}`,
  ];
}
