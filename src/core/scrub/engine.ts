import { createHmac } from 'node:crypto';
import { DETECTORS, type Detector, features } from './detectors.ts';
import { specialCategoryOf } from './special.ts';
import { scrubSql } from './sql.ts';

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
  detectors: string[];
  /** set when a special category was found: the field is dropped */
  specialCategory?: string;
}

/** Query parameter names whose values are personal by their very name → the placeholder they get. */
const PERSONAL_PARAMS: Record<string, string[]> = {
  email: ['email', 'mail', 'emailaddress', 'mailto', 'recipient'],
  phone: ['phone', 'tel', 'telephone', 'mobile', 'msisdn', 'phonenumber', 'cell'],
  name: ['name', 'firstname', 'lastname', 'fullname', 'surname', 'givenname', 'familyname', 'fname', 'lname', 'username', 'login', 'nickname'],
  address: ['address', 'street', 'addr', 'zip', 'zipcode', 'postcode', 'postalcode', 'city', 'dob', 'birthdate', 'dateofbirth', 'birthday'],
  search: ['q', 'query', 'search', 'searchterm', 'term', 'keyword', 'keywords', 's', 'text'],
  token: ['token', 'accesstoken', 'idtoken', 'refreshtoken', 'auth', 'authorization', 'code', 'session', 'sessionid', 'sid', 'jsessionid', 'phpsessid', 'apikey', 'key', 'secret', 'clientsecret', 'signature', 'sig'],
  password: ['password', 'passwd', 'pwd', 'pass', 'pin', 'otp'],
  id: ['ssn', 'nationalid', 'personalcode', 'isikukood', 'iban', 'card', 'cardnumber', 'cc', 'cvv'],
};
const PARAM_LABEL = new Map(Object.entries(PERSONAL_PARAMS).flatMap(([label, names]) => names.map((n) => [n, label] as const)));

function personalParam(name: string): string | undefined {
  return PARAM_LABEL.get(safeDecode(name).toLowerCase().replace(/[-_]/g, ''));
}

function safeDecode(s: string): string {
  if (!s.includes('%') && !s.includes('+')) return s;
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return s;
  }
}

/** Compiled detector lists per rule set (the account's rules object is reused across a batch). */
const compiled = new WeakMap<object, Detector[]>();
function detectorsFor(rules: ScrubRules): Detector[] {
  if (!rules.extraPatterns?.length) return DETECTORS;
  let d = compiled.get(rules.extraPatterns);
  if (!d) {
    d = [...rules.extraPatterns.map((p) => ({ name: `custom:${p.name}`, label: p.name, pattern: new RegExp(p.pattern, 'g') })), ...DETECTORS];
    compiled.set(rules.extraPatterns, d);
  }
  return d;
}

class Redactor {
  readonly found = new Set<string>();
  private readonly detectors: Detector[];
  constructor(private readonly rules: ScrubRules) {
    this.detectors = detectorsFor(rules);
  }

  replacement(detector: string, label: string, original: string): string {
    this.found.add(detector);
    switch (this.rules.method ?? 'placeholder') {
      case 'remove': return '';
      case 'mask': return original.length <= 2 ? '**' : `${original[0]}${'*'.repeat(Math.min(original.length - 1, 8))}`;
      case 'hash': {
        const key = this.rules.hashKey ?? Buffer.alloc(0);
        return `{${label}:${createHmac('sha256', key).update(original).digest('hex').slice(0, 10)}}`;
      }
      default: return `{${label}}`;
    }
  }

  text(value: string): string {
    let out = value;
    const f = features(value);
    for (const d of this.detectors) {
      if (d.gate && !d.gate(f, value)) continue;
      d.pattern.lastIndex = 0;
      out = out.replace(d.pattern, (m: string) => (d.valid && !d.valid(m) ? m : this.replacement(d.name, d.label, m)));
    }
    return out;
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** One path segment: detectors on the decoded text; UUIDs and long numbers become {id}. */
const PLAIN_SEGMENT = /^[A-Za-z][A-Za-z.~-]{0,23}$/;
function scrubSegment(seg: string, r: Redactor): string {
  if (seg === '' || PLAIN_SEGMENT.test(seg)) return seg;
  const decoded = safeDecode(seg);
  if (UUID.test(decoded)) return r.replacement('uuid', 'id', decoded);
  if (/^\d{6,}$/.test(decoded) && !/^(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:[0-2]\d|3[01])$/.test(decoded)) return r.replacement('long-number', 'id', decoded);
  const cleaned = r.text(decoded);
  return cleaned === decoded ? seg : cleaned;
}

function scrubQuery(q: string, r: Redactor, allow: Set<string>): string {
  return q
    .split('&')
    .map((pair) => {
      if (pair === '') return pair;
      const eq = pair.indexOf('=');
      const name = eq < 0 ? pair : pair.slice(0, eq);
      if (eq < 0) return scrubSegment(name, r);
      const value = pair.slice(eq + 1);
      if (allow.has(safeDecode(name).toLowerCase())) return pair;
      const label = personalParam(name);
      if (label && value !== '') return `${name}=${r.replacement(`param:${label}`, label, value)}`;
      const decoded = safeDecode(value);
      const cleaned = UUID.test(decoded) ? r.replacement('uuid', 'id', decoded) : r.text(decoded);
      return cleaned === decoded ? pair : `${name}=${cleaned}`;
    })
    .join('&');
}

/** URL policy: keep scheme, host, path shape and parameter names; replace what is personal. */
export function scrubUrl(url: string, r: Redactor, allow: Set<string>): string {
  const m = /^([a-zA-Z][a-zA-Z0-9+.-]*:\/\/)?([^/?#]*)?([^?#]*)(\?[^#]*)?(#.*)?$/.exec(url);
  if (!m) return r.text(url);
  const [, scheme = '', authority = '', path = '', query = '', fragment = ''] = m;
  let auth = authority;
  if (scheme) {
    // credentials in the authority, and an IP address as host
    auth = auth.replace(/^[^@]*@/, (cred) => `${r.replacement('url-credentials', 'credentials', cred)}@`);
    auth = r.text(auth);
  } else if (auth) {
    // relative URL: the first "segment" is part of the path
    return scrubUrl(`x://h/${url}`, r, allow).replace(/^x:\/\/h\//, '');
  }
  const cleanPath = path.split('/').map((s) => scrubSegment(s, r)).join('/');
  const cleanQuery = query ? `?${scrubQuery(query.slice(1), r, allow)}` : '';
  const cleanFragment = fragment ? `#${fragment.includes('=') ? scrubQuery(fragment.slice(1), r, allow) : r.text(safeDecode(fragment.slice(1)))}` : '';
  return `${scheme}${auth}${cleanPath}${cleanQuery}${cleanFragment}`;
}

/**
 * Scrubs one field of an event according to its kind. Pure and deterministic (for 'hash', given the key).
 */
export function scrub(kind: FieldKind, value: string, rules: ScrubRules = {}): ScrubResult {
  if (kind !== 'query') {
    const special = specialCategoryOf(kind === 'url' || kind === 'service-url' ? safeDecode(value) : value);
    if (special) return { value: undefined, detectors: [`special:${special}`], specialCategory: special };
  }
  const r = new Redactor(rules);
  const allow = new Set((rules.allowParams ?? []).map((p) => p.toLowerCase()));
  let out: string;
  switch (kind) {
    case 'url':
    case 'service-url':
      out = scrubUrl(value, r, allow);
      break;
    case 'query':
      out = r.text(scrubSql(value));
      break;
    default:
      out = r.text(value);
  }
  return { value: out, detectors: [...r.found] };
}

export type { Redactor };
