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

/**
 * Failed-auth throttling per client address: past `perMinute` failures in a sliding
 * minute, the address gets 429 without its token being checked (guessing gets slow).
 */
export class AuthThrottle {
  readonly #perMinute: number;
  readonly #failures = new Map<string, number[]>();

  constructor(perMinute: number) {
    this.#perMinute = perMinute;
  }

  blocked(addr: string, now = Date.now()): boolean {
    const list = this.#failures.get(addr);
    if (!list) return false;
    while (list.length > 0 && list[0]! <= now - 60_000) list.shift();
    if (list.length === 0) this.#failures.delete(addr);
    return list.length >= this.#perMinute;
  }

  fail(addr: string, now = Date.now()): void {
    if (this.#failures.size > 10_000) this.#failures.clear(); // bounded memory under a spray of addresses
    const list = this.#failures.get(addr) ?? [];
    list.push(now);
    this.#failures.set(addr, list);
  }
}

/** Middleware factory: options checked once, returns a named function. */
export function requireRole(roleOf: (header: string | undefined) => Role | null, needed: Role, throttle?: AuthThrottle) {
  return function checkRole(req: Request, res: Response, next: NextFunction): void {
    const addr = req.socket.remoteAddress ?? 'unknown';
    if (throttle?.blocked(addr)) {
      res.setHeader('retry-after', '60');
      return sendError(res, new SidecarError('too_many_requests', 'Too many failed authentication attempts; try again later.'));
    }
    const role = roleOf(req.headers.authorization);
    if (!role) {
      throttle?.fail(addr);
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
