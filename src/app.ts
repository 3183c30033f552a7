// buildApp(ctx): the two Express apps (proxy and admin), without listening, so tests
// drive them directly.
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import express, { type Express, type Request, type Response } from 'express';
import type { AppContext } from './context.js';
import { SidecarError } from './errors.js';
import { sendError, errorHandler } from './http/errors.js';
import { createProxyHandler } from './http/proxy/handler.js';
import { proxyHomePage } from './http/proxy/pages.js';
import { auditRoutes } from './http/admin/audit-routes.js';
import { openApiDocument } from './http/admin/openapi.js';
import { policyRoutes } from './http/admin/policy-routes.js';
import { consoleRoutes } from './http/admin/console/routes.js';
import { AuthThrottle, createAuthenticator, requireRole } from './http/admin/auth.js';
import { uuidv7 } from './ids.js';

export interface Apps {
  /** /v1 calls go straight to the proxy handler; the few other paths through Express. */
  readonly proxy: RequestListener;
  readonly admin: Express;
}

export interface Readiness {
  readonly ready: boolean;
  readonly database: { readonly ok: boolean; readonly kind: string };
  readonly audit: ReturnType<AppContext['audit']['stats']>;
  readonly policies: ReturnType<AppContext['policies']['status']>;
}

export async function readiness(ctx: AppContext): Promise<Readiness> {
  const dbOk = await ctx.database.ping(1_000);
  const audit = ctx.audit.stats();
  const policies = ctx.policies.status();
  // Every record goes through the local spool: while it accepts records, none is lost even
  // with the database away (the backlog shows here), so a database outage alone does not
  // take a replica out of the load balancer.
  return {
    ready: policies.loaded && policies.unavailable.length === 0 && audit.accepting,
    database: { ok: dbOk, kind: ctx.database.kind },
    audit,
    policies,
  };
}

function base(): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  return app;
}

/**
 * URLs the fast route takes: `/v1`, `/v1/...` or `/v1?...` in origin form, which Express
 * would match with the same path. Anything else (absolute form, fragments) goes through
 * Express, whose route sends /v1 calls to the same handler.
 */
const FAST_V1 = /^\/v1(?:[/?]|$)/;

export function buildApp(ctx: AppContext): Apps {
  const proxy = base();
  const proxyCall = createProxyHandler(ctx);
  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    proxyCall(req, res).catch((err: unknown) => {
      ctx.logger.error({ err, method: req.method }, 'unhandled error');
      if (!res.headersSent) sendError(res, new SidecarError('internal_error', 'Internal error in the sidecar.'));
    });
  };
  const adminUrl = `http://${ctx.config.admin.host === '0.0.0.0' ? 'localhost' : ctx.config.admin.host}:${ctx.config.admin.port}/`;

  proxy.get('/healthz', (_req, res) => {
    res.setHeader('x-request-id', uuidv7());
    res.json({ status: 'ok' });
  });
  proxy.get('/readyz', async (_req, res) => {
    const r = await readiness(ctx);
    res.setHeader('x-request-id', uuidv7());
    res.status(r.ready ? 200 : 503).json(r);
  });
  proxy.get('/', (_req, res) => {
    res.setHeader('x-request-id', uuidv7());
    res.type('html').send(proxyHomePage(adminUrl));
  });
  proxy.all(/^\/v1(\/.*)?$/, (req: Request, res: Response) => handle(req, res));
  proxy.use((req: Request, res: Response) => {
    res.setHeader('x-request-id', uuidv7());
    res.setHeader('x-sidecar-decision', 'allow');
    sendError(res, new SidecarError('not_found', `Unknown path ${req.path}: the API is under /v1.`));
  });
  proxy.use(errorHandler(ctx.logger));

  const admin = base();
  const roleOf = createAuthenticator({ admin: ctx.tokens.admin, auditor: ctx.tokens.auditor });
  const throttle = new AuthThrottle(ctx.config.admin.authFailuresPerMinute);
  const auditor = requireRole(roleOf, 'auditor', throttle);
  admin.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  admin.get('/metrics', async (_req, res) => {
    res.setHeader('content-type', ctx.metrics.registry.contentType);
    res.send(await ctx.metrics.registry.metrics());
  });
  // The API description: no token needed, it holds no data (see openapi.ts).
  admin.get('/openapi.json', (_req, res) => {
    res.type('application/json').send(openApiDocument());
  });
  admin.use('/audit', auditor);
  admin.use('/policies', auditor);
  admin.use(auditRoutes(ctx));
  admin.use(policyRoutes(ctx, requireRole(roleOf, 'admin', throttle)));
  admin.use(consoleRoutes()); // GET / needs no token: the page asks for it
  admin.use((req: Request, res: Response) => {
    sendError(res, new SidecarError('not_found', `Unknown path ${req.path}.`));
  });
  admin.use(errorHandler(ctx.logger));
  // Express's routing and request decoration cost more per call than the rest of the
  // forwarding path; the proxy handler needs neither.
  const proxyListener: RequestListener = (req, res) => {
    const url = req.url ?? '';
    if (FAST_V1.test(url) && !url.includes('#')) handle(req, res);
    else proxy(req, res);
  };
  return { proxy: proxyListener, admin };
}
