// Scrubbing throughput and accuracy: Lethe's engine beside the npm redaction libraries, same corpus, same run.
import { faker } from '@faker-js/faker';
import { Redactor } from '@redactpii/node';
import { SyncRedactor } from '@libretto/redact-pii-light';
import { OpenRedaction } from 'openredaction';
import * as pg from 'libpg-query';
import { type FieldKind, scrub } from '#core/scrub/engine.ts';
import { scrubSql } from '#core/scrub/sql.ts';

interface Sample {
  kind: FieldKind;
  text: string;
  planted?: string;
  benign: boolean;
}

const luhnCard = () => faker.finance.creditCardNumber({ issuer: 'visa' }).replace(/-/g, ' ');
const two = (n: number) => String(n).padStart(2, '0');
/** EU national identifiers with their check digits computed (issue 18): PESEL, DNI, NIE, PPS, NINO. */
function nationalId(): string {
  switch (faker.number.int({ min: 0, max: 4 })) {
    case 0: {
      const d = faker.date.birthdate();
      const body = `${two(d.getFullYear() % 100)}${two(d.getMonth() + 1 + (d.getFullYear() >= 2000 ? 20 : 0))}${two(d.getDate())}${faker.string.numeric(4)}`;
      const sum = [...body].reduce((a, c, i) => a + Number(c) * [1, 3, 7, 9][i % 4]!, 0);
      return `${body}${(10 - (sum % 10)) % 10}`;
    }
    case 1: {
      const n = faker.number.int({ min: 10_000_000, max: 99_999_999 });
      return `${n}${'TRWAGMYFPDXBNJZSQVHLCKE'[n % 23]}`;
    }
    case 2: {
      const n = faker.number.int({ min: 0, max: 9_999_999 });
      return `Y${String(n).padStart(7, '0')}${'TRWAGMYFPDXBNJZSQVHLCKE'[(10_000_000 + n) % 23]}`;
    }
    case 3: {
      const body = faker.string.numeric(7);
      const r = [...body].reduce((a, c, i) => a + Number(c) * (8 - i), 0) % 23;
      return `${body}${r === 0 ? 'W' : String.fromCharCode(64 + r)}`;
    }
    default:
      return `${faker.helpers.arrayElement(['AB', 'CE', 'JR', 'WL'])}${faker.string.numeric(6)}${faker.helpers.arrayElement(['A', 'B', 'C', 'D'])}`;
  }
}
function planted(): string {
  const pick = faker.number.int({ min: 0, max: 11 });
  switch (pick) {
    case 8:
      return `${faker.helpers.arrayElement(['jürgen', 'zoë', 'łukasz', 'søren', 'josé'])}.${faker.string.alpha(5).toLowerCase()}${faker.helpers.arrayElement(['@', '＠'])}${faker.helpers.arrayElement(['münchen.de', 'example.fr', 'kraków.pl'])}`;
    case 9:
      return faker.helpers.arrayElement([
        `00${faker.helpers.arrayElement(['49', '33', '372'])} ${faker.string.numeric(3)} ${faker.string.numeric(4)}`,
        `+49 (0)${faker.string.numeric(2)} ${faker.string.numeric(7)}`,
      ]);
    case 10:
      return nationalId();
    case 11:
      return `aws_secret_access_key=${faker.string.alphanumeric({ length: 40, casing: 'mixed' })}`;
    case 0:
      return faker.internet.email().toLowerCase();
    case 1:
      return `+372 5${faker.string.numeric(3)} ${faker.string.numeric(4)}`;
    case 2:
      return luhnCard();
    case 3:
      return faker.finance.iban({ formatted: false, countryCode: 'DE' });
    case 4:
      return faker.internet.ipv4();
    case 5:
      return `eyJhbGciOiJIUzI1NiJ9.eyJ${faker.string.alphanumeric(24)}.${faker.string.alphanumeric(30)}`;
    case 6:
      return `sk_live_${faker.string.alphanumeric(24)}`;
    default:
      return `${String(faker.number.int({ min: 1, max: 665 })).padStart(3, '0')}-${String(faker.number.int({ min: 1, max: 99 })).padStart(2, '0')}-${String(faker.number.int({ min: 1, max: 9999 })).padStart(4, '0')}`;
  }
}
function benignValue(): string {
  const pick = faker.number.int({ min: 0, max: 8 });
  switch (pick) {
    case 7:
      // look-alikes of identifiers: times in seconds and milliseconds
      return String(faker.date.recent().getTime() / (faker.datatype.boolean() ? 1 : 1000)).split('.')[0]!;
    case 8:
      // a 9-digit order number (the BSN's length: only after its name is one taken for a BSN)
      return String(faker.number.int({ min: 100_000_000, max: 999_999_999 }));
    case 0:
      return faker.string.hexadecimal({ length: 32, casing: 'lower', prefix: '' });
    case 1:
      return faker.string.hexadecimal({ length: 40, casing: 'lower', prefix: '' });
    case 2:
      return faker.date.recent().toISOString();
    case 3:
      return `v${faker.system.semver()}`;
    case 4:
      return String(faker.number.int({ min: 1, max: 9999 }));
    case 5:
      return `${faker.number.int({ min: 1, max: 30000 })}ms`;
    default:
      return String(faker.helpers.arrayElement([200, 201, 204, 301, 404, 500, 503]));
  }
}
function shape(kind: FieldKind, v: string): string {
  const seg = faker.helpers.arrayElement(['orders', 'cart', 'users', 'api/v2/items', 'checkout']);
  switch (kind) {
    case 'url':
      return `https://${faker.internet.domainName()}/${seg}/${encodeURIComponent(v)}?page=${faker.number.int(9)}&ref=${encodeURIComponent(v)}`;
    case 'service-url':
      return `https://api.${faker.internet.domainName()}/v1/${seg}?id=${encodeURIComponent(v)}`;
    case 'label':
      return `${faker.helpers.arrayElement(['Welcome', 'Pay', 'Send to', 'Order for', 'Saved'])} ${v}`;
    case 'error':
      return `Error: request failed for ${v} at ${faker.system.filePath()}:${faker.number.int(500)}:${faker.number.int(80)}`;
    case 'query':
      return `SELECT id, total FROM orders WHERE note = '${v.replace(/'/g, "''")}' AND amount > ${faker.number.int(999)}`;
  }
}

