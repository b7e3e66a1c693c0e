import { createHmac } from 'node:crypto';
import { type DetectorInfo, detect, inert, localAt } from './detectors.ts';
import { keyOf, specialCategoryOrPlain } from './special.ts';
import { safeDecode } from './percent.ts';
import { scrubSql } from './sql.ts';
import { compilePattern, growthCap, PatternError, replaceMatches } from './patterns.ts';
import type { RE2JS } from 're2js';
import { unsliced } from './strings.ts';

export const FIELD_KINDS = ['url', 'label', 'error', 'query', 'service-url'] as const;
export type FieldKind = (typeof FIELD_KINDS)[number];
export type RedactionMethod = 'placeholder' | 'remove' | 'mask' | 'hash';

export interface ScrubRules {
  /** extra detectors of the account: name + regular expression source */
  extraPatterns?: Array<{ name: string; pattern: string }>;
  /** query parameter names kept as they are */
  allowParams?: string[];
  method?: RedactionMethod;
  /** key for the 'hash' method: equal values give equal hashes within one account */
  hashKey?: Buffer;
}

export interface ScrubResult {
  /** the value to store; undefined when the field must not be stored at all */
  value: string | undefined;
  /** names of the detectors that fired (for findings) */
  detectors: readonly string[];
  /** set when a special category was found: the field is dropped */
  specialCategory?: string;
}

/** Query parameter names whose values are personal by their very name → the placeholder they get. */
const PERSONAL_PARAMS: Record<string, string[]> = {
  email: ['email', 'mail', 'emailaddress', 'mailto', 'recipient'],
  phone: ['phone', 'tel', 'telephone', 'mobile', 'msisdn', 'phonenumber', 'cell'],
  name: [
    'name',
    'firstname',
    'lastname',
    'fullname',
    'surname',
    'givenname',
    'familyname',
    'fname',
    'lname',
    'username',
    'login',
    'nickname',
  ],
  address: [
    'address',
    'street',
    'addr',
    'zip',
    'zipcode',
    'postcode',
    'postalcode',
    'city',
    'dob',
    'birthdate',
    'dateofbirth',
    'birthday',
  ],
  search: ['q', 'query', 'search', 'searchterm', 'term', 'keyword', 'keywords', 's', 'text'],
  token: [
    'token',
    'accesstoken',
    'idtoken',
    'refreshtoken',
    'auth',
    'authorization',
    'code',
    'session',
    'sessionid',
    'sid',
    'jsessionid',
    'phpsessid',
    'apikey',
    'key',
    'secret',
    'clientsecret',
    'signature',
    'sig',
  ],
  password: ['password', 'passwd', 'pwd', 'pass', 'pin', 'otp'],
  user: ['user', 'userid', 'uid', 'customer', 'customerid', 'member', 'memberid', 'owner'],
  id: ['ssn', 'nationalid', 'personalcode', 'isikukood', 'iban', 'card', 'cardnumber', 'cc', 'cvv'],
};
const PARAM_LABEL = new Map(
  Object.entries(PERSONAL_PARAMS).flatMap(([label, names]) => names.map((n) => [n, label] as const)),
);
/**
 * filter on (length, first letter, last letter) of the names above, as for special-category words: most names ('page',
 * 'ref') stop here
 */
const PARAM_FILTER = new Uint8Array(32 * 32 * 32);
for (const n of PARAM_LABEL.keys()) PARAM_FILTER[keyOf(n.length, n.charCodeAt(0), n.charCodeAt(n.length - 1))] = 1;

function personalParam(url: string, s: number, e: number): string | undefined {
  let simple = e > s;
  for (let i = s; i < e && simple; i++) {
    const c = url.charCodeAt(i);
    simple = c >= 97 && c <= 122;
  }
  if (simple) {
    return PARAM_FILTER[keyOf(e - s, url.charCodeAt(s), url.charCodeAt(e - 1))]
      ? PARAM_LABEL.get(url.slice(s, e))
      : undefined;
  }
  return PARAM_LABEL.get(safeDecode(url.slice(s, e)).toLowerCase().replace(/[-_]/g, ''));
}

