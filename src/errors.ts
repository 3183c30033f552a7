// One catalogue of the errors the sidecar makes itself: code -> HTTP status and OpenAI type.
// Upstream errors are never rewritten; these are only for what the sidecar decides.

export const ERRORS = {
  content_filter: { status: 400, type: 'invalid_request_error' },
  invalid_json: { status: 400, type: 'invalid_request_error' },
  invalid_request: { status: 400, type: 'invalid_request_error' },
  request_too_large: { status: 413, type: 'invalid_request_error' },
  not_found: { status: 404, type: 'invalid_request_error' },
  upstream_unreachable: { status: 502, type: 'api_error' },
  upstream_timeout: { status: 504, type: 'api_error' },
  upstream_not_configured: { status: 502, type: 'api_error' },
  audit_unavailable: { status: 503, type: 'api_error' },
  policy_unavailable: { status: 503, type: 'api_error' },
  internal_error: { status: 500, type: 'api_error' },
  scan_failed: { status: 500, type: 'api_error' },
  scan_timeout: { status: 503, type: 'api_error' },
  // Admin API
  invalid_parameter: { status: 400, type: 'invalid_request_error' },
  unauthorized: { status: 401, type: 'authentication_error' },
  forbidden: { status: 403, type: 'permission_error' },
  too_many_requests: { status: 429, type: 'rate_limit_error' },
  invalid_policy: { status: 422, type: 'invalid_request_error' },
} as const satisfies Record<string, { status: number; type: string }>;

export type ErrorCode = keyof typeof ERRORS;

export interface OpenAIErrorBody {
  error: {
    message: string;
    type: string;
    param: string | null;
    code: ErrorCode;
    sidecar?: Record<string, unknown>;
  };
}

/** An error the sidecar answers with itself; carries its catalogue code. */
export class SidecarError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly param: string | null = null,
    readonly extra?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'SidecarError';
    this.status = ERRORS[code].status;
  }

  toBody(): OpenAIErrorBody {
    const body: OpenAIErrorBody = {
      error: { message: this.message, type: ERRORS[this.code].type, param: this.param, code: this.code },
    };
    if (this.extra) body.error.sidecar = this.extra;
    return body;
  }
}
