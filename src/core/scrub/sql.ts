/**
 * Replaces every literal of a SQL statement by `?` and drops comments, keeping its shape so that queries
 * group: strings ('…', E'…', N'…'), dollar-quoted bodies, numbers, hex/binary literals, and IN lists
 * collapse to `IN (?)`. A statement that does not tokenize cleanly (e.g. an unterminated string) is still
 * safe: everything from the broken literal on becomes `?`.
 *
 * One pass over the character codes; runs of ordinary characters are copied as slices, white space is
 * collapsed on the way.
 */
export function scrubSql(sql: string): string {
  const n = sql.length;
  let out = '';
  let copyFrom = 0; // start of the ordinary run not yet copied
  let list = false; // a '?' was written after ',' or '(': IN/VALUES lists may need collapsing
  let odd = false; // white space other than ASCII was copied: collapse it at the end
  let i = 0;
  while (i < n) {
    const c = sql.charCodeAt(i);
    if (c < 128 && SPECIAL[c] === 0) {
      i++;
      continue;
    }
    const next = i + 1 < n ? sql.charCodeAt(i + 1) : 0;
    if (c > 127) {
      if (/\s/.test(sql[i]!)) odd = true;
      i++;
      continue;
    }
    // white space: one space between two words stays in the run; anything else becomes one space
    if (c === 32 || (c >= 9 && c <= 13)) {
      if (
        c === 32 &&
        next !== 0 &&
        !isAsciiSpace(next) &&
        (copyFrom < i || (out !== '' && out.charCodeAt(out.length - 1) !== 32))
      ) {
        i++;
        continue;
      }
      out += sql.slice(copyFrom, i);
      let j = i + 1;
      while (j < n && isAsciiSpace(sql.charCodeAt(j))) j++;
      if (out !== '' && out.charCodeAt(out.length - 1) !== 32) out += ' ';
      i = copyFrom = j;
      continue;
    }
    // comments
    if ((c === 45 && next === 45) || (c === 35 && !isIdent(sql, i - 1))) {
      out += sql.slice(copyFrom, i);
      const e = sql.indexOf('\n', i);
      i = copyFrom = e < 0 ? n : e;
      continue;
    }
    if (c === 47 && next === 42) {
      out += sql.slice(copyFrom, i);
      const e = sql.indexOf('*/', i + 2);
      if (out !== '' && out.charCodeAt(out.length - 1) !== 32) out += ' ';
      i = copyFrom = e < 0 ? n : e + 2;
      continue;
    }
    // string literals, with optional E/N/B/X/U& prefixes
    const prefix = literalPrefix(sql, i, c, next);
    if (c === 39 || (prefix && !isIdent(sql, i - 1))) {
      const j = stringEnd(sql, i, prefix, c);
      if (listAhead(sql, i, copyFrom, out)) list = true;
      out += `${sql.slice(copyFrom, i)}?`;
      if (j >= n) return finish(out, list, odd); // unterminated: the rest is the literal
      i = copyFrom = j;
      continue;
    }
    if (prefix) {
      i++;
      continue;
    }
    // dollar quoting: $$…$$ or $tag$…$tag$; $1 is a positional parameter
    if (c === 36) {
      const end = dollarEnd(sql, i, next);
      if (end === 0) {
        i++;
        continue;
      }
      if (listAhead(sql, i, copyFrom, out)) list = true;
      out += `${sql.slice(copyFrom, i)}?`;
      if (end < 0) return finish(out, list, odd);
      i = copyFrom = end;
      continue;
    }
    // quoted identifiers keep their text
    if (c === 34 || c === 96 || c === 91) {
      const e = sql.indexOf(c === 91 ? ']' : sql[i]!, i + 1);
      if (e < 0) {
        if (listAhead(sql, i, copyFrom, out)) list = true;
        return finish(`${out}${sql.slice(copyFrom, i)}?`, list, odd);
      }
      if (/\s/.test(sql.slice(i, e))) odd = true;
      i = e + 1;
      continue;
    }
    // numbers (not part of an identifier): 12, 1.5, .5, 1e10, 0x1F, 0b101
    if ((isDigit(c) || (c === 46 && isDigit(next))) && !isIdent(sql, i - 1)) {
      if (listAhead(sql, i, copyFrom, out)) list = true;
      out += `${sql.slice(copyFrom, i)}?`;
      i = copyFrom = numberEnd(sql, i);
      continue;
    }
    // a sign glued to a number literal (e.g. = -5) becomes part of the literal
    if ((c === 45 || c === 43) && (isDigit(next) || next === 46) && !isIdent(sql, i - 1)) {
      const before = odd
        ? (`${out}${sql.slice(copyFrom, i)}`.trimEnd().slice(-1) || ' ').charCodeAt(0)
        : lastSolid(sql, i, copyFrom, out) || 32;
      if (before === 32 || before === 61 || before === 40 || before === 60 || before === 62 || before === 44) {
        out += sql.slice(copyFrom, i);
        i = copyFrom = i + 1;
        continue;
      }
    }
    i++;
  }
  return finish(out + sql.slice(copyFrom), list, odd);
}

