// OpenAI-shaped error bodies, one table keyed by status, with the messages the real API
// uses, so the sidecar sees (and passes through) what it would see from a gateway.

export interface OpenAIErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

export interface ErrorReply {
  readonly status: number;
  readonly body: OpenAIErrorBody;
}

function reply(status: number, message: string, type: string, code: string | null, param: string | null = null): ErrorReply {
  return { status, body: { error: { message, type, param, code } } };
}

/** `sk-ab…wxyz` style masking, as OpenAI's 401 message shows the key it was given. */
export function maskKey(key: string): string {
  if (key.length <= 10) return '*'.repeat(key.length);
  return `${key.slice(0, 3)}${'*'.repeat(Math.min(key.length - 7, 40))}${key.slice(-4)}`;
}

export function incorrectKey(key: string): ErrorReply {
  return reply(
    401,
    `Incorrect API key provided: ${maskKey(key)}. You can find your API key at https://platform.openai.com/account/api-keys.`,
    'invalid_request_error',
    'invalid_api_key',
  );
}

export function missingKey(): ErrorReply {
  return reply(
    401,
    "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY), or as the password field (with blank username) if you're accessing the API from your browser and are prompted for a username and password. You can obtain an API key from https://platform.openai.com/account/api-keys.",
    'invalid_request_error',
    null,
  );
}

type Simulated = (model: string) => ErrorReply;

/** What `x-standin-status: N` returns; statuses not listed get a generic body. */
const SIMULATED: Readonly<Record<number, Simulated>> = {
  400: () => reply(400, 'Invalid request (simulated by x-standin-status).', 'invalid_request_error', null),
  401: () => incorrectKey('sk-standin-simulated-key'),
  403: () => reply(403, 'You are not allowed to sample from this model', 'invalid_request_error', null),
  404: (model) => modelNotFound(model),
  429: (model) =>
    reply(
      429,
      `Rate limit reached for ${model} in organization org-standin on requests per min (RPM): Limit 3, Used 3, Requested 1. Please try again in 20s. Visit https://platform.openai.com/account/rate-limits to learn more.`,
      'requests',
      'rate_limit_exceeded',
    ),
  500: () => reply(500, 'The server had an error while processing your request. Sorry about that!', 'server_error', null),
  502: () => reply(502, 'Bad gateway.', 'server_error', null),
  503: () => reply(503, 'The engine is currently overloaded, please try again later.', 'server_error', null),
};

export function simulated(status: number, model: string): ErrorReply {
  const make = SIMULATED[status];
  if (make) return make(model);
  return reply(status, `Simulated error ${status}.`, status >= 500 ? 'server_error' : 'invalid_request_error', null);
}

export function invalidUrl(method: string, path: string): ErrorReply {
  return reply(404, `Invalid URL (${method} ${path})`, 'invalid_request_error', null);
}

export function modelNotFound(model: string): ErrorReply {
  return reply(
    404,
    `The model \`${model}\` does not exist or you do not have access to it.`,
    'invalid_request_error',
    'model_not_found',
  );
}

export function invalidJson(): ErrorReply {
  return reply(
    400,
    "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON. If you have trouble figuring out how to fix this, please contact us through our help center at help.openai.com.)",
    'invalid_request_error',
    null,
  );
}

export function missingModel(): ErrorReply {
  return reply(400, 'you must provide a model parameter', 'invalid_request_error', null);
}

export function missingParam(param: string): ErrorReply {
  return reply(400, `Missing required parameter: '${param}'.`, 'invalid_request_error', 'missing_required_parameter', param);
}

export function invalidParam(param: string, message: string): ErrorReply {
  return reply(400, message, 'invalid_request_error', 'invalid_value', param);
}

/** A malformed `x-standin-*` header: a mistake in the test, not a simulated API error. */
export function badControl(message: string): ErrorReply {
  return reply(400, message, 'standin_control_error', 'bad_control_header');
}
