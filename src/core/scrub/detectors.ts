/**
 * Detectors of accidental personal data, run as one left-to-right scan of the text.
 *
 * The scan looks at each position once and only tries a detector where its first characters can start
 * (a word start for cards, IBANs, keys…, an '@' for e-mail, a '+' for phones…). Each detector is an anchored
 * (sticky) regular expression tried at that position, so a text with nothing personal in it costs one pass
 * over its characters. Checksums keep false positives down (Luhn for cards, mod-97 for IBAN, the Estonian
 * isikukood check digit). When two detectors could match at the same position the earlier one in
 * `DETECTORS` wins; the leftmost match always wins.
 */

import {
  bsnValid,
  codiceFiscaleValid,
  cprValid,
  deTaxIdValid,
  dniValid,
  hetuValid,
  ninoValid,
  nirValid,
  peselValid,
  personnummerValid,
  ppsValid,
} from './national-ids.ts';

export interface DetectorInfo {
  name: string;
  /** placeholder text, e.g. "email" → {email} */
  label: string;
}

export const DETECTORS: readonly DetectorInfo[] = [
  { name: 'jwt', label: 'jwt' },
  { name: 'bearer-token', label: 'token' },
  { name: 'url-credentials', label: 'credentials' },
  { name: 'email', label: 'email' },
  { name: 'api-key', label: 'secret' },
  { name: 'iban', label: 'iban' },
  { name: 'payment-card', label: 'card' },
  { name: 'national-id-ee', label: 'national-id' },
  { name: 'national-id-us', label: 'national-id' },
  { name: 'national-id-pl', label: 'national-id' },
  { name: 'national-id-de', label: 'national-id' },
  { name: 'national-id-nl', label: 'national-id' },
  { name: 'national-id-fr', label: 'national-id' },
  { name: 'national-id-se', label: 'national-id' },
  { name: 'national-id-fi', label: 'national-id' },
  { name: 'national-id-dk', label: 'national-id' },
  { name: 'national-id-ie', label: 'national-id' },
  { name: 'national-id-es', label: 'national-id' },
  { name: 'national-id-uk', label: 'national-id' },
  { name: 'national-id-it', label: 'national-id' },
  { name: 'ipv4', label: 'ip' },
  { name: 'ipv6', label: 'ip' },
  { name: 'phone', label: 'phone' },
  { name: 'home-directory', label: 'user' },
  { name: 'password', label: 'password' },
  { name: 'secret-token', label: 'token' },
  { name: 'keyed-secret', label: 'secret' },
];
const byName = (name: string) => DETECTORS.find((d) => d.name === name)!;
const [JWT, BEARER, CREDENTIALS, EMAIL, API_KEY, IBAN, CARD, EE_ID, US_ID] = DETECTORS;
const [IPV4, IPV6, PHONE, HOME, PASSWORD, SECRET, KEYED] = [
  'ipv4',
  'ipv6',
  'phone',
  'home-directory',
  'password',
  'secret-token',
  'keyed-secret',
].map(byName);
const [PL_ID, DE_ID, NL_ID, FR_ID, SE_ID, FI_ID, DK_ID, IE_ID, ES_ID, UK_ID, IT_ID] = [
  'pl',
  'de',
  'nl',
  'fr',
  'se',
  'fi',
  'dk',
  'ie',
  'es',
  'uk',
  'it',
].map((c) => byName(`national-id-${c}`));

/**
 * Receives each match, text[start, end), and returns the text that replaces it. `joined` names detectors whose
 * matches overlapped this one and were merged into it.
 */
export interface Replacer {
  onMatch(detector: DetectorInfo, text: string, start: number, end: number, joined?: DetectorInfo[]): string;
}

export function luhn(digits: string): boolean {
  let sum = 0;
  let k = 0;
  for (let i = digits.length - 1; i >= 0; i--) {
    const c = digits.charCodeAt(i);
    if (c < 48 || c > 57) continue;
    let n = c - 48;
    if (k++ % 2 === 1) {
      n *= 2;
      if (n > 9) n -= 9;
    }
    sum += n;
  }
  return k >= 13 && k <= 19 && sum % 10 === 0;
}

export function ibanValid(raw: string): boolean {
  // two letters, two digits, then 11–30 letters or digits (white space ignored); mod 97 of the number made by
  // moving the first four characters to the end, with letters as 10–35, must be 1
  let rem = 0;
  let k = 0;
  let head = 0; // the first four characters, packed
  for (let i = 0; i < raw.length; i++) {
    let c = raw.charCodeAt(i);
    if (c === 32 || (c >= 9 && c <= 13)) continue;
    if (c >= 97 && c <= 122) c -= 32;
    const letter = c >= 65 && c <= 90;
    const digit = c >= 48 && c <= 57;
    if (k < 2 ? !letter : k < 4 ? !digit : !(letter || digit)) return false;
    if (k < 4) head = head * 128 + c;
    else rem = letter ? (rem * 100 + (c - 55)) % 97 : (rem * 10 + (c - 48)) % 97;
    k++;
  }
  if (k < 15 || k > 34) return false;
  for (let j = 3; j >= 0; j--) {
    const c = Math.floor(head / 128 ** j) % 128;
    rem = c >= 65 ? (rem * 100 + (c - 55)) % 97 : (rem * 10 + (c - 48)) % 97;
  }
  return rem === 1;
}

