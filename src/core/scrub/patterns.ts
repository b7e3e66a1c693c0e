import type { RE2JS } from 're2js';

/**
 * Customers' own scrub patterns (P4, P18). They run on RE2 (re2js): matching time is linear in the text
 * whatever the pattern, so no pattern can stall ingest for every tenant (no catastrophic backtracking).
 * Patterns RE2 cannot run (look-around, back-references) and patterns that can match an empty string are
 * refused when they are saved; the output a pattern may produce is capped per field.
 *
 * The engine is loaded on demand (`loadPatternEngine`, a dynamic import), so a function whose request has no
 * customer pattern does not pay for it at cold start.
 */
let engine: typeof import('re2js') | undefined;
export async function loadPatternEngine(): Promise<void> {
  engine ??= await import('re2js');
}
export const MAX_PATTERNS = 50;
export const MAX_PATTERN_LENGTH = 500;

export class PatternError extends Error {
  override name = 'PatternError';
}

/** Texts on which a pattern must not match nothing: an empty match would insert a placeholder between letters. */
const EMPTY_PROBES = ['', 'a', 'a b', '0', 'a-1.b', '\n'];

export function compilePattern(source: string): RE2JS {
  if (!engine)
    throw new Error(
      'the pattern engine is not loaded: await loadPatternEngine() before scrubbing with customer patterns',
    );
  let re: RE2JS;
  try {
    re = engine.RE2JS.compile(source);
  } catch (e) {
    throw new PatternError(
      `not a regular expression this service runs (RE2 syntax: no look-around or back-references): ${(e as Error).message}`,
    );
  }
  for (const probe of EMPTY_PROBES) {
    const m = re.matcher(probe);
    while (m.find())
      if (m.end() === m.start())
        throw new PatternError('matches the empty string; give a pattern that always matches at least one character');
  }
  return re;
}

/**
 * Replaces every non-empty match. Returns undefined when the result would grow past `maxLength` (then the
 * caller replaces the whole field instead), so a pattern cannot inflate what is stored.
 */
export function replaceMatches(
  text: string,
  re: RE2JS,
  replace: (match: string) => string,
  maxLength: number,
): string | undefined {
  const m = re.matcher(text);
  let out = '';
  let from = 0;
  while (m.find()) {
    const start = m.start();
    const end = m.end();
    if (end === start) continue;
    out += text.slice(from, start) + replace(text.slice(start, end));
    from = end;
    if (out.length > maxLength) return undefined;
  }
  if (from === 0) return text;
  out += text.slice(from);
  return out.length > maxLength ? undefined : out;
}

/** How long a field may become through customer patterns: twice its length, or 256 characters more. */
export const growthCap = (length: number) => Math.max(2 * length, length + 256);
