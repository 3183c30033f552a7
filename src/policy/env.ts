// `${VAR}` in policy files. Substitution runs on the parsed document's string values, not on
// the raw text: a value holding `: ` or a newline cannot change the document's structure,
// and a `${VAR}` inside a YAML comment (a commented-out rule) is never looked at.
//
// Syntax: `${NAME}` (NAME unset is an error), `${NAME:-fallback}` (fallback when NAME is
// unset or empty), `$${` for a literal `${`. Substituted values are always strings.
import type { DocPath } from './errors.js';

export type Env = Readonly<Record<string, string | undefined>>;

export interface EnvProblem {
  readonly path: DocPath;
  readonly message: string;
}

const REF = /\$\$\{|\$\{([^}]*)\}|\$\{/g;
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Substitutes one string; problems name the variable, never its value. */
export function substituteString(value: string, env: Env): { value: string; problems: string[] } {
  if (!value.includes('${')) return { value, problems: [] };
  const problems: string[] = [];
  const out = value.replace(REF, (whole: string, body: string | undefined) => {
    if (whole === '$${') return '${';
    if (body === undefined) {
      problems.push('unterminated "${": write "$${" for a literal "${"');
      return whole;
    }
    const sep = body.indexOf(':-');
    const name = sep === -1 ? body : body.slice(0, sep);
    if (!NAME.test(name)) {
      problems.push(`"\${${name}}" is not a valid variable reference (letters, digits and "_" only)`);
      return whole;
    }
    const current = env[name];
    if (sep !== -1) return current === undefined || current === '' ? body.slice(sep + 2) : current;
    if (current === undefined) {
      problems.push(`environment variable ${name} is not set`);
      return whole;
    }
    return current;
  });
  return { value: out, problems };
}

/** Returns a copy of a parsed document with every string value substituted. */
export function substituteTree(node: unknown, env: Env, problems: EnvProblem[], path: DocPath = []): unknown {
  if (typeof node === 'string') {
    const result = substituteString(node, env);
    for (const message of result.problems) problems.push({ path, message });
    return result.value;
  }
  if (Array.isArray(node)) return node.map((item, i) => substituteTree(item, env, problems, [...path, i]));
  if (node !== null && typeof node === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(node)) {
      // defineProperty: a `__proto__:` key stays an ordinary (and then rejected) key.
      Object.defineProperty(out, key, {
        value: substituteTree(value, env, problems, [...path, key]),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return out;
  }
  return node;
}
