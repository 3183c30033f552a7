import { describe, expect, it } from 'vitest';
import { substituteString, substituteTree } from '../../../src/policy/env.js';
import type { EnvProblem } from '../../../src/policy/env.js';

describe('${VAR} substitution', () => {
  const env = { URL: 'http://m', EMPTY: '', KEY: 'sk-secret-value' };

  it('replaces set variables, keeps the rest of the string', () => {
    expect(substituteString('${URL}/v1 and ${URL}', env)).toEqual({ value: 'http://m/v1 and http://m', problems: [] });
  });

  it('uses the fallback when unset or empty, and an empty value as is without one', () => {
    expect(substituteString('${NOPE:-a:b}|${EMPTY:-x}|${EMPTY}', env).value).toBe('a:b|x|');
  });

  it('names a missing variable, never a value', () => {
    const { problems } = substituteString('${KEY} ${MISSING}', env);
    expect(problems).toEqual(['environment variable MISSING is not set']);
  });

  it('keeps $${ as a literal ${ and refuses malformed references', () => {
    expect(substituteString('$${URL}', env).value).toBe('${URL}');
    expect(substituteString('${bad-name}', env).problems[0]).toMatch(/not a valid variable reference/);
    expect(substituteString('${URL', env).problems[0]).toMatch(/unterminated/);
  });

  it('walks a document, giving each problem its path; non-strings untouched', () => {
    const problems: EnvProblem[] = [];
    const out = substituteTree({ a: ['${URL}', 3, true, null], b: { c: '${X}' } }, env, problems);
    expect(out).toEqual({ a: ['http://m', 3, true, null], b: { c: '${X}' } });
    expect(problems).toEqual([{ path: ['b', 'c'], message: 'environment variable X is not set' }]);
  });
});
