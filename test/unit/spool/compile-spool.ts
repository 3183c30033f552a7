// The crash test kills a real process mid-flight, and a child process cannot run the
// TypeScript sources (no tsx here, and dist/ may be stale or absent). So the spool and
// the modules it imports at run time (found by following the relative imports that
// survive transpiling; type-only ones disappear) are transpiled into a scratch directory,
// which sees the project's node_modules.
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const ENTRY = 'src/audit/spool/index.ts';
const RELATIVE_IMPORT = /(?:^|\n)\s*(?:import|export)\b[^'"]*?\bfrom\s*['"](\.{1,2}\/[^'"]+)\.js['"]/g;

/** Transpiles into `outDir`; returns the URL of the spool's index module. */
export function compileSpool(outDir: string): string {
  const todo = [ENTRY];
  const done = new Set<string>();
  while (todo.length > 0) {
    const file = todo.pop()!;
    if (done.has(file)) continue;
    done.add(file);
    const { outputText } = ts.transpileModule(readFileSync(join(root, file), 'utf8'), {
      fileName: file,
      compilerOptions: { module: ts.ModuleKind.ES2022, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: true },
    });
    for (const m of outputText.matchAll(RELATIVE_IMPORT)) todo.push(normalize(join(dirname(file), `${m[1]}.ts`)));
    const out = join(outDir, file.replace(/\.ts$/, '.js'));
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, outputText);
  }
  writeFileSync(join(outDir, 'package.json'), '{ "type": "module" }\n');
  // Packages the spool imports at run time (kysely) resolve from the project's install.
  symlinkSync(join(root, 'node_modules'), join(outDir, 'node_modules'), 'dir');
  return pathToFileURL(join(outDir, ENTRY.replace(/\.ts$/, '.js'))).href;
}
