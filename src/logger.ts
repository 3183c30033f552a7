// pino with the redaction that keeps credentials out of every log line, whatever a
// caller passes in by mistake.
import { pino, type Logger, type DestinationStream } from 'pino';

export const REDACT_PATHS = [
  'authorization', '*.authorization', '*.*.authorization',
  'headers.authorization', 'req.headers.authorization', 'request.headers.authorization',
  'api_key', '*.api_key', 'apiKey', '*.apiKey', 'token', '*.token', 'password', '*.password',
  'headers["x-api-key"]', 'headers["api-key"]', 'headers.cookie',
];

export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'compliance-sidecar' },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}

export type { Logger };
