// True- and false-positive examples for the secret detector. The fake credentials are
// assembled at load time from a prefix and deterministic filler, so that no literal token
// sits in the source for a secret scanner (or a push protection) to trip over.
import type { DetectorExample } from '../../types.js';

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const HEX = '0123456789abcdef';
const BASE64 = `${ALNUM}+/`;
const BASE64URL = `${ALNUM}-_`;

/** Deterministic random-looking text: the same on every run, nobody's credential. */
function filler(seed: number, length: number, alphabet = ALNUM): string {
  let x = seed >>> 0;
  let out = '';
  for (let i = 0; i < length; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    out += alphabet[(x >>> 16) % alphabet.length];
  }
  return out;
}

const join = (...parts: string[]): string => parts.join('');

// AWS publishes this pair as its documentation example.
const AWS_ID = join('AKIA', 'IOSFODNN7EXAMPLE');
const AWS_SECRET = join('wJalrXUtnFEMI/K7MDENG/', 'bPxRfiCYEXAMPLEKEY');
const GH_CLASSIC = join('ghp', '_', filler(1, 36));
const GH_FINE = join('github', '_pat_', filler(2, 22), '_', filler(3, 59));
const GITLAB = join('glpat', '-', filler(4, 20, BASE64URL));
const SLACK_BOT = join('xoxb', '-', filler(5, 12, '0123456789'), '-', filler(6, 13, '0123456789'), '-', filler(7, 24));
const SLACK_HOOK = join('https://hooks.', 'slack.com/services/T', filler(8, 8), '/B', filler(9, 10), '/', filler(10, 24));
const STRIPE = join('sk', '_live_', filler(11, 24));
const OPENAI_PROJECT = join('sk', '-proj-', filler(12, 74, BASE64URL), 'T3BlbkFJ', filler(13, 74, BASE64URL));
const OPENAI_LEGACY = join('sk', '-', filler(14, 20), 'T3BlbkFJ', filler(15, 20));
const ANTHROPIC = join('sk', '-ant-api03-', filler(16, 93, BASE64URL), 'AA');
const GCP = join('AI', 'za', filler(17, 35, BASE64URL));
const SENDGRID = join('SG', '.', filler(18, 22, BASE64URL), '.', filler(19, 43, BASE64URL));
const TWILIO_SID = join('AC', filler(20, 32, HEX));
const TWILIO_TOKEN = filler(21, 32, HEX);
const TWILIO_KEY = join('SK', filler(22, 32, HEX));
const AZURE_ACCOUNT_KEY = join(filler(23, 86, BASE64), '==');
const AZURE_AD_SECRET = join(filler(24, 3), '8', 'Q~', filler(25, 34, `${ALNUM}_~.`));
const AZURE_SAS_SIG = join(filler(26, 43), '%3D');
// jwt.io's well-known example token (HS256, "John Doe").
const JWT = join(
  'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9',
  '.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ',
  '.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c',
);
const pemLines = (seed: number, lines: number, eol: string): string =>
  Array.from({ length: lines }, (_, i) => filler(seed + i, 64, BASE64)).join(eol);
const RSA_KEY = join('-----BEGIN RSA ', 'PRIVATE KEY-----\n', pemLines(30, 6, '\n'), '\n-----END RSA PRIVATE KEY-----');
// As in a service-account JSON file: newlines escaped.
const JSON_KEY = join('-----BEGIN ', 'PRIVATE KEY-----\\n', pemLines(40, 4, '\\n'), '\\n-----END PRIVATE KEY-----');
const BEARER = filler(26, 40, `${ALNUM}-_.`);
const API_KEY_VALUE = filler(27, 32, HEX);
const PASSWORD_VALUE = 'Xk9#mP2$vL8@qR4!';

/** A key with invisible characters written into it (zero-width spaces, soft hyphens). */
const spaced = (key: string, mark: string, every: number): string => key.replace(new RegExp(`(.{${every}})(?!$)`, 'g'), `$1${mark}`);
const GH_ZERO_WIDTH = spaced(GH_CLASSIC, '\u200b', 4);
const AWS_SOFT_HYPHENS = spaced(AWS_ID, '\u00ad', 1);
const GH_TAGGED = spaced(spaced(GH_CLASSIC, '\ufe0f', 5), '\u{e0001}', 9);

