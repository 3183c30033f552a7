// The web console in a real browser (Debian's chromium through playwright-core): sign in,
// search, a record's findings, charts, export, the policy dry-run, sign out; and no
// console errors or CSP violations on the way. Data comes from real calls through the proxy.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONSOLE_CSP } from '../../src/http/admin/console/routes.js';
import { ADMIN_TOKEN, startHarness, type Harness } from '../support/harness.js';

const CHROMIUM = '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) {
  if (process.env.CI) throw new Error(`${CHROMIUM} is missing: CI must run the console's browser test (.ci/run installs chromium)`);
  console.warn(`!!! ${CHROMIUM} is missing: the console's browser test is SKIPPED (apt-get install chromium to run it)`);
}
// Set to a directory to keep screenshots of each view (for looking at the layout).
const SHOTS = process.env.CONSOLE_SCREENSHOTS;

// A 401 on purpose (the wrong token, the stale token) is logged by the browser as a
// failed resource load; anything else in the console is a bug.
const EXPECTED_401 = /Failed to load resource: the server responded with a status of 401/;
const XSS = '<img src=x onerror="document.title=1">';

describe.skipIf(!haveChromium)('web console in chromium', () => {
  let h: Harness;
  let browser: Browser;
  let page: Page;
  const problems: string[] = [];
  let expected401 = 0;

  const shot = async (name: string) => {
    if (SHOTS) await page.screenshot({ path: join(SHOTS, `console-${name}.png`), fullPage: true });
  };

  beforeAll(async () => {
    h = await startHarness({ backend: 'embedded' });
    const chat = (content: string, headers: Record<string, string> = {}, model = 'gpt-4o-mini') =>
      h.client.chat.completions.create({ model, messages: [{ role: 'user', content }] }, { headers: { 'x-caller': 'console-test', ...headers } });
    // One more than a page of the console's 50, for the keyset paging; older than the rest.
    await Promise.all(Array.from({ length: 51 }, (_, i) => chat(`bulk call ${i}`, { 'x-caller': 'bulk-svc' })));
    await chat('Hello from the console test');
    await chat(`Please echo ${XSS} back`, {}, 'gpt-4o');
    await chat('Write to alice@example.com about the launch', { 'x-caller': 'mail-svc' });
    await expect(chat('What do you know about project nightingale?')).rejects.toMatchObject({ status: 400 });
    await expect(chat('rate limited', { 'x-standin-status': '429' })).rejects.toMatchObject({ status: 429 });
    await h.flush();

    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
    page = await browser.newPage({ viewport: { width: 1360, height: 900 } });
    page.setDefaultTimeout(10_000); // fail inside the test's own timeout, with the locator named
    page.on('console', (msg) => {
      if (msg.type() !== 'error' && !/Content Security Policy/i.test(msg.text())) return;
      if (EXPECTED_401.test(msg.text()) && expected401 > 0) expected401 -= 1;
      else problems.push(`console ${msg.type()}: ${msg.text()}`);
    });
    page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  });

  afterAll(async () => {
    await browser?.close();
    await h?.close();
  });

  it('serves the page without a token, under a strict CSP', async () => {
    for (const [path, type] of [['/', 'text/html'], ['/console.js', 'text/javascript'], ['/console.css', 'text/css']] as const) {
      const res = await fetch(`${h.adminUrl}${path}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toContain(type);
      expect(res.headers.get('content-security-policy')).toBe(CONSOLE_CSP);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
      expect(res.headers.get('cache-control')).toBe('no-store');
    }
    // The API itself still wants the token.
    expect((await h.admin('/audit/requests', { token: null })).status).toBe(401);
  });

  it('refuses a wrong token, then signs in and lists the calls', async () => {
    await page.goto(`${h.adminUrl}/`);
    await page.locator('#login').waitFor();
    expected401 += 1;
    await page.fill('#token', 'not-the-token-000000000000');
    await page.click('#login button[type=submit]');
    await expect.poll(() => page.textContent('#login-message')).toContain('refused');

    await page.fill('#token', ADMIN_TOKEN);
    await page.click('#login button[type=submit]');
    await page.locator('#results').waitFor();
    expect(await page.locator('#results tbody tr').count()).toBe(50);
    // Attacker-chosen prompt text is shown as text, never parsed as HTML.
    expect(await page.locator('#results img').count()).toBe(0);
    expect(await page.locator('#results').textContent()).toContain(XSS);
    expect(await page.title()).not.toBe('1');
    await shot('search');
  });

  it('pages forward and back with the cursor', async () => {
    await page.goto(`${h.adminUrl}/#/search?caller=bulk-svc`);
    await expect.poll(() => page.locator('#results tbody tr').count()).toBe(50);
    const first = await page.locator('#results tbody tr').first().getAttribute('data-id');
    expect(await page.isDisabled('#page-back')).toBe(true);
    await page.click('#page-next');
    await expect.poll(() => page.locator('#results tbody tr').count()).toBe(1);
    expect(await page.isDisabled('#page-next')).toBe(true);
    await page.click('#page-back');
    await expect.poll(() => page.locator('#results tbody tr').count()).toBe(50);
    expect(await page.locator('#results tbody tr').first().getAttribute('data-id')).toBe(first);
  });

  it('searches the text of prompts and responses', async () => {
    await page.goto(`${h.adminUrl}/#/search`);
    await page.fill('#f-q', 'launch');
    await page.click('#filters button[type=submit]');
    await expect.poll(() => page.locator('#results tbody tr').count()).toBe(1);
    expect(await page.locator('#results tbody tr').textContent()).toContain('mail-svc');
  });

  it('searches by decision, keeps the filters in the URL and opens the record', async () => {
    await page.goto(`${h.adminUrl}/#/search`);
    await page.selectOption('#f-decision', 'block');
    await page.click('#filters button[type=submit]');
    await expect.poll(() => new URL(page.url()).hash).toContain('decision=block');
    await expect.poll(() => page.locator('#results tbody tr').count()).toBe(1);
    expect(await page.locator('#results tbody tr').textContent()).toContain('block');

    // A shared link restores the same search.
    const link = page.url();
    await page.goto('about:blank');
    await page.goto(link);
    await expect.poll(() => page.locator('#results tbody tr').count()).toBe(1);
    expect(await page.inputValue('#f-decision')).toBe('block');

    await page.locator('#results tbody tr').first().click();
    await page.locator('#findings').waitFor();
    expect(await page.locator('#findings').textContent()).toContain('banned-terms');
    const facts = await page.locator('.view-record').textContent();
    expect(facts).toContain('content_filter');
    expect(facts).toContain('storage: redacted');
    expect(facts).not.toContain('null');
    await shot('record');
  });

  it('draws the charts and the top tables from /audit/stats', async () => {
    await page.goto(`${h.adminUrl}/#/charts?range=1h`);
    await page.locator('#charts svg.chart').first().waitFor();
    expect(await page.locator('#charts svg.chart').count()).toBe(3);
    expect(await page.locator('#charts svg.chart rect').count()).toBeGreaterThan(0);
    expect(await page.locator('#charts').textContent()).toContain('56calls'); // the summary tile: 51 + 5
    expect(await page.locator('#top-model').textContent()).toContain('gpt-4o-mini');
    expect(await page.locator('#top-caller').textContent()).toContain('mail-svc');
    expect(await page.locator('#top-status').textContent()).toContain('429');
    await shot('charts');
  });

  it('exports the current filters with the token', async () => {
    await page.goto(`${h.adminUrl}/#/search?caller=mail-svc`);
    await expect.poll(() => page.locator('#results tbody tr').count()).toBe(1);
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#export-ndjson')]);
    const lines = readFileSync((await download.path())!, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!).caller).toBe('mail-svc');
  });

  it('shows the policies and dry-runs text', async () => {
    await page.click('#nav [data-view=policies]');
    await page.locator('#policies').waitFor();
    expect(await page.locator('#policies').textContent()).toContain('default');
    await page.fill('#dry-text', 'my card is 4111 1111 1111 1111');
    await page.click('#dry-run button[type=submit]');
    await page.locator('#dry-result pre').waitFor();
    expect(await page.locator('#dry-result pre').textContent()).toBe('my card is [REDACTED:credit_card]');
    expect(await page.locator('#dry-result').textContent()).toContain('pii');
    await shot('policies');

    await page.click('#policies a[href="#/policies/default"]');
    await page.locator('#rules').waitFor();
    expect(await page.locator('#rules').textContent()).toContain('banned-terms');
  });

  it('brings the login back on a 401 and on sign out', async () => {
    // A token that stops working (rotated) sends the user back to the login with a reason.
    // (Strings, not functions: this project's tsconfig has no DOM types.)
    await page.evaluate("sessionStorage.setItem('sidecar.console.token', 'rotated-away-000000000000')");
    expected401 += 1;
    await page.goto(`${h.adminUrl}/#/search`);
    await expect.poll(() => page.textContent('#login-message')).toContain('401');

    await page.fill('#token', ADMIN_TOKEN);
    await page.click('#login button[type=submit]');
    await page.locator('#results').waitFor();
    await page.click('#logout');
    await page.locator('#login').waitFor();
    expect(await page.evaluate('sessionStorage.length')).toBe(0);
  });

  it('logged no console errors or CSP violations', () => {
    expect(problems).toEqual([]);
  });
});
