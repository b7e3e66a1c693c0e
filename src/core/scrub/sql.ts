/**
 * Replaces every literal of a SQL statement by `?` and drops comments, keeping its shape so that queries
 * group: strings ('…', E'…', N'…'), dollar-quoted bodies, numbers, hex/binary literals, and IN lists
 * collapse to `IN (?)`. A statement that does not tokenize cleanly (e.g. an unterminated string) is still
 * safe: everything from the broken literal on becomes `?`.
 */
export function scrubSql(sql: string): string {
  let out = '';
  let i = 0;
  const n = sql.length;

  while (i < n) {
    const c = sql[i]!;
    const next = sql[i + 1];
    // comments
    if (c === '-' && next === '-') { const e = sql.indexOf('\n', i); i = e < 0 ? n : e; continue; }
    if (c === '#' && !isIdent(sql[i - 1])) { const e = sql.indexOf('\n', i); i = e < 0 ? n : e; continue; }
    if (c === '/' && next === '*') { const e = sql.indexOf('*/', i + 2); i = e < 0 ? n : e + 2; out += ' '; continue; }
    // string literals, with optional E/N/B/X/U& prefixes
    const prefix = (next === "'" || next === '&') && 'EeNnBbXxUu'.includes(c) ? /^(?:[EeNnBbXx]|[Uu]&)(?=')/.exec(sql.slice(i, i + 3)) : null;
    if (c === "'" || (prefix && !isIdent(sql[i - 1]))) {
      let j = i + (prefix ? prefix[0].length : 0) + 1;
      const backslash = prefix && /^[Ee]$/.test(prefix[0]);
      for (;;) {
        if (j >= n) { out += '?'; return tidy(out); }
        const ch = sql[j]!;
        if (backslash && ch === '\\') { j += 2; continue; }
        if (ch === "'") { if (sql[j + 1] === "'") { j += 2; continue; } j++; break; }
        j++;
      }
      out += '?';
      i = j;
      continue;
    }
    // dollar quoting: $$…$$ or $tag$…$tag$
    if (c === '$') {
      const tag = /^\$(?:[A-Za-z_][A-Za-z0-9_]*)?\$/.exec(sql.slice(i));
      if (tag) {
        const end = sql.indexOf(tag[0], i + tag[0].length);
        out += '?';
        if (end < 0) return tidy(out);
        i = end + tag[0].length;
        continue;
      }
      // positional parameter $1 stays a placeholder
      const pos = /^\$\d+/.exec(sql.slice(i));
      if (pos) { out += '?'; i += pos[0].length; continue; }
    }
    // quoted identifiers keep their text
    if (c === '"' || c === '`' || c === '[') {
      const close = c === '[' ? ']' : c;
      const e = sql.indexOf(close, i + 1);
      if (e < 0) { out += '?'; return tidy(out); }
      out += sql.slice(i, e + 1);
      i = e + 1;
      continue;
    }
    // numbers (not part of an identifier): 12, 1.5, .5, 1e10, 0x1F, 0b101
    if (isDigit(c) || (c === '.' && isDigit(next) && !isIdent(sql[i - 1]))) {
      if (!isIdent(sql[i - 1])) {
        const m = /^(?:0[xX][0-9A-Fa-f]+|0[bB][01]+|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)/.exec(sql.slice(i))!;
        out += '?';
        i += m[0].length;
        continue;
      }
    }
    // a sign glued to a number literal (e.g. = -5) becomes part of the literal
    if ((c === '-' || c === '+') && (isDigit(next) || next === '.') && /[=(<>,\s]$/.test(out.trimEnd().slice(-1) || ' ') && !isIdent(sql[i - 1])) {
      i++;
      continue;
    }
    if (c === ' ' || c === '\n' || c === '\t' || c === '\r') { if (!out.endsWith(' ')) out += ' '; i++; continue; }
    out += c;
    i++;
  }
  return tidy(out);
}

function isIdent(c: string | undefined): boolean {
  if (c === undefined) return false;
  const k = c.charCodeAt(0);
  return (k >= 48 && k <= 57) || (k >= 65 && k <= 90) || (k >= 97 && k <= 122) || k === 95 || k === 36 || k === 35 || k === 64 || (k > 127 && /[\p{L}\p{N}]/u.test(c));
}

function isDigit(c: string | undefined): boolean {
  return c !== undefined && c >= '0' && c <= '9';
}

function tidy(s: string): string {
  return s
    .replace(/\(\s*\?(?:\s*,\s*\?)+\s*\)/g, '(?)') // IN (?, ?, ?) → (?)
    .replace(/\bVALUES\s*\(\?\)(?:\s*,\s*\(\?\))+/gi, 'VALUES (?)')
    .replace(/\s+/g, ' ')
    .trim();
}
