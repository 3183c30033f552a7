// Bearer-token roles for the admin API: auditors read, admins do everything. Tokens are
// compared in constant time (over their SHA-256, so lengths leak nothing either).
import { createHash, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { SidecarError } from '../../errors.js';
import { sendError } from '../errors.js';

export type Role = 'auditor' | 'admin';

const digest = (s: string) => createHash('sha256').update(s).digest();

export function createAuthenticator(tokens: { admin: readonly string[]; auditor: readonly string[] }) {
  const admin = tokens.admin.map(digest);
  const auditor = tokens.auditor.map(digest);
  return function roleOf(header: string | undefined): Role | null {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
    if (!m) return null;
    const d = digest(m[1]!);
    // Compare against every token, whatever matches, so timing says nothing.
    let role: Role | null = null;
    for (const t of admin) if (timingSafeEqual(t, d)) role = 'admin';
    for (const t of auditor) if (timingSafeEqual(t, d) && role === null) role = 'auditor';
    return role;
  };
}

/** Middleware factory: options checked once, returns a named function. */
export function requireRole(roleOf: (header: string | undefined) => Role | null, needed: Role) {
  return function checkRole(req: Request, res: Response, next: NextFunction): void {
    const role = roleOf(req.headers.authorization);
    if (!role) {
      res.setHeader('www-authenticate', 'Bearer');
      return sendError(res, new SidecarError('unauthorized', 'A valid bearer token is required.'));
    }
    if (needed === 'admin' && role !== 'admin') {
      return sendError(res, new SidecarError('forbidden', 'This action needs an admin token.'));
    }
    res.locals.role = role;
    next();
  };
}
