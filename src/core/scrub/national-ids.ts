/**
 * National identifiers of EU and nearby countries, validated by their check digit where one exists, so that
 * look-alike numbers (order numbers, timestamps, amounts) stay untouched. Each validator takes the candidate exactly
 * as the scanner cut it (digits, letters and the separators of the written form) and says whether it is one.
 * Sources: the issuing authorities' published formats (see docs/scrubbing.md, "National identifiers").
 */

const digit = (s: string, i: number) => s.charCodeAt(i) - 48;

/** A real calendar date (years 1800–2299). */
export function validDate(year: number, month: number, day: number): boolean {
  if (month < 1 || month > 12 || day < 1) return false;
  const days = [
    31,
    (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28,
    31,
    30,
    31,
    30,
    31,
    31,
    30,
    31,
    30,
    31,
  ];
  return day <= days[month - 1]!;
}

/** Digits only (the written form's spaces and dashes dropped). */
const digitsOf = (s: string) => s.replace(/[\s-]/g, '');

/** PL PESEL: 11 digits, a date whose month carries the century, weights 1-3-7-9. */
export function peselValid(s: string): boolean {
  if (!/^\d{11}$/.test(s)) return false;
  const w = [1, 3, 7, 9, 1, 3, 7, 9, 1, 3];
  let sum = 0;
  for (let i = 0; i < 10; i++) sum += digit(s, i) * w[i]!;
  if ((10 - (sum % 10)) % 10 !== digit(s, 10)) return false;
  const m = digit(s, 2) * 10 + digit(s, 3);
  const century = [1900, 2000, 2100, 2200, 1800][Math.floor(m / 20)]!;
  return validDate(century + digit(s, 0) * 10 + digit(s, 1), m % 20, digit(s, 4) * 10 + digit(s, 5));
}

/** DE Steuer-Identifikationsnummer: 11 digits, no leading 0, one digit repeated 2–3 times, ISO 7064 MOD 11,10. */
export function deTaxIdValid(s: string): boolean {
  if (!/^[1-9]\d{10}$/.test(s)) return false;
  const counts = new Array<number>(10).fill(0);
  for (let i = 0; i < 10; i++) counts[digit(s, i)]!++;
  const repeated = counts.filter((c) => c > 1);
  if (repeated.length !== 1 || repeated[0]! > 3) return false;
  let product = 10;
  for (let i = 0; i < 10; i++) {
    let sum = (digit(s, i) + product) % 10;
    if (sum === 0) sum = 10;
    product = (sum * 2) % 11;
  }
  const check = 11 - product;
  return (check === 10 ? 0 : check) === digit(s, 10);
}

/** NL BSN: 9 digits passing the eleven test (weights 9…2, then −1). */
export function bsnValid(s: string): boolean {
  if (!/^\d{9}$/.test(s)) return false;
  let sum = 0;
  for (let i = 0; i < 8; i++) sum += digit(s, i) * (9 - i);
  sum -= digit(s, 8);
  return sum > 0 && sum % 11 === 0;
}

/** FR NIR (numéro de sécurité sociale): 13 digits (sex 1/2/7/8, year, month…) and the key 97 − (number mod 97). */
export function nirValid(raw: string): boolean {
  const s = digitsOf(raw);
  if (!/^[1278]\d{14}$/.test(s)) return false;
  const month = digit(s, 3) * 10 + digit(s, 4);
  if (!((month >= 1 && month <= 12) || (month >= 20 && month <= 42) || month >= 50)) return false;
  let rem = 0;
  for (let i = 0; i < 13; i++) rem = (rem * 10 + digit(s, i)) % 97;
  return 97 - rem === digit(s, 13) * 10 + digit(s, 14);
}

/** SE personnummer: YYMMDD[-+]NNNN or YYYYMMDDNNNN; Luhn over the last ten digits; a coordination number adds 60. */
export function personnummerValid(raw: string): boolean {
  const m = /^(\d{2})?(\d{2})(\d{2})(\d{2})[-+]?(\d{4})$/.exec(raw);
  if (!m || (m[1] === undefined && !/[-+]/.test(raw))) return false;
  const ten = `${m[2]}${m[3]}${m[4]}${m[5]}`;
  let sum = 0;
  for (let i = 0; i < 10; i++) {
    let n = digit(ten, i) * (i % 2 === 0 ? 2 : 1);
    if (n > 9) n -= 9;
    sum += n;
  }
  if (sum % 10 !== 0) return false;
  const year = m[1] ? Number(m[1] + m[2]) : 2000 + Number(m[2]);
  const day = Number(m[4]) > 60 ? Number(m[4]) - 60 : Number(m[4]);
  return validDate(year, Number(m[3]), day);
}

/** FI henkilötunnus (HETU): DDMMYY, a century sign, NNN and a check character (the number mod 31). */
export function hetuValid(s: string): boolean {
  const m = /^(\d{2})(\d{2})(\d{2})([-+A-FU-Y])(\d{3})([0-9A-Y])$/.exec(s);
  if (!m) return false;
  const century = m[4] === '+' ? 1800 : 'ABCDEF'.includes(m[4]!) ? 2000 : 1900;
  if (!validDate(century + Number(m[3]), Number(m[2]), Number(m[1]))) return false;
  if (Number(m[5]) < 2) return false;
  return '0123456789ABCDEFHJKLMNPRSTUVWXY'[Number(`${m[1]}${m[2]}${m[3]}${m[5]}`) % 31] === m[6];
}

/** DK CPR-nummer: DDMMYY-SSSS with a real date (the modulus-11 check was given up in 2007: there is none). */
export function cprValid(s: string): boolean {
  const m = /^(\d{2})(\d{2})(\d{2})-(\d{4})$/.exec(s);
  return (
    !!m &&
    (validDate(1900 + Number(m[3]), Number(m[2]), Number(m[1])) ||
      validDate(2000 + Number(m[3]), Number(m[2]), Number(m[1])))
  );
}

/** IE PPS number: 7 digits, a check letter (weights 8…2, the second letter ×9, mod 23; 0 is W), an optional letter. */
export function ppsValid(s: string): boolean {
  const m = /^(\d{7})([A-W])([A-IW])?$/.exec(s);
  if (!m) return false;
  let sum = 0;
  for (let i = 0; i < 7; i++) sum += digit(m[1]!, i) * (8 - i);
  if (m[3]) sum += (m[3] === 'W' ? 0 : m[3].charCodeAt(0) - 64) * 9;
  const r = sum % 23;
  return m[2] === (r === 0 ? 'W' : String.fromCharCode(64 + r));
}

const DNI_LETTERS = 'TRWAGMYFPDXBNJZSQVHLCKE';
/** ES DNI (8 digits and a letter) or NIE (X/Y/Z, 7 digits and a letter): the letter is the number mod 23. */
export function dniValid(s: string): boolean {
  if (s.length !== 9) return false;
  const f = s.charCodeAt(0);
  let n = f >= 88 && f <= 90 ? f - 88 : f - 48; // X, Y, Z count as 0, 1, 2
  if (n < 0 || n > 9) return false;
  for (let i = 1; i < 8; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return false;
    n = n * 10 + d;
  }
  return DNI_LETTERS.charCodeAt(n % 23) === s.charCodeAt(8);
}

/** UK National Insurance number: two letters (not the prefixes HMRC never issues), six digits, A–D. No check digit. */
export function ninoValid(raw: string): boolean {
  const s = raw.replace(/ /g, '');
  if (!/^[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z]\d{6}[A-D]$/.test(s)) return false;
  return !['BG', 'GB', 'KN', 'NK', 'NT', 'TN', 'ZZ'].includes(s.slice(0, 2));
}

// IT codice fiscale: the check letter from the odd (1st, 3rd…) and even characters' values, mod 26.
const CF_ODD = [1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23];
/** A digit position of the code may hold a letter instead (omocodia: L M N P Q R S T U V for 0–9). */
const CF_SHAPE = /^[A-Z]{6}[\dLMNP-V]{2}[A-EHLMPR-T][\dLMNP-V]{2}[A-Z][\dLMNP-V]{3}[A-Z]$/;
/** IT codice fiscale: 16 characters of a fixed shape and a check letter. */
export function codiceFiscaleValid(s: string): boolean {
  if (!CF_SHAPE.test(s)) return false;
  let sum = 0;
  for (let i = 0; i < 15; i++) {
    const c = s.charCodeAt(i);
    const v = c <= 57 ? c - 48 : c - 65; // a digit counts as the letter of the same rank (0 = A)
    sum += i % 2 === 0 ? CF_ODD[v]! : v;
  }
  return String.fromCharCode(65 + (sum % 26)) === s[15];
}