/** A part of a URL decoded (a '+' kept where plusIsItself says), as the scans read it: joined, never a slice. */
function decodedPart(raw: string): string {
  runEnd = -1;
  const decoded = safeDecode(raw, plusIsItself);
  return decoded === raw ? unsliced(raw) : decoded;
}

/**
 * Whether a raw '+' in a part of a URL is itself rather than a space. Form encoding makes a space a '+', but in a
 * path a '+' is itself (RFC 3986), and hand-built queries carry it unencoded too. Read as a space, it would hide a
 * phone's prefix ("+4915…") or cut an e-mail address in two ("john.doe+shop@…" would leave "john.doe" behind). So a
 * '+' is itself where it starts a number (a digit after it, no letter or digit before it) or lies in a run of e-mail
 * local-part characters that ends at an '@' (raw or %40); elsewhere, a space. Each run is read once (linear).
 */
function plusIsItself(s: string, i: number): boolean {
  const next = s.charCodeAt(i + 1);
  if (next >= 48 && next <= 57 && !(i > 0 && /[A-Za-z0-9]/.test(s[i - 1]!))) return true;
  if (i >= runEnd) {
    let j = i;
    while (j < s.length && !(s.charCodeAt(j) === 37 && s.startsWith('40', j + 1)) && localAt(s, j)) j++;
    runEnd = j;
    runAtSign = j < s.length && (s.charCodeAt(j) === 64 || s.charCodeAt(j) === 37);
  }
  return runAtSign;
}
/** where the last run of local-part characters plusIsItself read ends, and whether an e-mail sign ends it */
let runEnd = -1;
let runAtSign = false;

interface Custom {
  name: string;
  label: string;
  pattern: RE2JS;
}
/** Compiled per-account patterns (the account's rules object is reused across a batch). */
const compiled = new WeakMap<object, Custom[]>();
function customFor(rules: ScrubRules): Custom[] | undefined {
  if (!rules.extraPatterns?.length) return undefined;
  let d = compiled.get(rules.extraPatterns);
  if (!d) {
    // Saving refuses a pattern that does not compile (management.ts); one stored before that rule is skipped.
    d = rules.extraPatterns.flatMap((p) => {
      try {
        return [{ name: `custom:${p.name}`, label: p.name, pattern: compilePattern(p.pattern) }];
      } catch (e) {
        if (e instanceof PatternError) return [];
        throw e; // an engine that is not loaded must not mean "no patterns"
      }
    });
    compiled.set(rules.extraPatterns, d);
  }
  return d.length ? d : undefined;
}
const NO_PARAMS = new Set<string>();
const allowed = new WeakMap<object, Set<string>>();
function allowFor(rules: ScrubRules): Set<string> {
  if (!rules.allowParams?.length) return NO_PARAMS;
  let a = allowed.get(rules.allowParams);
  if (!a) allowed.set(rules.allowParams, (a = new Set(rules.allowParams.map((p) => p.toLowerCase()))));
  return a;
}

class Redactor {
  /** names of the detectors that fired, each once (allocated on the first) */
  found: string[] | undefined;
  private readonly custom: Custom[] | undefined;
  readonly allow: Set<string>;
  /**
   * @param plain the field holds no '@' and no '%' (special.ts: PLAIN), and so, as every text made from it here,
   *   neither an e-mail sign nor an escape
   */
  constructor(
    private readonly rules: ScrubRules,
    private readonly plain = false,
  ) {
    this.custom = customFor(rules);
    this.allow = allowFor(rules);
  }

  /** What replaces original[start, end) (the whole of it by default), by the account's method. */
  replacement(detector: string, label: string, original: string, start = 0, end = original.length): string {
    this.note(detector);
    switch (this.rules.method ?? 'placeholder') {
      case 'remove':
        return '';
      case 'mask':
        return end - start <= 2 ? '**' : `${original[start]}${'*'.repeat(Math.min(end - start - 1, 8))}`;
      case 'hash': {
        const key = this.rules.hashKey ?? Buffer.alloc(0);
        const value = original.slice(start, end);
        return `{${label}:${createHmac('sha256', key).update(value).digest('hex').slice(0, 10)}}`;
      }
      default:
        return `{${label}}`;
    }
  }

