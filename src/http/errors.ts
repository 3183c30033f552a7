// Sending the sidecar's own errors in the OpenAI shape, and the one Express error handler.
import type { NextFunction, Request, Response } from 'express';
import type { ServerResponse } from 'node:http';
import { SidecarError } from '../errors.js';
import type { Logger } from '../logger.js';

export function sendError(res: ServerResponse, err: SidecarError): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = JSON.stringify(err.toBody());
  res.statusCode = err.status;
  res.setHeader('content-type', 'application/json');
  res.setHeader('content-length', Buffer.byteLength(body));
  res.end(body);
}

/** Express error handler: knows `headersSent`, never leaks a stack or a body. */
export function errorHandler(logger: Logger) {
  return function handleError(err: unknown, req: Request, res: Response, _next: NextFunction): void {
    if (err instanceof SidecarError) return sendError(res, err);
    const status = (err as { status?: number }).status;
    if (status === 400 && (err as { type?: string }).type === 'entity.parse.failed') {
      return sendError(res, new SidecarError('invalid_json', 'The request body is not valid JSON.'));
    }
    if (status === 413) return sendError(res, new SidecarError('request_too_large', 'The request body is too large.'));
    logger.error({ err, method: req.method, path: req.path }, 'unhandled error');
    sendError(res, new SidecarError('internal_error', 'Internal error in the sidecar.'));
  };
}