/**
 * The corpus, as the ingest handler receives it: parsed from a JSON request body. (Faker's concatenated strings
 * are V8 cons strings, which every library would read through an extra indirection; JSON.parse gives flat ones.)
 */
export function corpus(n: number, seed = 42): Sample[] {
  return JSON.parse(JSON.stringify(generate(n, seed)));
}

function generate(n: number, seed: number): Sample[] {
  faker.seed(seed);
  const kinds: FieldKind[] = ['url', 'label', 'error', 'query', 'service-url'];
  return Array.from({ length: n }, (_, i) => {
    const kind = kinds[i % kinds.length]!;
    if (i % 3 === 0) {
      const v = benignValue();
      // A long number in a URL path is made a route template ({id}) by design (it may name a person), so the
      // identifier look-alikes (times, 9-digit order numbers) are controls in labels and errors only.
      const lookAlike = /^\d{9,}$/.test(v);
      const text =
        lookAlike && (kind === 'url' || kind === 'service-url')
          ? `Order ${v} shipped`
          : kind === 'query'
            ? `SELECT id FROM orders WHERE status = ? LIMIT ?`
            : kind === 'label'
              ? `Build ${v}`
              : kind === 'error'
                ? `Timeout after ${v} (trace ${faker.string.hexadecimal({ length: 32, casing: 'lower', prefix: '' })})`
                : `https://app.example.com/api/v2/orders/${v}?page=2`;
      return { kind: lookAlike && text.startsWith('Order') ? 'label' : kind, text, benign: true };
    }
    const p = planted();
    return { kind, text: shape(kind, p), planted: p, benign: false };
  });
}

type Redact = (s: Sample) => string | undefined;

