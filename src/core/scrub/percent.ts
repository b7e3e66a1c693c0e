/** Percent-escapes: read in place, as decodeURIComponent reads them, without its exception or a copy of the text. */

/** value of a hexadecimal digit's code, or -1 */
export const hexVal = (c: number) =>
  c >= 48 && c <= 57 ? c - 48 : (c | 0x20) >= 97 && (c | 0x20) <= 102 ? (c | 0x20) - 87 : -1;

/** code of the percent-escape at i ("%2F" → 0x2f), or -1 */
export const escapeAt = (t: string, i: number) => {
  if (t.charCodeAt(i) !== 37) return -1;
  const a = hexVal(t.charCodeAt(i + 1));
  const b = hexVal(t.charCodeAt(i + 2));
  return a < 0 || b < 0 ? -1 : a * 16 + b;
};

/** where the last sequence utf8At read ends */
export let utf8End = 0;
/**
 * The code point of the UTF-8 sequence of escapes at i whose first byte is x, or -1 where decodeURIComponent would
 * throw (a stray or missing continuation byte, an overlong form, a surrogate, beyond U+10FFFF).
 */
export function utf8At(t: string, i: number, x: number): number {
  const len = x >= 0xf0 ? 4 : x >= 0xe0 ? 3 : x >= 0xc2 ? 2 : 0;
  if (len === 0 || x > 0xf4) return -1;
  let cp = x & (len === 2 ? 0x1f : len === 3 ? 0x0f : 0x07);
  for (let k = 1; k < len; k++) {
    const y = escapeAt(t, i + 3 * k);
    if (y < 0x80 || y > 0xbf) return -1;
    cp = (cp << 6) | (y & 0x3f);
  }
  if ((len === 3 && cp < 0x800) || (len === 4 && (cp < 0x10000 || cp > 0x10ffff)) || (cp >= 0xd800 && cp <= 0xdfff))
    return -1;
  utf8End = i + 3 * len;
  return cp;
}

/**
 * Percent-decoding ('+' as space) that never throws: what decodeURIComponent gives, or the text as it is where
 * decodeURIComponent would throw (a malformed escape, bytes that are not UTF-8). A '+' for which `keepPlus` says so
 * stays a '+'.
 */
export function safeDecode(s: string, keepPlus?: (s: string, i: number) => boolean): string {
  const pct = s.indexOf('%');
  const plus = s.indexOf('+');
  if (pct < 0 && plus < 0) return s;
  let out = '';
  let from = 0;
  for (let i = pct < 0 ? plus : plus < 0 ? pct : Math.min(pct, plus); i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 43) {
      if (!keepPlus?.(s, i)) {
        out += `${s.slice(from, i)} `;
        from = i + 1;
      }
      continue;
    }
    if (c !== 37) continue;
    const x = escapeAt(s, i);
    if (x < 0) return s;
    const cp = x < 128 ? x : utf8At(s, i, x);
    if (cp < 0) return s;
    out += s.slice(from, i) + String.fromCodePoint(cp);
    from = x < 128 ? i + 3 : utf8End;
    i = from - 1;
  }
  return out + s.slice(from);
}