/** Estonian personal identification code: GYYMMDDSSSC with a two-pass weighted check digit. */
export function isikukoodValid(code: string): boolean {
  if (!/^[1-6]\d{10}$/.test(code)) return false;
  const d = (i: number) => code.charCodeAt(i) - 48;
  let c = 0;
  for (let i = 0; i < 10; i++) c += ((i % 9) + 1) * d(i);
  c %= 11;
  if (c === 10) {
    c = 0;
    for (let i = 0; i < 10; i++) c += (((i + 2) % 9) + 1) * d(i);
    c %= 11;
    if (c === 10) c = 0;
  }
  const month = d(3) * 10 + d(4);
  const day = d(5) * 10 + d(6);
  return c === d(10) && month >= 1 && month <= 12 && day >= 1 && day <= 31;
}

// ---- character classes (ASCII) ----
const WORD = 1; // \w
const DIGIT = 2;
const UPPER = 4;
const LOWER = 8;
const HEX = 16;
const LOCAL = 32; // e-mail local part: [A-Za-z0-9._%+-]
const TOKEN = 64; // [A-Za-z0-9_-]
const PHONE_PRE = 128; // what may not precede a national phone number: [\w.:-]
const TRIGGER = 256; // a non-word character where a detector may start: white space = : + ( / \\
const SPACE_ONLY = 512; // ASCII white space
const CLS = new Uint16Array(128);
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c);
  let f = 0;
  if (/\w/.test(ch)) f |= WORD;
  if (/\d/.test(ch)) f |= DIGIT;
  if (/[A-Z]/.test(ch)) f |= UPPER;
  if (/[a-z]/.test(ch)) f |= LOWER;
  if (/[0-9a-fA-F]/.test(ch)) f |= HEX;
  if (/[A-Za-z0-9._%+-]/.test(ch)) f |= LOCAL;
  if (/[A-Za-z0-9_-]/.test(ch)) f |= TOKEN;
  if (/[\w.:-]/.test(ch)) f |= PHONE_PRE;
  if (/[\s=:+(/\\]/.test(ch)) f |= TRIGGER;
  if (/\s/.test(ch)) f |= SPACE_ONLY;
  CLS[c] = f;
}
const cls = (c: number) => (c < 128 ? CLS[c]! : 0);
/** class of text[i]; 0 past either end */
const clsAt = (text: string, i: number) => {
  if (i < 0 || i >= text.length) return 0;
  const c = text.charCodeAt(i);
  return c < 128 ? CLS[c]! : 0;
};
/** text[i] as a code, 0 past either end: charCodeAt's NaN there would make every comparison slow */
const ch = (text: string, i: number) => (i >= 0 && i < text.length ? text.charCodeAt(i) : 0);