/** Recall (planted value gone) and the share of benign controls left exactly as they were. */
function accuracy(samples: Sample[], outputs: Array<string | undefined>) {
  let found = 0;
  let planted = 0;
  let benignKept = 0;
  let benign = 0;
  samples.forEach((s, i) => {
    const out = outputs[i];
    if (s.benign) {
      benign++;
      if (out === s.text) benignKept++;
    } else {
      planted++;
      const gone =
        out === undefined ||
        (!out.includes(s.planted!) &&
          !out.includes(encodeURIComponent(s.planted!)) &&
          !out.includes(s.planted!.replace(/'/g, "''")));
      if (gone) found++;
    }
  });
  return { recall: found / planted, benignUnchanged: benign ? benignKept / benign : 1 };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
};

/**
 * Throughput of several redactors on the same samples. This machine's speed drifts by tens of per cent from
 * second to second, so the redactors take turns in short slices (rotating who goes first) and each figure is
 * the median over the slices; the ratio between two redactors is the median of their per-round ratios.
 */
function race(samples: Sample[], redactors: Record<string, Redact>, rounds = 15, sliceMs = 200) {
  const bytes = samples.reduce((s, x) => s + Buffer.byteLength(x.text), 0);
  const names = Object.keys(redactors);
  const outputs: Record<string, Array<string | undefined>> = {};
  for (const name of names) outputs[name] = samples.map(redactors[name]!); // warm-up (JIT), not timed
  const perRound: Array<Record<string, number>> = [];
  for (let r = 0; r < rounds; r++) {
    const round: Record<string, number> = {};
    for (let k = 0; k < names.length; k++) {
      const name = names[(k + r) % names.length]!;
      const redact = redactors[name]!;
      let passes = 0;
      const t0 = performance.now();
      do {
        for (const s of samples) redact(s);
        passes++;
      } while (performance.now() - t0 < sliceMs);
      round[name] = (bytes * passes) / 1e6 / ((performance.now() - t0) / 1000);
    }
    perRound.push(round);
  }
  const results: Record<string, { mbPerSec: number; recall: number; benignUnchanged: number }> = {};
  for (const name of names)
    results[name] = { mbPerSec: median(perRound.map((r) => r[name]!)), ...accuracy(samples, outputs[name]!) };
  const ratio = (a: string, b: string) => median(perRound.map((r) => r[a]! / r[b]!));
  return { results, ratio };
}

export async function runScrubBench() {
  const samples = corpus(6000);
  const redactpii = new Redactor();
  const light = new SyncRedactor();
  const openr = new OpenRedaction({ redactionMode: 'placeholder' } as any);
  const { results, ratio } = race(samples, {
    lethe: (s) => scrub(s.kind, s.text).value,
    '@redactpii/node': (s) => redactpii.redact(s.text),
    '@libretto/redact-pii-light': (s) => light.redact(s.text),
  });
  // openredaction is async-only and about 100× slower: one timed pass of awaited calls
  {
    const bytes = samples.reduce((s, x) => s + Buffer.byteLength(x.text), 0);
    const t0 = performance.now();
    const outs: string[] = [];
    for (const s of samples) outs.push((await openr.detect(s.text)).redacted);
    const ms = performance.now() - t0;
    results.openredaction = { mbPerSec: bytes / 1e6 / (ms / 1000), ...accuracy(samples, outs) };
  }
  // SQL alone: Lethe's literal scrubber beside libpg-query's normalizeSync (the PostgreSQL parser)
  await pg.loadModule();
  const sql = samples.filter((s) => s.kind === 'query');
  const sqlRace = race(
    sql,
    {
      lethe: (s) => scrubSql(s.text),
      'libpg-query normalizeSync': (s) => {
        try {
          return pg.normalizeSync(s.text);
        } catch {
          return s.text;
        }
      },
    },
    7,
  );
  return {
    corpus: {
      samples: samples.length,
      bytes: samples.reduce((s, x) => s + Buffer.byteLength(x.text), 0),
      planted: samples.filter((s) => !s.benign).length,
    },
    results,
    sql: sqlRace.results,
    speedupVsRedactpii: ratio('lethe', '@redactpii/node'),
  };
}

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('scrub.ts')) {
  console.log(JSON.stringify(await runScrubBench(), null, 2));
}
