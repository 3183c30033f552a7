// The registry: every detector, one sorted array. Adding a detector = one file + one line.
import type { Detector } from '../types.js';
import { cnResidentId } from './cn-resident-id.js';
import { creditCard } from './credit-card.js';
import { email } from './email.js';
import { iban } from './iban.js';
import { ipAddress } from './ip-address.js';
import { keywords } from './keywords.js';
import { moderation } from './moderation.js';
import { phone } from './phone.js';
import { regex } from './regex.js';
import { secret } from './secret.js';
import { ssn } from './ssn.js';

/** Sorted by id (the generic test checks the order). */
export const DETECTORS: readonly Detector[] = [
  cnResidentId,
  creditCard,
  email,
  iban,
  ipAddress,
  keywords,
  moderation,
  phone,
  regex,
  secret,
  ssn,
];

const BY_ID: ReadonlyMap<string, Detector> = new Map(DETECTORS.map((d) => [d.id, d]));

export function getDetector(id: string): Detector | undefined {
  return BY_ID.get(id);
}
