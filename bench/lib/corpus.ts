// Deterministic text for the benchmarks: plain prose prompts (decision allow), and a
// realistic mixed document (prose, logs, code, JSON, contact and payment details,
// non-Latin scripts) with personal data but no secrets and no banned terms, so a call
// carrying it is redacted and forwarded rather than refused.

/** mulberry32: small, fast, good enough for test data. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Rand = () => number;
const pick = <T>(r: Rand, list: readonly T[]): T => list[Math.floor(r() * list.length)]!;
const digits = (r: Rand, n: number): string => Array.from({ length: n }, () => Math.floor(r() * 10)).join('');

const WORDS = (
  'the a an of to and in is it that for on with as was be by this are from or at have not but which they ' +
  'we you all can more one their there been has when who will would each about if out so what up its into ' +
  'than them only other new some could time these two may then first any like now such our over also after ' +
  'use most made many before must through back years where much your way well down should because long ' +
  'report customer account order invoice shipment quarter revenue meeting schedule summary draft review ' +
  'please update attached following question answer team project plan budget forecast analysis result ' +
  'model service request response latency error deploy release feature branch test build pipeline cluster ' +
  'database table query index migration backup restore region zone network traffic policy compliance audit ' +
  'contract vendor supplier payment refund discount product launch market segment campaign channel partner ' +
  'translate explain rewrite improve shorten formal friendly tone paragraph sentence bullet list section ' +
  'because however therefore meanwhile although moreover instead finally currently recently quickly ' +
  'important critical minor major internal external public private shared local global weekly monthly'
).split(' ');
const FIRST = ['maria', 'john', 'wei', 'aisha', 'lukas', 'sofia', 'omar', 'emma', 'raj', 'yuki', 'carlos', 'anna'];
const LAST = ['lopez', 'smith', 'zhang', 'khan', 'muller', 'rossi', 'haddad', 'brown', 'patel', 'tanaka', 'garcia', 'novak'];
const DOMAINS = ['example.com', 'example.org', 'mail.example.net', 'acme.example'];
const PHONES = ['+1 415 555 0132', '(415) 555-0199', '+44 20 7946 0958', '+49 30 901820', '+33 1 09 75 83 51', '+1-212-555-0147'];
const SCRIPTS = [
  'Grüße aus München: die Lieferung kommt am Dienstag, bitte prüfen Sie die Rechnung.',
  'Ça va ? Le rapport trimestriel est prêt, voir la section « coûts » ci-dessous.',
  '数据处理协议已经更新，请在周五之前确认新的条款。',
  'お世話になっております。来週の会議の資料を添付いたします。',
  'Статус заказа изменён: ожидается доставка на следующей неделе.',
  'El café de la esquina cerró; la reunión será en la oficina ✅ 🚀',
];
const CODE = [
  'function total(items) {\n  return items.reduce((sum, i) => sum + i.price * i.qty, 0);\n}',
  'def retry(fn, attempts=3):\n    for n in range(attempts):\n        try:\n            return fn()\n        except TimeoutError:\n            continue',
  'SELECT region, count(*) AS orders FROM orders WHERE created_at > now() - interval \'7 days\' GROUP BY region;',
  'const cfg = { retries: 3, timeoutMs: 2500, endpoint: "/v2/orders" };\nexport default cfg;',
];

function sentence(r: Rand): string {
  const n = 8 + Math.floor(r() * 13);
  const words: string[] = [];
  for (let i = 0; i < n; i++) words.push(pick(r, WORDS));
  if (r() < 0.3) words[Math.floor(n / 2)] += ',';
  const s = words.join(' ');
  return s.charAt(0).toUpperCase() + s.slice(1) + (r() < 0.1 ? '?' : '.');
}

/** Prose only: no personal data, secrets or banned terms. */
export function prose(chars: number, seed = 1): string {
  const r = rng(seed);
  let out = '';
  while (out.length < chars) out += (out ? ' ' : '') + sentence(r);
  return out.slice(0, chars);
}

