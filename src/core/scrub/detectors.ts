/**
 * Detectors of accidental personal data. Each finds spans in a string; checksums keep false positives down
 * (Luhn for cards, mod-97 for IBAN, the Estonian isikukood check digit).
 */
export interface Detector {
  name: string;
  /** placeholder text, e.g. "email" → {email} */
  label: string;
  pattern: RegExp;
  /** optional validation of a match (checksums) */
  valid?: (match: string) => boolean;
  /** cheap precondition on the text's features: when false the pattern cannot match, so it is not run */
  gate?: (f: Features, text: string) => boolean;
}

/** One pass over the text; detectors use these to skip regular expressions that cannot match. */
export interface Features {
  digits: number;
  upper: number;
  at: boolean;
  colons: number;
  dots: number;
  plus: boolean;
  dashes: number;
  slashOrBackslash: boolean;
  longestWord: number;
}

export function features(text: string): Features {
  const f: Features = { digits: 0, upper: 0, at: false, colons: 0, dots: 0, plus: false, dashes: 0, slashOrBackslash: false, longestWord: 0 };
  let run = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) { f.digits++; run++; }
    else if (c >= 65 && c <= 90) { f.upper++; run++; }
    else if ((c >= 97 && c <= 122) || c === 95) run++;
    else {
      if (c === 45) { f.dashes++; run++; continue; }
      if (run > f.longestWord) f.longestWord = run;
      run = 0;
      if (c === 64) f.at = true;
      else if (c === 58) f.colons++;
      else if (c === 46) f.dots++;
      else if (c === 43) f.plus = true;
      else if (c === 47 || c === 92) f.slashOrBackslash = true;
    }
  }
  if (run > f.longestWord) f.longestWord = run;
  return f;
}

export function luhn(digits: string): boolean {
  const d = digits.replace(/\D/g, '');
  if (d.length < 13 || d.length > 19) return false;
  let sum = 0;
  for (let i = 0; i < d.length; i++) {
    let n = d.charCodeAt(d.length - 1 - i) - 48;
    if (i % 2 === 1) { n *= 2; if (n > 9) n -= 9; }
    sum += n;
  }
  return sum % 10 === 0;
}

export function ibanValid(raw: string): boolean {
  const s = raw.replace(/\s+/g, '').toUpperCase();
  if (!/^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$/.test(s)) return false;
  const moved = s.slice(4) + s.slice(0, 4);
  let rem = 0;
  for (const ch of moved) {
    const v = ch >= 'A' ? String(ch.charCodeAt(0) - 55) : ch;
    for (const c of v) rem = (rem * 10 + (c.charCodeAt(0) - 48)) % 97;
  }
  return rem === 1;
}

/** Estonian personal identification code: GYYMMDDSSSC with a two-pass weighted check digit. */
export function isikukoodValid(code: string): boolean {
  if (!/^[1-6]\d{10}$/.test(code)) return false;
  const d = [...code].map(Number);
  const w1 = [1, 2, 3, 4, 5, 6, 7, 8, 9, 1];
  const w2 = [3, 4, 5, 6, 7, 8, 9, 1, 2, 3];
  let c = w1.reduce((s, w, i) => s + w * d[i]!, 0) % 11;
  if (c === 10) { c = w2.reduce((s, w, i) => s + w * d[i]!, 0) % 11; if (c === 10) c = 0; }
  const month = Number(code.slice(3, 5));
  const day = Number(code.slice(5, 7));
  return c === d[10] && month >= 1 && month <= 12 && day >= 1 && day <= 31;
}

const OCTET = '(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';

