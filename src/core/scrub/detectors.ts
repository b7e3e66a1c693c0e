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
  { name: 'jwt', label: 'jwt', pattern: /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/g },
  { name: 'bearer-token', label: 'token', pattern: /(?<=\b(?:bearer|basic|token)\s+)[A-Za-z0-9._~+/-]{8,}=*/gi },
  { name: 'url-credentials', label: 'credentials', pattern: /(?<=\/\/)[^\s/:@]+:[^\s/@]+(?=@)/g },
  { name: 'email', label: 'email', pattern: /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/g },
  { name: 'api-key', label: 'secret', pattern: /\b(?:(?:sk|pk|rk)_(?:live|test)_[A-Za-z0-9]{10,}|AKIA[0-9A-Z]{16}|gh[pousr]_[A-Za-z0-9]{30,}|xox[abposr]-[A-Za-z0-9-]{10,}|AIza[0-9A-Za-z_-]{35})\b/g },
  { name: 'iban', label: 'iban', pattern: /\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30}\b/g, valid: ibanValid },
  { name: 'payment-card', label: 'card', pattern: /\b\d(?:[ -]?\d){12,18}\b/g, valid: luhn },
  { name: 'national-id-ee', label: 'national-id', pattern: /\b[1-6]\d{10}\b/g, valid: isikukoodValid },
  { name: 'national-id-us', label: 'national-id', pattern: /\b(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}\b/g },
  { name: 'ipv4', label: 'ip', pattern: new RegExp(`(?<!\\d)(?<!\\d\\.)${OCTET}(?:\\.${OCTET}){3}(?!\\d)(?!\\.\\d)`, 'g') },
  { name: 'ipv6', label: 'ip', pattern: /(?<![:\w])(?:[0-9a-fA-F]{1,4}:){7}[0-9a-fA-F]{1,4}(?![:\w])|(?<![:\w])(?:[0-9a-fA-F]{1,4}:){1,6}:(?:[0-9a-fA-F]{1,4}:){0,5}[0-9a-fA-F]{1,4}(?![:\w])/g },
  { name: 'phone', label: 'phone', pattern: /(?<![\w+])\+\d{1,3}[\s.-]?\(?\d{1,4}\)?(?:[\s.-]?\d{2,4}){2,4}(?!\w)|(?<![\w.:-])\(?0\d{1,4}\)?[\s-]\d{3,4}[\s-]?\d{3,4}(?![\w.:-])/g },
  { name: 'home-directory', label: 'user', pattern: /(?<=(?:\/home\/|\/Users\/|[A-Za-z]:\\Users\\|[A-Za-z]:\/Users\/))[^/\\\s:]+/g },
  { name: 'password', label: 'password', pattern: /(?<=\b(?:password|passwd|pwd|pass)\s*[=:]\s*)[^\s&;,]+/gi },
  { name: 'secret-token', label: 'token', pattern: /\b(?=[A-Za-z0-9_-]*[A-Z])(?=[A-Za-z0-9_-]*[a-z])(?=[A-Za-z0-9_-]*\d)[A-Za-z0-9_-]{32,}\b/g },
];
