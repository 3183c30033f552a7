// Audit records with chosen values, for tests (pure: no database, no network).
import type { AuditRecord } from '../../../../src/audit/record.js';
import { uuidv7 } from '../../../../src/ids.js';

export function makeRecord(over: Partial<AuditRecord> = {}): AuditRecord {
  const receivedAt = over.receivedAt ?? new Date();
  const durationMs = over.durationMs ?? 100;
  return {
    id: uuidv7(),
    receivedAt,
    completedAt: new Date(receivedAt.getTime() + Math.ceil(durationMs)),
    durationMs,
    ttfbMs: 10.5,
    method: 'POST',
    path: '/v1/chat/completions',
    route: 'chat.completions',
    model: 'gpt-test',
    returnedModel: 'gpt-test-2026',
    stream: false,
    status: 200,
    upstreamStatus: 200,
    errorCode: null,
    upstreamError: null,
    keyFingerprint: 'abcdef012345',
    clientIp: '127.0.0.1',
    caller: 'svc-a',
    clientRequestId: null,
    upstreamRequestId: 'req_1',
    params: { temperature: 0.7, top_p: 1 },
    prompt: 'hello',
    promptStorage: 'full',
    response: 'hi there',
    responseStorage: 'full',
    promptTokens: 10,
    completionTokens: 5,
    totalTokens: 15,
    cachedTokens: null,
    reasoningTokens: null,
    usageSource: 'upstream',
    decision: 'allow',
    findings: [],
    policyVersion: 'v1',
    filterMs: 0.25,
    retries: 0,
    requestBytes: 100,
    responseBytes: 200,
    clientAborted: false,
    ...over,
  };
}