/** Order matters: structured tokens first, so an e-mail inside a JWT is not half-replaced. */
export const DETECTORS: Detector[] = [
  { name: 'jwt', label: 'jwt', gate: (f, t) => f.dots >= 2 && t.includes('eyJ'), pattern: /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/g },
  { name: 'bearer-token', label: 'token', gate: (f, t) => f.longestWord >= 8 && /bearer|basic|token/i.test(t), pattern: /(?<=\b(?:bearer|basic|token)\s+)[A-Za-z0-9._~+/-]{8,}=*/gi },
  { name: 'url-credentials', label: 'credentials', gate: (f) => f.at && f.colons > 0, pattern: /(?<=\/\/)[^\s/:@]+:[^\s/@]+(?=@)/g },
  { name: 'email', label: 'email', gate: (f) => f.at, pattern: /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/g },
  { name: 'api-key', label: 'secret', gate: (f) => f.longestWord >= 16, pattern: /\b(?:(?:sk|pk|rk)_(?:live|test)_[A-Za-z0-9]{10,}|AKIA[0-9A-Z]{16}|gh[pousr]_[A-Za-z0-9]{30,}|xox[abposr]-[A-Za-z0-9-]{10,}|AIza[0-9A-Za-z_-]{35})\b/g },
  { name: 'iban', label: 'iban', gate: (f) => f.digits >= 13 && f.upper >= 2, pattern: /\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30}\b/g, valid: ibanValid },
  { name: 'payment-card', label: 'card', gate: (f) => f.digits >= 13, pattern: /\b\d(?:[ -]?\d){12,18}\b/g, valid: luhn },
  { name: 'national-id-ee', label: 'national-id', gate: (f) => f.digits >= 11, pattern: /\b[1-6]\d{10}\b/g, valid: isikukoodValid },
  { name: 'national-id-us', label: 'national-id', gate: (f) => f.digits >= 9 && f.dashes >= 2, pattern: /\b(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}\b/g },
  { name: 'ipv4', label: 'ip', gate: (f) => f.digits >= 4 && f.dots >= 3, pattern: new RegExp(`(?<!\\d)(?<!\\d\\.)${OCTET}(?:\\.${OCTET}){3}(?!\\d)(?!\\.\\d)`, 'g') },
  // a full IPv6 address has seven colons; a compressed one has '::'
  { name: 'ipv6', label: 'ip', gate: (f, t) => f.colons >= 7 || (f.colons >= 2 && t.includes('::')), pattern: /(?<![:\w])(?:[0-9a-fA-F]{1,4}:){7}[0-9a-fA-F]{1,4}(?![:\w])|(?<![:\w])(?:[0-9a-fA-F]{1,4}:){1,6}:(?:[0-9a-fA-F]{1,4}:){0,5}[0-9a-fA-F]{1,4}(?![:\w])/g },
  { name: 'phone', label: 'phone', gate: (f) => f.digits >= 8, pattern: /(?<![\w+])\+\d{1,3}[\s.-]?\(?\d{1,4}\)?(?:[\s.-]?\d{2,4}){2,4}(?!\w)|(?<![\w.:-])\(?0\d{1,4}\)?[\s-]\d{3,4}[\s-]?\d{3,4}(?![\w.:-])/g },
  { name: 'home-directory', label: 'user', gate: (f, t) => f.slashOrBackslash && (t.includes('/home/') || t.includes('Users')), pattern: /(?<=(?:\/home\/|\/Users\/|[A-Za-z]:\\Users\\|[A-Za-z]:\/Users\/))[^/\\\s:]+/g },
  { name: 'password', label: 'password', gate: (f, t) => (f.colons > 0 || t.includes('=')) && /pass|pwd/i.test(t), pattern: /(?<=\b(?:password|passwd|pwd|pass)\s*[=:]\s*)[^\s&;,]+/gi },
  // a long run of letters, digits, _ and - that mixes upper case, lower case and digits: a secret, not a word or a hex id
  { name: 'secret-token', label: 'token', gate: (f) => f.longestWord >= 32, pattern: /\b[A-Za-z0-9_-]{32,}\b/g, valid: (m) => /[A-Z]/.test(m) && /[a-z]/.test(m) && /\d/.test(m) },
];