export const positive: readonly DetectorExample[] = [
  { text: `token: ${GH_ZERO_WIDTH} (zero-width spaces inside)`, matches: [GH_ZERO_WIDTH] },
  { text: `id ${AWS_SOFT_HYPHENS}\u200d, soft hyphens`, matches: [AWS_SOFT_HYPHENS] },
  { text: `tags and selectors: ${GH_TAGGED}.`, matches: [GH_TAGGED] },
  {
    text: `[default]\naws_access_key_id = ${AWS_ID}\naws_secret_access_key = ${AWS_SECRET}\n`,
    matches: [AWS_ID, AWS_SECRET],
  },
  { text: `export GITHUB_TOKEN=${GH_CLASSIC}`, matches: [GH_CLASSIC] },
  { text: `fine-grained: ${GH_FINE} (expires soon)`, matches: [GH_FINE] },
  { text: `git clone https://oauth2:${GITLAB}@gitlab.example.com/group/repo.git`, matches: [GITLAB] },
  { text: `SLACK_BOT=${SLACK_BOT}; hook ${SLACK_HOOK}`, matches: [SLACK_BOT, SLACK_HOOK] },
  { text: `stripe.api_key = "${STRIPE}"`, matches: [STRIPE] },
  { text: `OPENAI_API_KEY=${OPENAI_PROJECT}\nold one: ${OPENAI_LEGACY}`, matches: [OPENAI_PROJECT, OPENAI_LEGACY] },
  { text: `client = Anthropic(api_key="${ANTHROPIC}")`, matches: [ANTHROPIC] },
  { text: `maps?key=${GCP}&callback=init`, matches: [GCP] },
  { text: `SENDGRID_API_KEY='${SENDGRID}'`, matches: [SENDGRID] },
  { text: `twilio: ${TWILIO_SID}:${TWILIO_TOKEN} and key ${TWILIO_KEY}`, matches: [TWILIO_TOKEN, TWILIO_KEY] },
  {
    text: `DefaultEndpointsProtocol=https;AccountName=acme;AccountKey=${AZURE_ACCOUNT_KEY};EndpointSuffix=core.windows.net`,
    matches: [AZURE_ACCOUNT_KEY],
  },
  { text: `AZURE_CLIENT_SECRET="${AZURE_AD_SECRET}"`, matches: [AZURE_AD_SECRET] },
  { text: `https://acme.blob.core.windows.net/c/f.txt?sv=2022-11-02&se=2026-12-01&sr=b&sp=r&sig=${AZURE_SAS_SIG}`, matches: [AZURE_SAS_SIG] },
  { text: `curl -H "Authorization: Bearer ${JWT}" https://api.example.com`, matches: [JWT] },
  { text: `here is my key:\n${RSA_KEY}\nthanks`, matches: [RSA_KEY] },
  {
    text: `{"type": "service_account", "private_key": "${JSON_KEY}\\n", "client_email": "x@y.iam.gserviceaccount.com"}`,
    matches: [JSON_KEY],
  },
  {
    text: 'DATABASE_URL=postgres://app:S3cr3t-P4ss@db.internal:5432/app and redis://:p4ssw0rd@cache:6379',
    matches: ['S3cr3t-P4ss', 'p4ssw0rd'],
  },
  { text: 'mongodb+srv://admin:hunter2xyz@cluster0.example.mongodb.net/test', matches: ['hunter2xyz'] },
  { text: 'Server=db;Database=app;User Id=sa;Password=Pa55w0rd!;', matches: ['Pa55w0rd!'] },
  { text: `curl -H 'Authorization: Bearer ${BEARER}'`, matches: [BEARER] },
  { text: `config:\n  api_key: "${API_KEY_VALUE}"\n  password: ${PASSWORD_VALUE}\n`, matches: [API_KEY_VALUE, PASSWORD_VALUE] },
];

export const negative: readonly DetectorExample[] = [
  { text: 'commit 3f786850e387550fdab836ed7e6dc881de23001b fixed it' },
  { text: 'request id 550e8400-e29b-41d4-a716-446655440000, sha256 e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855' },
  { text: 'password=hunter2 is too short to judge' },
  { text: 'token = os.environ["API_TOKEN"]; secret: process.env.CLIENT_SECRET_VALUE' },
  { text: 'api_key: YOUR_API_KEY_GOES_HERE and password: <your-password-here>' },
  { text: 'postgres://user@localhost/db and postgres://user:${DB_PASSWORD}@db/app' },
  { text: 'AKIA1234567890ABCDEF is not base32' },
  { text: 'eyJmb28iOiJiYXIifQ.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2lnbmF0dXJlLXNpZ25hdHVyZQ has no alg' },
  { text: 'use sk-learn, the sk-1234 placeholder, or task-sk-abc' },
  { text: 'max_tokens: 1024, temperature: 0.7; the secret is in the sauce and tokens are cheap' },
  { text: '-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA\n-----END PUBLIC KEY-----' },
  { text: 'ghp_short and github_pat_tooShort and xoxb-notatoken' },
  { text: 'Authorization: Bearer <token> and Bearer xxxxxxxxxxxxxxxxxxxxxxxx' },
  // Each vendor's prefix without a key behind it, or an identifier that is not a secret.
  { text: 'GCP: the key starts AIzaSy and is 39 characters long, e.g. AIzaSyShort' },
  { text: 'GitLab tokens look like glpat-xxxx; ours is glpat-short' },
  { text: 'Stripe: sk_live_ and sk_test_ prefixes; pk_live_ keys are publishable' },
  { text: 'Anthropic keys begin sk-ant-api03- and are long; sk-ant-short is not one' },
  { text: `Twilio account SID ${TWILIO_SID} identifies the account and is no secret` },
  { text: 'SendGrid keys start SG. followed by two parts, like SG.abc.def' },
  { text: 'Azure: AccountKey=<your-key>; SharedAccessKey=short and ?sv=2022&sig=abc' },
];
