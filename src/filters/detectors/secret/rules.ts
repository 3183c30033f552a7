// Secret formats, gitleaks-style: each rule has keywords that must occur in the text before
// its (RE2) pattern is worth running, a pattern whose capture group 1, when present, is the
// secret itself (for an assignment: the value, not the name), and an optional check on that
// value. Key formats are public: the providers' documentation and gitleaks' rule set.
import { hasJwtHeader, isHighEntropyValue, isPlaceholder, isRandomLooking } from './checks.js';

export interface SecretRule {
  /** Sub-type name, usable in the detector's `exclude` option. */
  readonly id: string;
  /** One of these must occur in the text, as written (in any case when `ignoreCase`). */
  readonly keywords: readonly string[];
  readonly ignoreCase?: boolean;
  /** RE2 source; group 1, if it took part, is the reported span, else the whole match. */
  readonly pattern: string;
  readonly check?: (secret: string) => boolean;
}

/** Characters that may not touch a base64url token on its right. */
const END_B64URL = String.raw`(?:[^A-Za-z0-9_-]|$)`;
/** `name = `, `name: `, `"name": "`, `name => '`, `NAME=`: the glue of an assignment. */
const ASSIGN = String.raw`["']?\s{0,5}(?::=|=>|==|=|:)\s{0,5}["'\x60]?`;