  private note(detector: string): void {
    if (!this.found) this.found = [detector];
    else if (!this.found.includes(detector)) this.found.push(detector);
  }

  onMatch(d: DetectorInfo, text: string, start: number, end: number, joined?: DetectorInfo[]): string {
    if (joined) for (const j of joined) this.note(j.name);
    return this.replacement(d.name, d.label, text, start, end);
  }

  /** Whether nothing in the text can be replaced: no patterns of the account, and no built-in detector can match. */
  passes(value: string, from: number, to: number): boolean {
    return !this.custom && inert(value, from, to);
  }

  /** The account's own patterns first, then the built-in detectors in one scan. */
  text(value: string): string {
    if (this.passes(value, 0, value.length)) return value;
    let out = value;
    if (this.custom) {
      const cap = growthCap(value.length);
      for (const d of this.custom) {
        const next = replaceMatches(out, d.pattern, (m) => this.replacement(d.name, d.label, m), cap);
        // Past the cap the whole field is the pattern's placeholder: it may only shrink what is stored.
        if (next === undefined) return this.replacement(d.name, d.label, value);
        out = next;
      }
    }
    return detect(out, this, this.plain);
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const isUuid = (s: string) => s.length === 36 && s.charCodeAt(8) === 45 && UUID.test(s);
/** six digits or more, and nothing else */
function longNumber(s: string): boolean {
  if (s.length < 6) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}
const DATE_NUMBER = /^(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:[0-2]\d|3[01])$/;

/**
 * The path segment url[s, e): detectors on the decoded text; UUIDs and long numbers become {id}. undefined: unchanged.
 */
function scrubSegment(url: string, s: number, e: number, r: Redactor): string | undefined {
  if (e - s !== 36 && r.passes(url, s, e)) return undefined; // (a UUID may be all letters)
  const decoded = decodedPart(url.slice(s, e));
  if (isUuid(decoded)) return r.replacement('uuid', 'id', decoded);
  if (longNumber(decoded) && !DATE_NUMBER.test(decoded)) return r.replacement('long-number', 'id', decoded);
  const cleaned = r.text(decoded);
  return cleaned === decoded ? undefined : cleaned;
}

/** The query (or fragment) parameter url[s, e). undefined: unchanged. */
function scrubPair(url: string, s: number, e: number, r: Redactor): string | undefined {
  const eq = url.indexOf('=', s);
  if (eq < 0 || eq >= e) return scrubSegment(url, s, e, r);
  if (r.allow.size && r.allow.has(safeDecode(url.slice(s, eq)).toLowerCase())) return undefined;
  const label = personalParam(url, s, eq);
  if (label && e > eq + 1) return `${url.slice(s, eq)}=${r.replacement(`param:${label}`, label, url.slice(eq + 1, e))}`;
  if (e - eq - 1 !== 36 && r.passes(url, eq + 1, e)) return undefined;
  const decoded = decodedPart(url.slice(eq + 1, e));
  const cleaned = isUuid(decoded) ? r.replacement('uuid', 'id', decoded) : r.text(decoded);
  return cleaned === decoded ? undefined : `${url.slice(s, eq)}=${cleaned}`;
}

/**
 * Applies `each` to the parts of url[from, to) between separators: the rebuilt range, or undefined when no part
 * changed.
 */
function mapParts(
  url: string,
  from: number,
  to: number,
  sep: string,
  each: (url: string, s: number, e: number, r: Redactor) => string | undefined,
  r: Redactor,
): string | undefined {
  let out = '';
  let copied = from; // url[from, copied) is in out; nothing is built until a part changes
  for (let start = from; start < to;) {
    let end = url.indexOf(sep, start);
    if (end < 0 || end > to) end = to;
    if (end > start) {
      const clean = each(url, start, end, r);
      if (clean !== undefined) {
        out += url.slice(copied, start) + clean;
        copied = end;
      }
    }
    start = end + 1;
  }
  return copied === from ? undefined : out + url.slice(copied, to);
}

/** Length of the "scheme://" at the start of the URL, or 0. */
function schemeLength(url: string): number {
  const p = url.indexOf('://');
  if (p <= 0) return 0;
  for (let i = 0; i < p; i++) {
    const c = url.charCodeAt(i);
    const letter = (c | 0x20) >= 97 && (c | 0x20) <= 122;
    if (!(letter || (i > 0 && ((c >= 48 && c <= 57) || c === 43 || c === 45 || c === 46)))) return 0;
  }
  return p + 3;
}

/** The authority url[s, e): credentials, and an IP address as host. undefined: unchanged. */
function scrubAuthority(url: string, s: number, e: number, r: Redactor): string | undefined {
  const cred = url.indexOf('@', s);
  if (cred >= 0 && cred < e)
    return r.text(
      `${r.replacement('url-credentials', 'credentials', url.slice(s, cred + 1))}@${url.slice(cred + 1, e)}`,
    );
  if (r.passes(url, s, e)) return undefined;
  const host = unsliced(url.slice(s, e));
  const cleaned = r.text(host);
  return cleaned === host ? undefined : cleaned;
}

/**
 * URL policy: keep scheme, host, path shape and parameter names; replace what is personal. Each part is
 * read in place; the URL is rebuilt only from the first part that changes.
 */
function scrubUrl(url: string, r: Redactor): string {
  const n = url.length;
  const hash = url.indexOf('#');
  let query = url.indexOf('?');
  if (hash >= 0 && query > hash) query = -1;
  if (hash >= 0)
    for (let i = hash; i < n; i++) {
      const c = url.charCodeAt(i);
      if (c === 10 || c === 13 || c === 0x2028 || c === 0x2029) return r.text(url);
    } // not a URL
  const end = query >= 0 ? query : hash >= 0 ? hash : n;
  let out = '';
  let copied = 0; // url[0, copied) is in out
  let pathStart = 0;
  const scheme = schemeLength(url);
  if (scheme) {
    let a = url.indexOf('/', scheme);
    if (a < 0 || a > end) a = end;
    pathStart = a;
    const auth = scrubAuthority(url, scheme, a, r);
    if (auth !== undefined) {
      out = url.slice(0, scheme) + auth;
      copied = a;
    }
  }
  const path = mapParts(url, pathStart, end, '/', scrubSegment, r);
  if (path !== undefined) {
    out += url.slice(copied, pathStart) + path;
    copied = end;
  }
  if (query >= 0) {
    const qEnd = hash >= 0 ? hash : n;
    const q = mapParts(url, query + 1, qEnd, '&', scrubPair, r);
    if (q !== undefined) {
      out += url.slice(copied, query + 1) + q;
      copied = qEnd;
    }
  }
  if (hash >= 0) {
    let f: string | undefined;
    if (url.indexOf('=', hash) >= 0) f = mapParts(url, hash + 1, n, '&', scrubPair, r);
    else if (!r.passes(url, hash + 1, n)) {
      const decoded = decodedPart(url.slice(hash + 1));
      const cleaned = r.text(decoded);
      if (cleaned !== decoded) f = cleaned;
    }
    if (f !== undefined) {
      out += url.slice(copied, hash + 1) + f;
      copied = n;
    }
  }
  return copied === 0 ? url : out + url.slice(copied);
}

const NO_RULES: ScrubRules = {};
const NO_DETECTORS: readonly string[] = [];

/**
 * Scrubs one field of an event according to its kind. Pure and deterministic (for 'hash', given the key).
 */
export function scrub(kind: FieldKind, value: string, rules: ScrubRules = NO_RULES): ScrubResult {
  let special: string | undefined;
  if (kind !== 'query') {
    special = specialCategoryOrPlain(value); // reads percent-escapes itself
    if (special) return { value: undefined, detectors: [`special:${special}`], specialCategory: special };
  }
  const r = new Redactor(rules, special === '');
  let out: string;
  switch (kind) {
    case 'url':
    case 'service-url':
      out = scrubUrl(value, r);
      break;
    case 'query':
      out = r.text(scrubSql(value));
      break;
    default:
      out = r.text(value);
  }
  return { value: out, detectors: r.found ?? NO_DETECTORS };
}

export type { Redactor };
