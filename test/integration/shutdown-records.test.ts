// Shutdown waits for records still being built: a call whose upstream sent no usage gets
// its token estimate after the response ended, and closing the sidecar right then must
// still land its record.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/harness.js';

const SERVER = process.env.TEST_DATABASE_URL;

describe.skipIf(!SERVER)('shutdown', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ backend: 'server', policies: { 'p.yaml': 'name: p\nrules: []\n' } });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('lands the record of a call whose token estimate is still being counted', async () => {
    // A long prompt: counting it takes a while, so the estimate is still out at close().
    const content = 'An auditor reads every line of this prompt twice. '.repeat(20_000);
    const { response } = await h.client.chat.completions
      .create({ model: 'm', messages: [{ role: 'user', content }] }, { headers: { 'x-standin-no-usage': '1' } })
      .withResponse();
    const id = response.headers.get('x-sidecar-request-id')!;
    await h.sidecar.close();
    const client = new pg.Client({ connectionString: SERVER });
    await client.connect();
    try {
      const { rows } = await client.query(`select usage_source, prompt_tokens from "${h.schema}".audit_records where id = $1`, [id]);
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ usage_source: 'estimated' });
      expect(rows[0].prompt_tokens).toBeGreaterThan(100_000);
    } finally {
      await client.end();
    }
  });
});