/** 1 for E'…', N'…', B'…', X'…'; 2 for U&'…'; 0 when no string prefix starts at i. */
function literalPrefix(sql: string, i: number, c: number, next: number): number {
  if (
    next === 39 &&
    (c === 69 || c === 101 || c === 78 || c === 110 || c === 66 || c === 98 || c === 88 || c === 120)
  ) {
    return 1;
  }
  return next === 38 && (c === 85 || c === 117) && sql.charCodeAt(i + 2) === 39 ? 2 : 0;
}

/** The end of the string literal starting at i ('' doubles a quote; E'…' escapes with \\); n when unterminated. */
function stringEnd(sql: string, i: number, prefix: number, c: number): number {
  const n = sql.length;
  const backslash = prefix === 1 && (c === 69 || c === 101);
  let j = i + prefix + 1;
  while (j < n) {
    const x = sql.charCodeAt(j);
    if (backslash && x === 92) j += 2;
    else if (x !== 39) j++;
    else if (sql.charCodeAt(j + 1) === 39) j += 2;
    else return j + 1;
  }
  return j;
}

/**
 * At a '$': the end of a dollar-quoted body ($$…$$, $tag$…$tag$) or of a positional parameter ($1); -1 when the
 * body is unterminated (the rest is the literal); 0 when this '$' starts neither.
 */
function dollarEnd(sql: string, i: number, next: number): number {
  const n = sql.length;
  let j = i + 1;
  if (isTagStart(next)) {
    j++;
    while (j < n && isTagChar(sql.charCodeAt(j))) j++;
  }
  if (sql.charCodeAt(j) === 36) {
    const tag = sql.slice(i, j + 1);
    const end = sql.indexOf(tag, j + 1);
    return end < 0 ? -1 : end + tag.length;
  }
  if (!isDigit(next)) return 0;
  j = i + 1;
  while (j < n && isDigit(sql.charCodeAt(j))) j++;
  return j;
}

/** The last character before i that is not a space, in the output so far (0: none). */
function lastSolid(sql: string, i: number, copyFrom: number, out: string): number {
  for (let k = i - 1; k >= copyFrom; k--) {
    const c = sql.charCodeAt(k);
    if (!isAsciiSpace(c)) return c;
  }
  for (let k = out.length - 1; k >= 0; k--) {
    const c = out.charCodeAt(k);
    if (c !== 32) return c;
  }
  return 0;
}

/** A literal written after ',' or '(' may be part of a list that collapses to (?). */
function listAhead(sql: string, i: number, copyFrom: number, out: string): boolean {
  const c = lastSolid(sql, i, copyFrom, out);
  return c === 44 || c === 40;
}

function finish(out: string, list: boolean, odd: boolean): string {
  let s = out;
  if (list)
    s = s.replace(/\(\s*\?(?:\s*,\s*\?)+\s*\)/g, '(?)').replace(/\bVALUES\s*\(\?\)(?:\s*,\s*\(\?\))+/gi, 'VALUES (?)');
  if (odd) return s.replace(/\s+/g, ' ').trim();
  return s.charCodeAt(s.length - 1) === 32 ? s.trimEnd() : s;
}

/** ASCII characters at which the scanner must look; everything else is copied as it is. */
const SPECIAL = new Uint8Array(128);
for (const ch of ' \t\n\r\v\f-#/\'$"`[0123456789.+EeNnBbXxUu') SPECIAL[ch.charCodeAt(0)] = 1;

function isAsciiSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}
function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}
function isTagStart(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
}
function isTagChar(c: number): boolean {
  return isTagStart(c) || isDigit(c);
}

/** Whether sql[i] continues an identifier (so a digit or quote after it is not a literal). */
function isIdent(sql: string, i: number): boolean {
  if (i < 0) return false;
  const k = sql.charCodeAt(i);
  return (
    (k >= 48 && k <= 57) ||
    (k >= 65 && k <= 90) ||
    (k >= 97 && k <= 122) ||
    k === 95 ||
    k === 36 ||
    k === 35 ||
    k === 64 ||
    (k > 127 && /[\p{L}\p{N}]/u.test(sql[i]!))
  );
}

/** End of the number literal at i: 0x1F, 0b101, 12, 1.5, .5, 1e10. */
function numberEnd(sql: string, i: number): number {
  const n = sql.length;
  const c = sql.charCodeAt(i);
  const x = sql.charCodeAt(i + 1) | 0x20;
  if (c === 48 && x === 120) {
    let j = i + 2;
    while (j < n && /[0-9A-Fa-f]/.test(sql[j]!)) j++;
    if (j > i + 2) return j;
  }
  if (c === 48 && x === 98) {
    let j = i + 2;
    while (j < n && (sql.charCodeAt(j) === 48 || sql.charCodeAt(j) === 49)) j++;
    if (j > i + 2) return j;
  }
  let j = i;
  while (j < n && isDigit(sql.charCodeAt(j))) j++;
  if (j < n && sql.charCodeAt(j) === 46) {
    j++;
    while (j < n && isDigit(sql.charCodeAt(j))) j++;
  }
  if (j < n && (sql.charCodeAt(j) | 0x20) === 101) {
    let k = j + 1;
    if (sql.charCodeAt(k) === 43 || sql.charCodeAt(k) === 45) k++;
    if (isDigit(sql.charCodeAt(k))) {
      while (k < n && isDigit(sql.charCodeAt(k))) k++;
      j = k;
    }
  }
  return j;
}
