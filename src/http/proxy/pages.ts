// What a browser sees at the proxy root: what this is and where the console lives.
export function proxyHomePage(adminUrl: string): string {
  const esc = adminUrl.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Compliance Sidecar</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem;color:#222}code{background:#f3f3f3;padding:.1em .3em;border-radius:3px}</style>
</head><body>
<h1>Compliance Sidecar</h1>
<p>This is an OpenAI-compatible proxy. Point your OpenAI client's base URL at <code>/v1</code> on this address;
every call is checked by the content policies in force and recorded in the audit log.</p>
<p>The audit console and admin API are on the admin listener: <a href="${esc}">${esc}</a>
(by default reachable from this machine only).</p>
<p>Health: <a href="/healthz">/healthz</a> · Readiness: <a href="/readyz">/readyz</a></p>
</body></html>
`;
}