export const SECRET_RULES: readonly SecretRule[] = [
  {
    id: 'private-key',
    keywords: ['PRIVATE KEY'],
    // The body may be PEM lines, JSON-escaped ones (`\n`, service-account files) or carry
    // armour headers (Proc-Type, DEK-Info, Version, Comment).
    pattern: String.raw`-----BEGIN[ A-Z0-9_-]{0,100}PRIVATE KEY(?: BLOCK)?-----[A-Za-z0-9+/=\s\\:,.()_-]{32,}?-----END[ A-Z0-9_-]{0,100}PRIVATE KEY(?: BLOCK)?-----`,
  },
  {
    // Without its end (cut off, or a stream not finished yet) the header still gives it away.
    id: 'private-key-header',
    keywords: ['PRIVATE KEY'],
    pattern: String.raw`-----BEGIN[ A-Z0-9_-]{0,100}PRIVATE KEY(?: BLOCK)?-----`,
  },
  {
    id: 'aws-access-key-id',
    keywords: ['AKIA', 'ASIA', 'ABIA', 'ACCA', 'A3T'],
    pattern: String.raw`\b((?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16})\b`,
  },
  {
    id: 'aws-secret-access-key',
    keywords: ['aws'],
    ignoreCase: true,
    pattern: String.raw`(?i:aws)[\w.-]{0,20}(?i:secret|key)[\w.-]{0,20}${ASSIGN}([A-Za-z0-9/+]{40})(?:[^A-Za-z0-9/+=]|$)`,
    check: isRandomLooking,
  },
  {
    id: 'gcp-api-key',
    keywords: ['AIza'],
    pattern: String.raw`\b(AIza[0-9A-Za-z_-]{35})${END_B64URL}`,
  },
  {
    id: 'azure-storage-account-key',
    keywords: ['accountkey', 'sharedaccesskey'],
    ignoreCase: true,
    pattern: String.raw`(?i:AccountKey|SharedAccessKey)\s*=\s*([A-Za-z0-9+/]{86}==|[A-Za-z0-9+/]{43}=)`,
  },
  {
    id: 'azure-sas-signature',
    keywords: ['sig='],
    pattern: String.raw`[?&]sig=([A-Za-z0-9%+/]{40,120}(?:%3D|=){0,2})`,
  },
  {
    // Entra ID (Azure AD) client secrets: three characters, a digit, `Q~`, then 31-34 more.
    id: 'azure-ad-client-secret',
    keywords: ['Q~'],
    pattern: String.raw`(?:^|[\\'"\x60\s>=:(,)])([a-zA-Z0-9_~.]{3}\dQ~[a-zA-Z0-9_~.-]{31,34})(?:$|[\\'"\x60\s<),])`,
  },
  {
    id: 'github-token',
    keywords: ['ghp_', 'gho_', 'ghu_', 'ghs_', 'ghr_', 'github_pat_'],
    pattern: String.raw`\b((?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{82,255})\b`,
  },
  {
    id: 'gitlab-token',
    keywords: ['glpat-', 'gldt-', 'glrt-', 'glptt-', 'glsoat-', 'glcbt-', 'glft-', 'gloas-'],
    pattern: String.raw`\b((?:glpat|gldt|glrt|glptt|glsoat|glcbt|glft|gloas)-[A-Za-z0-9_-]{20,255}(?:\.[A-Za-z0-9_-]+){0,3})${END_B64URL}`,
  },
  {
    id: 'slack-token',
    keywords: ['xox', 'xapp-'],
    pattern: String.raw`\b(xox[abeoprs]-[0-9A-Za-z]{1,60}(?:-[0-9A-Za-z]{1,80}){1,6}|xapp-\d-[A-Z0-9]{6,}-\d{6,}-[a-z0-9]{20,})\b`,
    check: (token) => token.length >= 24 && /\d/.test(token),
  },
  {
    id: 'slack-webhook',
    keywords: ['hooks.slack.com'],
    pattern: String.raw`((?:https?://)?hooks\.slack\.com/(?:services|workflows|triggers)/[A-Za-z0-9+/_-]{20,200})`,
  },
  {
    id: 'stripe-key',
    keywords: ['sk_live_', 'sk_test_', 'sk_prod_', 'rk_live_', 'rk_test_', 'rk_prod_', 'whsec_'],
    pattern: String.raw`\b((?:sk|rk)_(?:live|test|prod)_[0-9A-Za-z]{10,247}|whsec_[0-9A-Za-z]{24,247})\b`,
  },
  {
    id: 'anthropic-key',
    keywords: ['sk-ant-'],
    pattern: String.raw`\b(sk-ant-[a-z]{2,10}\d{2}-[A-Za-z0-9_-]{32,300})${END_B64URL}`,
  },
  {
    // Project, service-account and admin keys are recognisable by their prefix; legacy and
    // user keys by `T3BlbkFJ` ("OpenAI" in base64) in the middle.
    id: 'openai-key',
    keywords: ['sk-'],
    pattern: String.raw`\b(sk-(?:proj|svcacct|admin)-[A-Za-z0-9_-]{40,400}|sk-[A-Za-z0-9_-]{10,200}T3BlbkFJ[A-Za-z0-9_-]{10,200})${END_B64URL}`,
  },
  {
    id: 'twilio-api-key',
    keywords: ['SK'],
    pattern: String.raw`\b(SK[0-9a-fA-F]{32})\b`,
    check: isRandomLooking,
  },
  {
    // An account SID next to its auth token (`AC…:token`, `AC…, token`): the token is the secret.
    id: 'twilio-auth-token',
    keywords: ['AC'],
    pattern: String.raw`\bAC[0-9a-f]{32}["']?\s{0,3}[:,=]\s{0,3}["']?([0-9a-f]{32})\b`,
    check: isRandomLooking,
  },
  {
    id: 'twilio-auth-token-assignment',
    keywords: ['twilio'],
    ignoreCase: true,
    pattern: String.raw`(?i:twilio)[\w.-]{0,30}(?i:auth|token|secret)[\w.-]{0,20}${ASSIGN}([0-9a-f]{32})\b`,
    check: isRandomLooking,
  },
  {
    id: 'sendgrid-key',
    keywords: ['SG.'],
    pattern: String.raw`\b(SG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43})${END_B64URL}`,
  },
  {
    id: 'jwt',
    keywords: ['eyJ'],
    pattern: String.raw`\b(eyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{16,})${END_B64URL}`,
    check: hasJwtHeader,
  },
  {
    id: 'connection-string-password',
    keywords: ['://'],
    pattern: String.raw`\b(?:postgres(?:ql)?|mysql|mariadb|mongodb(?:\+srv)?|rediss?|amqps?|mssql|sqlserver|clickhouse|cockroachdb|couchdb|neo4j(?:\+s)?|s?ftp|smtps?|ldaps?)://[^\s:@/?#]{0,256}:([^\s@/?#]{1,256})@[^\s/?#@]`,
    check: (password) => !isPlaceholder(password),
  },
  {
    // ADO.NET / ODBC style: `Server=…;User Id=…;Password=…;`
    id: 'connection-string-password-field',
    keywords: ['password', 'pwd'],
    ignoreCase: true,
    pattern: String.raw`(?i:server|data source|host|address|uid|user id|username)\s*=[^;\n]{1,128};(?:[^;\n]{0,128};){0,7}\s*(?i:password|pwd)\s*=\s*([^;"'\s]{1,256})`,
    check: (password) => !isPlaceholder(password),
  },
  {
    id: 'bearer-token',
    keywords: ['bearer'],
    ignoreCase: true,
    // RE2 caps counted repetition at 1000, so the length limit sits in the check.
    pattern: String.raw`(?i:\bbearer)\s+([A-Za-z0-9_~+/.=-]{20,})`,
    check: (token) => token.length <= 4096 && isRandomLooking(token),
  },
  {
    id: 'generic-secret-assignment',
    keywords: ['pass', 'pwd', 'secret', 'token', 'key', 'auth', 'credential'],
    ignoreCase: true,
    pattern: String.raw`(?i)\b[a-z0-9_.-]{0,30}(?:password|passwd|passphrase|pwd|secret|token|api[_.-]?key|apikey|access[_.-]?key|private[_.-]?key|signing[_.-]?key|encryption[_.-]?key|auth[_.-]?key|credentials?)[a-z0-9_.-]{0,20}${ASSIGN}([A-Za-z0-9+/=_.~!@#$%^&*-]{15,255}[A-Za-z0-9+/=_~!@#$%^&*-])`,
    check: isHighEntropyValue,
  },
];