function luhnComplete(partial: string): string {
  let sum = 0;
  for (let i = 0; i < partial.length; i++) {
    let d = Number(partial[partial.length - 1 - i]);
    if (i % 2 === 0) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return partial + String((10 - (sum % 10)) % 10);
}

function germanIban(r: Rand): string {
  const bban = digits(r, 18);
  const numeric = `${bban}131400`; // "DE00": D=13, E=14
  let mod = 0;
  for (const ch of numeric) mod = (mod * 10 + Number(ch)) % 97;
  const iban = `DE${String(98 - mod).padStart(2, '0')}${bban}`;
  return iban.replace(/(.{4})/g, '$1 ').trim();
}

function cnResidentId(r: Rand): string {
  const body = `110101199${Math.floor(r() * 10)}0${1 + Math.floor(r() * 9)}1${Math.floor(r() * 9)}${digits(r, 3)}`;
  const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(body[i]) * weights[i]!;
  return body + '10X98765432'[sum % 11]!;
}

const BLOCKS: readonly { readonly weight: number; readonly make: (r: Rand) => string }[] = [
  { weight: 60, make: (r) => Array.from({ length: 2 + Math.floor(r() * 4) }, () => sentence(r)).join(' ') },
  {
    weight: 8,
    make: (r) =>
      `2025-03-${String(1 + Math.floor(r() * 28)).padStart(2, '0')}T10:${digits(r, 2)}:${digits(r, 2)}Z INFO request from ` +
      `10.${Math.floor(r() * 255)}.${Math.floor(r() * 255)}.${Math.floor(r() * 255)} to api-${Math.floor(r() * 9)}.corp.example.com ` +
      `took ${Math.floor(r() * 900)}ms status=${pick(r, ['200', '200', '200', '404', '503'])}`,
  },
  { weight: 7, make: (r) => pick(r, CODE) },
  {
    weight: 6,
    make: (r) =>
      `{"order_id": ${digits(r, 6)}, "status": "${pick(r, ['shipped', 'pending', 'returned'])}", "total": ${Math.floor(r() * 900)}.${digits(r, 2)}, "items": ${1 + Math.floor(r() * 5)}}`,
  },
  { weight: 7, make: (r) => pick(r, SCRIPTS) },
  {
    weight: 3,
    make: (r) => {
      const f = pick(r, FIRST);
      const l = pick(r, LAST);
      return `Contact ${f} ${l} at ${f}.${l}@${pick(r, DOMAINS)} or call ${pick(r, PHONES)} about the ${pick(r, WORDS)} ${pick(r, WORDS)}.`;
    },
  },
  {
    weight: 2,
    make: (r) => {
      const card = luhnComplete(`4${digits(r, 14)}`).replace(/(\d{4})/g, '$1 ').trim();
      return `Payment by card ${card}, refund to IBAN ${germanIban(r)}; order reference ${digits(r, 12)}.`;
    },
  },
  { weight: 1, make: (r) => `Applicant SSN ${100 + Math.floor(r() * 500)}-${10 + Math.floor(r() * 89)}-${1000 + Math.floor(r() * 8999)}, resident ID ${cnResidentId(r)}.` },
];
const TOTAL_WEIGHT = BLOCKS.reduce((s, b) => s + b.weight, 0);

/** About `bytes` UTF-8 bytes of realistic mixed text (never more). */
export function mixedText(bytes: number, seed = 7): string {
  const r = rng(seed);
  const parts: string[] = [];
  let size = 0;
  while (true) {
    let x = r() * TOTAL_WEIGHT;
    let block = BLOCKS[0]!;
    for (const b of BLOCKS) {
      x -= b.weight;
      if (x < 0) {
        block = b;
        break;
      }
    }
    const text = block.make(r) + '\n\n';
    const len = Buffer.byteLength(text);
    if (size + len > bytes) break;
    parts.push(text);
    size += len;
  }
  return parts.join('');
}

const ONSETS = ['b', 'd', 'f', 'g', 'k', 'l', 'm', 'n', 'p', 'r', 's', 't', 'v', 'z', 'br', 'dr', 'kr', 'st', 'tr', 'zh', 'qu', 'th'];
const VOWELS = ['a', 'e', 'i', 'o', 'u', 'ae', 'io', 'ou'];
const CODAS = ['', '', 'n', 'r', 'x', 'l', 'sk', 'th'];

/**
 * `n` distinct made-up terms shaped like code names and banned phrases ("project
 * vorakel", "zhutrax", "kelio bramsk"). No word of a term is in `avoid`, so none of them
 * occurs in a text whose words `avoid` holds.
 */
export function keywords(n: number, avoid: ReadonlySet<string>, seed = 3): string[] {
  const r = rng(seed);
  const word = (): string => {
    let w = '';
    const syllables = 2 + Math.floor(r() * 2);
    for (let i = 0; i < syllables; i++) w += pick(r, ONSETS) + pick(r, VOWELS);
    w += pick(r, CODAS);
    return avoid.has(w) ? word() : w;
  };
  const out = new Set<string>();
  while (out.size < n) {
    const x = r();
    out.add(x < 0.4 ? `project ${word()}` : x < 0.7 ? word() : `${word()} ${word()}`);
  }
  return [...out];
}

/** The lower-cased words of a text. */
export function wordsOf(text: string): Set<string> {
  return new Set(text.toLowerCase().match(/\p{L}+/gu) ?? []);
}

export const MODEL = 'gpt-4o-mini';

/** A chat completion request whose user message is `promptChars` of plain prose. */
export function smallChat(promptChars: number, opts: { readonly stream?: boolean; readonly seed?: number } = {}): Buffer {
  return Buffer.from(
    JSON.stringify({
      model: MODEL,
      messages: [
        { role: 'system', content: 'You are a helpful assistant for the operations team.' },
        { role: 'user', content: prose(promptChars, opts.seed ?? 1) },
      ],
      temperature: 0.2,
      ...(opts.stream ? { stream: true } : {}),
    }),
  );
}

/** A chat completion request carrying `text` as one pasted document. */
export function documentChat(text: string): Buffer {
  return Buffer.from(
    JSON.stringify({
      model: MODEL,
      messages: [
        { role: 'system', content: 'You review documents for the compliance team.' },
        { role: 'user', content: `Summarise the following document.\n\n${text}` },
      ],
    }),
  );
}