// ---- anchored patterns, tried only where a scan says they can start ----
const OCTET = '(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
const JWT_Y = /eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/y;
const BEARER_Y = /[A-Za-z0-9._~+/-]{8,}=*/y;
const CREDENTIALS_Y = /[^\s/:@]+:[^\s/@]+(?=@)/y;
const DOMAIN_Y = /[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/y;
const API_KEY_Y =
  /(?:(?:sk|pk|rk)_(?:live|test)_[A-Za-z0-9]{10,}|A[KS]IA[0-9A-Z]{16}|gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{22,}|glpat-[A-Za-z0-9_-]{20,}|xox[abposr]-[A-Za-z0-9-]{10,}|AIza[0-9A-Za-z_-]{35})\b/y;
const IBAN_Y = /[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30}\b/y;
const CARD_Y = /\d(?:[ -]?\d){12,18}\b/y;
const IPV4_Y = new RegExp(`${OCTET}(?:\\.${OCTET}){3}(?!\\d)(?!\\.\\d)`, 'y');
const IPV6_Y =
  /(?:[0-9a-fA-F]{1,4}:){7}[0-9a-fA-F]{1,4}(?![:\w])|(?:[0-9a-fA-F]{1,4}:){1,6}:(?:[0-9a-fA-F]{1,4}:){0,5}[0-9a-fA-F]{1,4}(?![:\w])/y;
const PHONE_INTL_Y = /\+\d{1,3}[\s.-]?(?:\(0\)[\s.-]?)?\(?\d{1,4}\)?(?:[\s.-]?\d{1,4}){2,5}(?!\w)/y;
/** the 00 international prefix: written with at least one separator (a zero-padded id has none) */
const PHONE_00_Y = /00[1-9]\d{0,2}[\s.-]?(?:\(0\)[\s.-]?)?\(?\d{1,4}\)?(?:[\s.-]?\d{1,4}){2,5}(?![\w.:-])/y;
const NIR_SPACED_Y = /[1278] \d{2} \d{2} \d{2} \d{3} \d{3} \d{2}(?!\w)/y;
const NINO_SPACED_Y = /[A-Z]{2} \d{2} \d{2} \d{2} [A-D](?!\w)/y;
/** an e-mail domain with letters beyond ASCII (IDN), or its ACE form */
const DOMAIN_U_Y = /[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)*\.(?:\p{L}{2,}|xn--[a-z0-9-]+)/uy;
const UNICODE_LOCAL = /[\p{L}\p{N}\p{M}]/u;
const PHONE_NATIONAL_Y = /\(?0\d{1,4}\)?[\s-]\d{3,4}[\s-]?\d{3,4}(?![\w.:-])/y;
const SECRET_Y = /[A-Za-z0-9_-]{32,}\b/y;
const HOME_NAME_Y = /[^/\\\s:]+/y;

/** End of the sticky pattern's match at i, or -1. */
function at(re: RegExp, text: string, i: number): number {
  re.lastIndex = i;
  return re.test(text) ? re.lastIndex : -1;
}

function hasUpperLowerDigit(text: string, s: number, e: number): boolean {
  let f = 0;
  for (let i = s; i < e; i++) {
    const c = text.charCodeAt(i);
    if (c < 128) f |= CLS[c]!;
    if ((f & (UPPER | LOWER | DIGIT)) === (UPPER | LOWER | DIGIT)) return true;
  }
  return false;
}

/** Case-insensitive comparison of text[i, i+len) with a lower-case ASCII word. */
function wordIs(text: string, i: number, len: number, word: string): boolean {
  if (len !== word.length) return false;
  for (let k = 0; k < len; k++) if ((ch(text, i + k) | 0x20) !== word.charCodeAt(k)) return false;
  return true;
}

/** \s of JavaScript regular expressions */
function isSpace(c: number): boolean {
  if (c < 128) return c === 32 || (c >= 9 && c <= 13);
  return (
    c === 0xa0 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000 ||
    c === 0xfeff
  );
}

const BEARER_WORDS = ['bearer', 'basic', 'token'];
const PASSWORD_WORDS = ['password', 'passwd', 'pwd', 'pass'];
/** Whether the whole \w run that ends at `end` is one of `words` (any case). */
function keywordBefore(text: string, end: number, words: string[]): boolean {
  let s = end;
  while (s > 0 && end - s <= 8 && clsAt(text, s - 1) & WORD) s--;
  if (s > 0 && clsAt(text, s - 1) & WORD) return false;
  for (const w of words) if (wordIs(text, s, end - s, w)) return true;
  return false;
}

/** The match found at one position: [start, end) replaced as `det` (start may lie after the position). */
let mStart = 0;
let mEnd = -1;
let mDet: DetectorInfo = JWT!;
/** after no match: the next position where a match can start */
let mSkip = 0;
function found(det: DetectorInfo, start: number, end: number): boolean {
  mDet = det;
  mStart = start;
  mEnd = end;
  return true;
}

// Each kind of starting character has its own small function: TurboFan inlines the character-class look-ups
// only in functions this small, and an inlined look-up costs a load where a call costs twenty.

/** A word of letters at [i, w) (its \\w run): JWT, API key, IBAN, IPv6, secret token. */
function wordMatch(text: string, i: number, c: number, f: number, w: number): boolean {
  const n = text.length;
  const len = w - i;
  const after = w < n ? text.charCodeAt(w) : 0;
  const lc = c | 0x20;
  let e: number;
  if (
    c === 101 &&
    len >= 3 &&
    text.charCodeAt(i + 1) === 121 &&
    text.charCodeAt(i + 2) === 74 &&
    (e = at(JWT_Y, text, i)) > 0
  )
    return found(JWT!, i, e);
  if (
    (len >= 16
      ? lc === 115 || lc === 112 || lc === 114 || lc === 103 || c === 65
      : (c === 120 && len === 4 && text.charCodeAt(i + 1) === 111) ||
        (c === 65 && len >= 4 && text.charCodeAt(i + 1) === 73) ||
        (c === 103 && len === 5 && after === 45)) &&
    (e = at(API_KEY_Y, text, i)) > 0
  )
    return found(API_KEY!, i, e);
  if (f & UPPER && len >= 4) {
    const c1 = text.charCodeAt(i + 1);
    const c2 = text.charCodeAt(i + 2);
    const c3 = text.charCodeAt(i + 3);
    if (
      c1 >= 65 &&
      c1 <= 90 &&
      c2 >= 48 &&
      c2 <= 57 &&
      c3 >= 48 &&
      c3 <= 57 &&
      (e = at(IBAN_Y, text, i)) > 0 &&
      ibanValid(text.slice(i, e))
    )
      return found(IBAN!, i, e);
  }
  if (f & UPPER && (len === 9 || len === 16 || len === 2) && lettersIdMatch(text, i, c, len, after)) return true;
  if (after === 58 && len <= 4 && f & HEX && hasColons(text) && (e = ipv6At(text, i)) > 0) return found(IPV6!, i, e);
  if (after === 45) {
    if ((e = secretAt(text, i)) > 0) return found(SECRET!, i, e);
  } else if (len >= 32 && i >= tokenSeen && hasUpperLowerDigit(text, i, w)) {
    // the word itself is the token
    return found(SECRET!, i, w);
  }
  // nothing starts inside this word except a dotted quad in its last digits (v1.2.3.4): skip to there
  let k = w;
  if (after === 46)
    while (k > i + 1) {
      const x = text.charCodeAt(k - 1);
      if (x < 48 || x > 57) break;
      k--;
    }
  mSkip = k;
  return false;
}

/** A digit at i (its digit run ends at d): card, national ids, IPv4, IPv6, national phone, secret token. */
function digitMatch(text: string, i: number, c: number, pc: number, d: number): boolean {
  const n = text.length;
  const pcls = pc < 128 ? CLS[pc]! : 0;
  const wordStart = (pcls & WORD) === 0;
  let e: number;
  if (wordStart) {
    const run = d - i;
    const after = d < n ? text.charCodeAt(d) : 0;
    // a NIR (sex 1/2/7/8) before a card (15-digit cards start with 3): its own key decides
    if (run === 15 && c !== 51 && digitsIdMatch(text, i, run, d, after)) return true;
    // a 13-digit card is a Visa (it starts with 4); a 13-digit run starting otherwise is a time in ms, not a card
    if (
      (run >= 13 ? run !== 13 || c === 52 : (after === 32 || after === 45) && cardDigits(text, d, run) >= 13) &&
      (e = at(CARD_Y, text, i)) > 0 &&
      luhn(text.slice(i, e))
    )
      return found(CARD!, i, e);
    if (run === 11 && c >= 49 && c <= 54 && !(cls(after) & WORD) && isikukoodValid(text.slice(i, d)))
      return found(EE_ID!, i, d);
    if (run === 3 && after === 45 && (e = ssnEnd(text, i)) > 0) return found(US_ID!, i, e);
    if (run <= 15 && run !== 3 && digitsIdMatch(text, i, run, d, after)) return true;
  }
  if (quadShape(text, i, pc) && (e = at(IPV4_Y, text, i)) > 0) return found(IPV4!, i, e);
  if (wordStart && (e = ipv6At(text, i)) > 0 && hasColons(text)) return found(IPV6!, i, e);
  if (c === 48 && !(pcls & PHONE_PRE) && i + 1 < n && (e = text.charCodeAt(i + 1)) >= 48 && e <= 57) {
    if (e === 48 && (e = at(PHONE_00_Y, text, i)) > 0 && phoneShape(text, i + 2, e, true)) return found(PHONE!, i, e);
    if ((e = at(PHONE_NATIONAL_Y, text, i)) > 0) return found(PHONE!, i, e);
  }
  if (wordStart && n - i >= 32) {
    const x = text.charCodeAt(i + 1);
    if (x < 128 && CLS[x]! & TOKEN && (e = secretAt(text, i)) > 0) return found(SECRET!, i, e);
  }
  return false;
}

/** Whether a word's last and third-last letters (l, l3; lower case) fit bearer, basic or token (…r?r, …s?c, …k?n). */
const bearerEnd = (l: number, l3: number) => (l === 114 ? l3 === 114 : l === 99 ? l3 === 115 : l === 110 && l3 === 107);

/** White space at i after "bearer", "basic" or "token": the token that follows. */
function bearerMatch(text: string, i: number): boolean {
  if (!keywordBefore(text, i, BEARER_WORDS)) return false;
  const n = text.length;
  let s = i + 1;
  while (s < n && isSpace(text.charCodeAt(s))) s++;
  const e = at(BEARER_Y, text, s);
  return e > 0 && found(BEARER!, s, e);
}

/** '=' or ':' at i after "password", "passwd", "pwd" or "pass": the value that follows. */
function passwordMatch(text: string, i: number): boolean {
  let k = i;
  while (k > 0 && isSpace(text.charCodeAt(k - 1))) k--;
  if (k === 0) return false;
  const lp = text.charCodeAt(k - 1) | 0x20;
  if ((lp !== 100 && lp !== 115) || !keywordBefore(text, k, PASSWORD_WORDS)) return false;
  const n = text.length;
  let s = i + 1;
  while (s < n && isSpace(text.charCodeAt(s))) s++;
  let v = s;
  for (; v < n; v++) {
    const x = text.charCodeAt(v);
    if (x === 38 || x === 59 || x === 44 || isSpace(x)) break;
  }
  if (v === s + 1 && text.charCodeAt(s) === 63) return false; // a lone '?' is a statement's placeholder, not a value
  return v > s && found(PASSWORD!, s, v);
}

/** '+', '(', '/' or '\\' at i: phones, URL credentials, home directories. */
function punctMatch(text: string, i: number, c: number, pc: number, hasAt: boolean): boolean {
  const n = text.length;
  const pcls = pc < 128 ? CLS[pc]! : 0;
  const next = i + 1 < n ? text.charCodeAt(i + 1) : 0;
  let e: number;
  if (c === 43)
    return (
      !(pcls & WORD) &&
      pc !== 43 &&
      next >= 48 &&
      next <= 57 &&
      (e = at(PHONE_INTL_Y, text, i)) > 0 &&
      phoneShape(text, i + 1, e, false) &&
      found(PHONE!, i, e)
    );
  if (c === 40)
    return !(pcls & PHONE_PRE) && next === 48 && (e = at(PHONE_NATIONAL_Y, text, i)) > 0 && found(PHONE!, i, e);
  if (c === 47 && next === 47)
    return hasAt && (e = at(CREDENTIALS_Y, text, i + 2)) > 0 && found(CREDENTIALS!, i + 2, e);
  const p =
    next === 85 && text.startsWith(c === 47 ? 'Users/' : 'Users\\', i + 1)
      ? i + 7
      : c === 47 && next === 104 && text.startsWith('home/', i + 1)
        ? i + 6
        : -1;
  return p > 0 && (e = at(HOME_NAME_Y, text, p)) > 0 && found(HOME!, p, e);
}

/**
 * An international number's digits after its prefix (+ or 00): 7 to 15 (E.164) and, with `separated`, written with
 * at least one separator (a zero-padded id has none).
 */
function phoneShape(text: string, from: number, end: number, separated: boolean): boolean {
  let digits = 0;
  let seps = 0;
  for (let k = from; k < end; k++) {
    const x = text.charCodeAt(k);
    if (x >= 48 && x <= 57) digits++;
    else seps++;
  }
  return digits >= 7 && digits <= 16 && (!separated || seps > 0);
}

const BSN_WORDS = ['bsn', 'burgerservicenummer', 'sofinummer', 'sofi'];
/** The word before a value, past its separators (": ", "=", " #"): one of `words`, in any case. */
function labelBefore(text: string, i: number, words: string[]): boolean {
  let k = i;
  while (k > 0 && i - k < 3) {
    const x = text.charCodeAt(k - 1);
    if (x !== 32 && x !== 58 && x !== 61 && x !== 35 && x !== 45) break;
    k--;
  }
  let s = k;
  while (s > 0 && k - s <= 20 && clsAt(text, s - 1) & WORD) s--;
  for (const w of words) if (wordIs(text, s, k - s, w)) return true;
  return false;
}

/**
 * A national identifier that starts with the digit run [i, d) (a word start): PESEL and the German tax id (11
 * digits), the BSN (9 digits, after its name: its eleven test passes one number in eleven), the NIR (15 digits, or
 * written in groups), the Swedish, Finnish and Danish forms (6 digits, a sign, 4 or 3+1), the PPS (7 digits and
 * letters) and the DNI (8 digits and a letter). Each is held to its check digit, the CPR to a real date.
 */
function digitsIdMatch(text: string, i: number, run: number, d: number, after: number): boolean {
  const fa = cls(after);
  let e: number;
  if (!(fa & WORD) && after !== 45 && after !== 43) {
    if (run === 11) {
      const v = text.slice(i, d);
      if (peselValid(v)) return found(PL_ID!, i, d);
      if (deTaxIdValid(v)) return found(DE_ID!, i, d);
    } else if (run === 9) {
      if (bsnValid(text.slice(i, d)) && labelBefore(text, i, BSN_WORDS)) return found(NL_ID!, i, d);
    } else if (run === 15) {
      if (nirValid(text.slice(i, d))) return found(FR_ID!, i, d);
    } else if (run === 12) {
      if (personnummerValid(text.slice(i, d))) return found(SE_ID!, i, d);
    }
  }
  if (run === 1 && after === 32)
    return (e = at(NIR_SPACED_Y, text, i)) > 0 && nirValid(text.slice(i, e)) && found(FR_ID!, i, e);
  if (run === 6) {
    // six digits, a sign and four digits (SE, DK); or a century sign, three digits and a check character (FI)
    e = d + 5;
    if (clsAt(text, e) & WORD || !digitsAt(text, d + 1, 3)) return false;
    const last = ch(text, d + 4);
    if ((after === 45 || after === 43) && isDigitCode(last)) {
      const v = text.slice(i, e);
      if (personnummerValid(v)) return found(SE_ID!, i, e);
      if (after === 45 && cprValid(v)) return found(DK_ID!, i, e);
    }
    const sign = after === 45 || after === 43 || (after >= 65 && after <= 70) || (after >= 85 && after <= 89);
    const check = isDigitCode(last) || (last >= 65 && last <= 89);
    return sign && check && hetuValid(text.slice(i, e)) && found(FI_ID!, i, e);
  }
  if (run === 7 && fa & UPPER && (e = ppsEnd(text, d, after)) > 0 && ppsValid(text.slice(i, e)))
    return found(IE_ID!, i, e);
  // eight digits and a letter
  if (run === 8 && fa & UPPER && !(clsAt(text, d + 1) & WORD) && dniValid(text.slice(i, d + 1)))
    return found(ES_ID!, i, d + 1);
  return false;
}

/** Whether text[from, from+count) are digits. */
function digitsAt(text: string, from: number, count: number): boolean {
  for (let k = from; k < from + count; k++) if (!isDigitCode(ch(text, k))) return false;
  return true;
}

/**
 * A US social security number at i, whose three digits and '-' are known: the end of 123-45-6789 (no area 000, 666
 * or 9xx, no group 00, no serial 0000, not followed by a word character), or -1.
 */
function ssnEnd(text: string, i: number): number {
  const a = ch(text, i);
  if (a === 57 || (a === ch(text, i + 1) && a === ch(text, i + 2) && (a === 48 || a === 54))) return -1;
  if (!digitsAt(text, i + 4, 2) || ch(text, i + 6) !== 45 || !digitsAt(text, i + 7, 4)) return -1;
  if (text.startsWith('00', i + 4) || text.startsWith('0000', i + 7)) return -1;
  return clsAt(text, i + 11) & WORD ? -1 : i + 11;
}

/** A PPS number's letters after its seven digits (ending at d): one of A–W, maybe one of A–I or W. Its end, or -1. */
function ppsEnd(text: string, d: number, after: number): number {
  if (after > 87) return -1; // X, Y, Z
  const second = ch(text, d + 1);
  const e = (second >= 65 && second <= 73) || second === 87 ? d + 2 : d + 1;
  return clsAt(text, e) & WORD ? -1 : e;
}

/** A national identifier that is an upper-case word [i, i+len): NINO, NIE, codice fiscale; a NINO in groups. */
function lettersIdMatch(text: string, i: number, c: number, len: number, after: number): boolean {
  let e: number;
  if (len === 9) {
    const v = text.slice(i, i + 9);
    if (ninoValid(v)) return found(UK_ID!, i, i + 9);
    return (c === 88 || c === 89 || c === 90) && dniValid(v) && found(ES_ID!, i, i + 9);
  }
  if (len === 16) return codiceFiscaleValid(text.slice(i, i + 16)) && found(IT_ID!, i, i + 16);
  return after === 32 && (e = at(NINO_SPACED_Y, text, i)) > 0 && ninoValid(text.slice(i, e)) && found(UK_ID!, i, e);
}

/**
 * '=' or ':' (or, with `spaced`, white space) at i after a word ending in key, secret or token (api_key,
 * AWS_SECRET_ACCESS_KEY, client_secret, access_token…): a 20–64 character base64-like value that follows, with a
 * letter and a digit (after white space, upper and lower case and a digit: prose has words there).
 */
function keyedSecretMatch(text: string, i: number, spaced: boolean): boolean {
  let k = i;
  while (k > 0 && isSpace(text.charCodeAt(k - 1))) k--;
  const last = ch(text, k - 1) | 0x20;
  const w = last === 121 ? 'key' : last === 116 ? 'secret' : last === 110 ? 'token' : '';
  if (!w || !wordIs(text, k - w.length, w.length, w)) return false;
  const n = text.length;
  let v = i + 1;
  while (v < n && isSpace(text.charCodeAt(v))) v++;
  const q = ch(text, v);
  if (q === 34 || q === 39 || q === 96) v++;
  let e = v;
  let u = 0;
  for (; e < n; e++) {
    const x = text.charCodeAt(e);
    if (x > 127 || !(CLS[x]! & TOKEN || x === 43 || x === 47 || x === 61)) break;
    u |= CLS[x]!;
  }
  const len = e - v;
  if (len < 20 || len > 64 || clsAt(text, e) & WORD) return false;
  const need = spaced ? UPPER | LOWER | DIGIT : DIGIT;
  if ((u & need) !== need || (u & (UPPER | LOWER)) === 0) return false;
  // a key of a known shape keeps its own name (they start with s, p, r, A, g or x)
  const f = text.charCodeAt(v);
  const known = f === 115 || f === 112 || f === 114 || f === 65 || f === 103 || f === 120 ? at(API_KEY_Y, text, v) : -1;
  return known === e ? found(API_KEY!, v, e) : found(KEYED!, v, e);
}

/**
 * '=' or ':' at i: a password or a keyed secret, when the word before it (past white space) ends in pass, password,
 * passwd or pwd (…ss, …rd, …wd), or in key, secret or token (…ey, …et, …en).
 */
function keyValueMatch(text: string, i: number): boolean {
  let k = i;
  while (k > 0 && isSpace(text.charCodeAt(k - 1))) k--;
  const lp = ch(text, k - 1) | 0x20;
  const lp2 = ch(text, k - 2) | 0x20;
  if ((lp === 100 || lp === 115) && (lp2 === 115 || lp2 === 114 || lp2 === 119) && passwordMatch(text, i)) return true;
  return (lp === 121 || lp === 116 || lp === 110) && lp2 === 101 && keyedSecretMatch(text, i, false);
}

/** Digits from i on, counting single ' ' or '-' separators between them (a card number's shape). */
function cardDigits(text: string, i: number, count: number): number {
  const n = text.length;
  while (i + 1 < n && count < 13) {
    const sep = text.charCodeAt(i);
    if (sep !== 32 && sep !== 45) break;
    let j = i + 1;
    for (; j < n; j++) {
      const x = text.charCodeAt(j);
      if (x < 48 || x > 57) break;
    }
    if (j === i + 1) break;
    count += j - i - 1;
    i = j;
  }
  return count;
}

/** A dotted quad's shape starts here (1–3 digits and '.', three times, then a digit), not after a digit or "digit.". */
function quadShape(text: string, i: number, pc: number): boolean {
  if (cls(pc) & DIGIT) return false;
  if (pc === 46 && clsAt(text, i - 2) & DIGIT) return false;
  let k = i;
  for (let part = 0; part < 3; part++) {
    const s = k;
    while (k - s < 3 && isDigitCode(ch(text, k))) k++;
    if (k === s || ch(text, k) !== 46) return false;
    k++;
  }
  return isDigitCode(ch(text, k));
}

/** whether the text in detect holds two colons, as an IPv6 address does: -1 until first asked */
let colonState = -1;
function hasColons(text: string): boolean {
  if (colonState < 0) {
    const first = text.indexOf(':');
    colonState = first >= 0 && text.indexOf(':', first + 1) >= 0 ? 1 : 0;
  }
  return colonState === 1;
}

function ipv6At(text: string, i: number): number {
  const pc = ch(text, i - 1);
  if (pc === 58 || cls(pc) & WORD) return -1;
  for (let k = 1; k <= 4; k++) {
    const c = ch(text, i + k);
    if (c === 58) return at(IPV6_Y, text, i);
    if (!(cls(c) & HEX)) return -1;
  }
  return -1;
}

/** end of the last [A-Za-z0-9_-] run examined for a secret (a later start inside it cannot do better) */
let tokenSeen = 0;
function secretAt(text: string, i: number): number {
  const n = text.length;
  if (n - i < 32 || i < tokenSeen) return -1;
  let t = i;
  let u = 0; // the classes seen in the run
  for (; t < n; t++) {
    const x = text.charCodeAt(t);
    if (x > 127 || !(CLS[x]! & TOKEN)) break;
    u |= CLS[x]!;
  }
  tokenSeen = t;
  if (t - i < 32 || (u & (UPPER | LOWER | DIGIT)) !== (UPPER | LOWER | DIGIT)) return -1; // nor can any part of it
  const e = at(SECRET_Y, text, i);
  return e > 0 && hasUpperLowerDigit(text, i, e) ? e : -1;
}

/** Where an e-mail's '@' may be written: '@', the full-width '＠', or percent-encoded '%40'. */
// '＠' is not looked for ahead (indexOf with a two-byte argument costs as much as the whole scan on a one-byte
// string, which cannot hold it): the scan finds it among the non-ASCII characters it visits anyway (fullWidthEmail).
const hasAtSign = (text: string) => text.indexOf('@') >= 0 || text.indexOf('%40') >= 0;
/** the width of the last sign atSign found (3 for %40) */
let atWidth = 1;
function atSign(text: string, from: number): number {
  const a = text.indexOf('@', from);
  const pct = text.indexOf('%40', from);
  atWidth = pct >= 0 && (a < 0 || pct < a) ? 3 : 1;
  return atWidth === 3 ? pct : a;
}

/** The e-mail domain that starts at `dom`: its end, or -1. */
function domainEnd(text: string, dom: number): number {
  const e = at(DOMAIN_Y, text, dom);
  return e < 0 || ch(text, e) > 127 ? Math.max(e, at(DOMAIN_U_Y, text, dom)) : e;
}

/** A full-width '＠' at i, met by the scan that started at `lo`: the e-mail around it (the leftmost match). */
function fullWidthEmail(text: string, i: number, lo: number): boolean {
  let s = i;
  while (s > lo && localAt(text, s - 1)) s--;
  const e = s < i ? domainEnd(text, i + 1) : -1;
  return e > 0 && found(EMAIL!, s, e);
}

/** An e-mail local part's character: ASCII [A-Za-z0-9._%+-], or a letter, mark or digit of any script. */
export function localAt(text: string, j: number): boolean {
  const c = text.charCodeAt(j);
  return c < 128 ? (CLS[c]! & LOCAL) !== 0 : UNICODE_LOCAL.test(text[j]!);
}

/** The e-mail address around the first '@' at or after `from` whose local part starts at or after `lo`. */
let eStart = -1;
let eEnd = -1;
function nextEmail(text: string, from: number, lo: number): void {
  eStart = -1;
  for (let a = atSign(text, from); a >= 0; a = atSign(text, a + 1)) {
    let s = a;
    while (s > lo && localAt(text, s - 1)) s--;
    if (s === a) continue;
    const e = domainEnd(text, a + atWidth);
    if (e > 0) {
      eStart = s;
      eEnd = e;
      return;
    }
  }
}

/**
 * The leftmost match starting in [i, n) (e-mail included); sets mStart, mEnd and mDet.
 * Most characters are passed over at the cost of one table look-up: inside a word nothing can start except a
 * dotted quad after letters (v1.2.3.4), a word of letters needs a closer look only when its shape allows a
 * detector, and outside words only white space after bearer/basic/token, = : + ( / and \\ can start one.
 * The shape checks in it are necessary conditions of the detectors; only when one holds is the detector's function
 * called (a call costs more here than the checks).
 */
function nextMatch(text: string, i: number, n: number, hasAt: boolean): boolean {
  const len = text.length;
  const from = i;
  const email = eStart; // the next e-mail's start: fixed during this call (module state read once)
  const stop = email >= i && email < n ? email : n; // the scan never jumps over the e-mail's start
  let pc = i > 0 ? text.charCodeAt(i - 1) : 0;
  let prev = pc < 128 ? CLS[pc]! : 0;
  while (i < stop) {
    const c = text.charCodeAt(i);
    const f = c < 128 ? CLS[c]! : 0;
    if (f & WORD) {
      if (prev & WORD) {
        if (f & DIGIT && !(prev & DIGIT) && quadInWord(text, i, c, pc)) return true;
      } else if (f & (UPPER | LOWER)) {
        let w = i + 1;
        let last = c; // the word's last character, and the one after it (0 at the end): read once
        let after = 0;
        for (; w < len; w++) {
          const x = text.charCodeAt(w);
          if (x > 127 || !(CLS[x]! & WORD)) {
            after = x;
            break;
          }
          last = x;
        }
        if (email > i && email < w) {
          i = email;
          pc = text.charCodeAt(i - 1);
          prev = pc < 128 ? CLS[pc]! : 0;
          continue;
        }
        const wl = w - i;
        const c1 = wl > 1 ? text.charCodeAt(i + 1) : 0;
        const maybe =
          wl >= 16 ||
          (c === 101 && c1 === 121) ||
          (c === 120 && wl === 4) ||
          (c === 65 && c1 === 73) ||
          (f & UPPER && c1 >= 65 && c1 <= 90 && wl >= 4 && isDigitCode(text.charCodeAt(i + 2))) ||
          (after === 58 && wl <= 4 && f & HEX && pc !== 58 && hasColons(text)) ||
          (f & UPPER && ((wl === 9 && isDigitCode(c1)) || (wl === 2 && after === 32 && c1 >= 65 && c1 <= 90))) ||
          (c === 103 && wl === 5 && after === 45) ||
          (after === 45 && len - i >= 32) ||
          (after === 46 && isDigitCode(last));
        if (!maybe) {
          i = w;
          pc = last;
        } else {
          if (wordMatch(text, i, c, f, w)) return true;
          i = mSkip;
          pc = text.charCodeAt(i - 1);
        }
        prev = pc < 128 ? CLS[pc]! : 0;
        continue;
      } else if (f & DIGIT) {
        let d = i + 1;
        let last = c; // the run's last digit, and the character after it (0 at the end): read once
        let after = 0;
        for (; d < len; d++) {
          const x = text.charCodeAt(d);
          if (x < 48 || x > 57) {
            after = x;
            break;
          }
          last = x;
        }
        const run = d - i;
        const fa = after < 128 ? CLS[after]! : 0;
        const maybe =
          run >= 11 ||
          ((after === 32 || after === 45) && d + 1 < len && isDigitCode(text.charCodeAt(d + 1))) ||
          (after === 46 && run <= 3) ||
          (run <= 4 && pc !== 58 && (after === 58 || fa & HEX) && hasColons(text)) ||
          (c === 48 && run >= 2) ||
          run === 9 ||
          (run >= 6 && run <= 8 && (fa & UPPER || after === 43)) ||
          (fa & TOKEN && len - i >= 32 && i >= tokenSeen);
        if (maybe && digitMatch(text, i, c, pc, d)) return true;
        if (fa & WORD) d = digitsWordEnd(text, d);
        if (email > i && email < d) d = email;
        pc = d === i + run ? last : text.charCodeAt(d - 1);
        i = d;
        prev = pc < 128 ? CLS[pc]! : 0;
        continue;
      } else {
        const e = secretAt(text, i); // a word that starts with _
        if (e > 0) return found(SECRET!, i, e);
      }
    } else if (f & SPACE_ONLY || (c > 127 && isSpace(c))) {
      // the word before ends in bearer, basic or token (…rer, …sic, …ken), or in key, secret or token (…ey, …et, …en)
      const lp = prev & WORD ? pc | 0x20 : 0;
      const lp2 = lp ? ch(text, i - 2) | 0x20 : 0;
      if ((lp2 === 101 || lp2 === 105) && bearerEnd(lp, ch(text, i - 3) | 0x20) && bearerMatch(text, i)) return true;
      if ((lp === 121 || lp === 116) && lp2 === 101 && keyedSecretMatch(text, i, true)) return true;
    } else if (c === 0xff20) {
      if (fullWidthEmail(text, i, from)) return true;
    } else if (f & TRIGGER) {
      const next = i + 1 < len ? text.charCodeAt(i + 1) : 0;
      if (c === 61 || c === 58) {
        if (keyValueMatch(text, i)) return true;
      } else if (
        c === 43
          ? isDigitCode(next)
          : c === 40
            ? next === 48
            : c === 47
              ? (next === 47 && hasAt) || next === 85 || next === 104
              : next === 85
      ) {
        if (punctMatch(text, i, c, pc, hasAt)) return true;
      }
    }
    pc = c;
    prev = f;
    i++;
  }
  return i === email && email < n && found(EMAIL!, email, eEnd);
}

const isDigitCode = (c: number) => c >= 48 && c <= 57;

/**
 * Where the scan goes on when a word goes on after digits (at d): nothing starts inside it but a dotted quad in its
 * last digits, so to its end, or to those digits.
 */
function digitsWordEnd(text: string, d: number): number {
  const len = text.length;
  let w = d + 1;
  for (; w < len; w++) {
    const x = text.charCodeAt(w);
    if (x > 127 || !(CLS[x]! & WORD)) break;
  }
  if (w < len && text.charCodeAt(w) === 46) while (isDigitCode(text.charCodeAt(w - 1))) w--;
  return w;
}

/** Inside a word, 1–3 digits at i after a letter, then '.': where a dotted quad (v1.2.3.4) may start. */
function quadInWord(text: string, i: number, c: number, pc: number): boolean {
  const len = text.length;
  let k = i + 1;
  while (k < len && k - i < 4 && isDigitCode(text.charCodeAt(k))) k++;
  return k < len && text.charCodeAt(k) === 46 && digitMatch(text, i, c, pc, k);
}

/** inert()'s characters: 1 for a-z . - ~, 2 for the first letters of xox and glpat-, 0 for the rest */
const INERT = new Uint8Array(128);
for (const ch of 'abcdefghijklmnopqrstuvwxyz.-~') INERT[ch.charCodeAt(0)] = 1;
INERT[120] = INERT[103] = 2;

/**
 * Whether no built-in detector can match anywhere in text[from, to), known without scanning for them: the text
 * is shorter than the shortest match (four characters, "1::1"), or holds only lower-case ASCII letters, '.', '-'
 * and '~', and no "xox" or "glpat-". Every detector needs something else: a digit, an upper-case letter (eyJ…,
 * AKIA…, AIza…, IBAN), '_' (sk_live_…, ghp_…), '@' (or '%40', '＠'), ':', '=', '/', '\\' or white space; only a
 * Slack token (xoxb-…) or a GitLab token (glpat-…) can be made of the rest. Host names and most path segments are
 * like this.
 */
export function inert(text: string, from: number, to: number): boolean {
  if (to - from < 4) return true;
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    const k = c < 128 ? INERT[c]! : 0;
    if (k === 1) continue;
    if (k === 0) return false;
    // xox, glpat-
    if (c === 120 && i + 2 < to && text.charCodeAt(i + 1) === 111 && text.charCodeAt(i + 2) === 120) return false;
    if (c === 103 && text.charCodeAt(i + 1) === 108 && text.startsWith('lpat-', i + 1)) return false;
  }
  return true;
}

