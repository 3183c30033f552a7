// The web console: three static files (page, script, style) on the admin listener. GET /
// needs no token: the page asks for one and sends it on every API call itself.
//
// The assets are TypeScript modules that export strings, not files read from disk: tsc
// compiles them into dist/ like any other module (it does not copy .js/.css/.html), so
// the same import works under vitest from src/ and in the Docker image, which ships
// dist/ only. The strings are built once, at import.
import { Router, type Response } from 'express';
import { CONSOLE_HTML } from './page.js';
import { CONSOLE_CSS } from './style.js';
import { CONSOLE_JS } from './script.js';

/** No inline script or style, no eval, nothing from another origin. */
export const CONSOLE_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; " +
  "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

function send(res: Response, type: string, body: string): void {
  res.setHeader('content-security-policy', CONSOLE_CSP);
  res.setHeader('x-content-type-options', 'nosniff');
  res.setHeader('referrer-policy', 'no-referrer');
  // The page is tiny and changes with every deploy; never let a proxy keep it.
  res.setHeader('cache-control', 'no-store');
  res.setHeader('x-frame-options', 'DENY');
  res.type(type).send(body);
}

export function consoleRoutes(): Router {
  const router = Router();
  router.get('/', (_req, res) => send(res, 'text/html; charset=utf-8', CONSOLE_HTML));
  router.get('/console.js', (_req, res) => send(res, 'text/javascript; charset=utf-8', CONSOLE_JS));
  router.get('/console.css', (_req, res) => send(res, 'text/css; charset=utf-8', CONSOLE_CSS));
  return router;
}