/**
 * Replaces every detected span of `text` with what `replacer` returns for it; returns `text` itself when nothing was
 * found. `plain`: the text is known to hold neither '@' nor '%' (no e-mail sign to look for ahead).
 */
export function detect(text: string, replacer: Replacer, plain = false): string {
  const n = text.length;
  if (n < 4) return text; // the shortest match is four characters ("1::1")
  let out = '';
  let last = 0;
  const hasAt = !plain && hasAtSign(text);
  colonState = -1;
  tokenSeen = 0;
  if (hasAt) nextEmail(text, 0, 0);
  else eStart = -1;
  let i = 0;
  while (i < n && nextMatch(text, i, n, hasAt)) {
    const det = mDet;
    const start = mStart;
    let end = mEnd;
    let joined: DetectorInfo[] | undefined;
    // a match that starts inside a loosely delimited one and runs past it (a phone after "password=") joins it
    // (a match that ends inside it is passed over whole: a value of repeated "password=" stays linear)
    if (det === PASSWORD || det === BEARER || det === CREDENTIALS || det === HOME) {
      for (let j = start + 1; j < end && nextMatch(text, j, end, hasAt);) {
        if (mEnd > end && !(mDet === EMAIL && det === CREDENTIALS)) {
          (joined ??= []).push(mDet);
          end = mEnd;
          j = mStart + 1;
        } else j = Math.max(mStart + 1, mEnd);
      }
    }
    out += text.slice(last, start) + replacer.onMatch(det, text, start, end, joined);
    last = i = end;
    if (eStart >= 0 && eStart < end) nextEmail(text, end, end);
  }
  return last === 0 ? text : out + text.slice(last);
}
