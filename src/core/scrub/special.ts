/**
 * Special categories of personal data (GDPR Art. 9 and 10): terms in English, German, French and Estonian.
 * A field that contains one is never stored (P5). Terms are matched as whole words on a folded text
 * (lower case, accents removed), so they must be specific enough not to hit ordinary UI labels.
 */
import { ACCEPT_ROW, CHAR_CLASS, decodeTermAutomaton, RARE_CLASS, SEP_CLASS, START_ROW } from './term-automaton.ts';
import { TERM_AUTOMATON } from './term-automaton.generated.ts';
import { escapeAt, safeDecode, utf8At, utf8End } from './percent.ts';

export const SPECIAL_CATEGORIES: Record<string, string[]> = {
  health: [
    'hiv',
    'aids',
    'diabetes',
    'diabetic',
    'cancer',
    'chemotherapy',
    'oncology',
    'pregnancy',
    'pregnant',
    'abortion',
    'depression',
    'psychiatric',
    'schizophrenia',
    'dementia',
    'hepatitis',
    'diagnosis',
    'std test',
    'krebs diagnose',
    'schwangerschaft',
    'schwanger',
    'depressionen',
    'psychiatrie',
    'diagnose',
    'grossesse',
    'enceinte',
    'chimiotherapie',
    'seropositif',
    'avortement',
    'psychiatrique',
    'rasedus',
    'rase',
    'vahk',
    'diabeet',
    'depressioon',
    'psuhhiaatria',
    'diagnoos',
  ],
  'racial-or-ethnic-origin': [
    'ethnicity',
    'ethnic origin',
    'racial origin',
    'race ethnicity',
    'ethnische herkunft',
    'ethnie',
    'rassische herkunft',
    'origine ethnique',
    'origine raciale',
    'etniline paritolu',
    'rassiline paritolu',
  ],
  'political-opinions': [
    'political party',
    'political opinion',
    'party membership',
    'voted for',
    'parteimitglied',
    'parteimitgliedschaft',
    'politische meinung',
    'parti politique',
    'opinion politique',
    'adherent du parti',
    'erakonna liige',
    'erakond',
    'poliitiline vaade',
  ],
  'religious-or-philosophical-beliefs': [
    'religion',
    'religious',
    'muslim',
    'catholic',
    'protestant',
    'jewish',
    'buddhist',
    'hindu',
    'atheist',
    'religionszugehorigkeit',
    'konfession',
    'muslimisch',
    'katholisch',
    'evangelisch',
    'judisch',
    'musulman',
    'catholique',
    'juif',
    'juive',
    'bouddhiste',
    'athee',
    'usk',
    'usutunnistus',
    'moslem',
    'katoliiklane',
    'luterlane',
    'juut',
  ],
  'trade-union-membership': [
    'trade union',
    'union member',
    'union membership',
    'gewerkschaft',
    'gewerkschaftsmitglied',
    'syndicat',
    'syndique',
    'ametiuhing',
    'ametiuhingu liige',
  ],
  'sex-life-or-sexual-orientation': [
    'sexual orientation',
    'gay',
    'lesbian',
    'bisexual',
    'homosexual',
    'transgender',
    'sex life',
    'sexuelle orientierung',
    'schwul',
    'lesbisch',
    'bisexuell',
    'homosexuell',
    'orientation sexuelle',
    'homosexuel',
    'lesbienne',
    'bisexuel',
    'seksuaalne sattumus',
    'homoseksuaal',
    'lesbi',
    'biseksuaal',
  ],
  'genetic-or-biometric-data': [
    'genetic test',
    'dna test',
    'genome',
    'biometric',
    'fingerprint scan',
    'retina scan',
    'face template',
    'gentest',
    'genetisch',
    'fingerabdruck',
    'biometrisch',
    'test genetique',
    'genetique',
    'empreinte digitale',
    'biometrique',
    'geenitest',
    'geneetiline',
    'sormejalg',
    'biomeetriline',
  ],
  'criminal-convictions': [
    'criminal record',
    'conviction',
    'convicted',
    'offence record',
    'offense record',
    'vorstrafe',
    'strafregister',
    'fuhrungszeugnis',
    'verurteilt',
    'casier judiciaire',
    'condamnation',
    'condamne',
    'karistusregister',
    'kriminaalkaristus',
    'karistatud',
  ],
};

export function fold(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[_\-+./]+/g, ' ');
}

/** a character beyond ASCII (by code point) → its ASCII fold: NFKD without accents, lower case, the rest spaces */
const FOLDED = new Map<number, string>();
function foldChar(cp: number): string {
  let f = FOLDED.get(cp);
  if (f === undefined) {
    f = fold(String.fromCodePoint(cp)).replace(/[^\p{ASCII}]|%/gu, ' ');
    if (FOLDED.size < 4096) FOLDED.set(cp, f); // (a bound: text may hold any of a million code points)
  }
  return f;
}

/**
 * The text as the word scan can read it: only ASCII, '%' a space, every other character folded on its own (a
 * character's NFKD form does not depend on its neighbours). Equal, for the scan, to folding the whole text, at
 * the cost of one pass and a look-up per character beyond ASCII.
 */
export function asciiFold(t: string): string {
  let out = '';
  let from = 0;
  for (let i = 0; i < t.length; i++) {
    const c = t.charCodeAt(i);
    if (c < 128 && c !== 37) continue;
    const cp = c < 128 ? c : t.codePointAt(i)!;
    out += t.slice(from, i) + (c === 37 ? ' ' : foldChar(cp));
    if (cp > 0xffff) i++;
    from = i + 1;
  }
  return out + t.slice(from);
}

/** first word of a term → the terms that start with it (most words first), each as its words and category */
const BY_FIRST = new Map<string, Array<{ words: string[]; category: string }>>();
/** filter on (length, first letter, last letter) of first words: a word whose entry is 0 starts no term */
const FILTER = new Uint8Array(32 * 32 * 32); // 32 KiB: stays in the CPU cache
/** the low five bits of a letter name it in either case (a digit shares them with a letter: only a false hit) */
export const keyOf = (len: number, first: number, last: number) =>
  ((len & 31) << 10) | ((first & 31) << 5) | (last & 31);
for (const [category, terms] of Object.entries(SPECIAL_CATEGORIES)) {
  for (const t of terms) {
    const words = fold(t).split(/\s+/);
    const list = BY_FIRST.get(words[0]!) ?? [];
    list.push({ words, category });
    list.sort((a, b) => b.words.join(' ').length - a.words.join(' ').length);
    BY_FIRST.set(words[0]!, list);
    FILTER[keyOf(words[0]!.length, words[0]!.charCodeAt(0), words[0]!.charCodeAt(words[0]!.length - 1))] = 1;
  }
}

const ALNUM = new Uint8Array(128);
for (let c = 0; c < 128; c++) ALNUM[c] = /[A-Za-z0-9]/.test(String.fromCharCode(c)) ? 1 : 0;
const isAlnum = (c: number) => c < 128 && ALNUM[c] === 1;
const FALLBACK = -2;

/**
 * Start of the next word at or after i (separators, escaped ones too, skipped); FALLBACK on text this scan cannot read.
 */
function wordStart(t: string, i: number): number {
  const n = t.length;
  while (i < n) {
    const c = t.charCodeAt(i);
    if (isAlnum(c)) return i;
    if (c > 127) return FALLBACK;
    if (c === 37) {
      const e = escapeAt(t, i);
      if (e >= 0) {
        if (e > 127 || isAlnum(e)) return FALLBACK;
        i += 3;
        continue;
      }
    }
    i++;
  }
  return n;
}

/** Whether the word ending at e may go on in a character this scan cannot read (é, %C3%A9, %41). */
function unreadableAfter(t: string, e: number): boolean {
  const c = t.charCodeAt(e);
  if (c > 127) return true;
  if (c !== 37) return false;
  const x = escapeAt(t, e);
  return x > 127 || (x >= 0 && isAlnum(x));
}

/** The category of the term whose first word is t[s, e), undefined, or FALLBACK. */
function termAt(t: string, s: number, e: number): string | undefined | typeof FALLBACK {
  const candidates = BY_FIRST.get(t.slice(s, e).toLowerCase());
  if (!candidates) return undefined;
  next: for (const { words, category } of candidates) {
    let end = e;
    for (let k = 1; k < words.length; k++) {
      if (end >= t.length || !(t.charCodeAt(end) === 37 || !isAlnum(t.charCodeAt(end)))) continue next;
      const ws = wordStart(t, end);
      if (ws === FALLBACK) return FALLBACK;
      if (ws === end || ws >= t.length) continue next;
      let we = ws;
      while (we < t.length && isAlnum(t.charCodeAt(we))) we++;
      if (unreadableAfter(t, we)) return FALLBACK;
      if (t.slice(ws, we).toLowerCase() !== words[k]) continue next;
      end = we;
    }
    return category;
  }
  return undefined;
}

// ---- the pre-filter: one table look-up per character ----
// A deterministic automaton built from the terms (term-automaton.ts) reads the text once, one character class at a
// time, and tells whether a term can occur in it at all. Most texts hold none, and are done with one look-up per
// character: no branch depends on the text but the rare ones (a term, '%', a character beyond ASCII). Only a text it
// cannot clear goes through the exact scan below; so the automaton only has to find every term the scan finds (a
// property test holds it to that), never the category.
const { table: TERM_TABLE, final: TERM_FINAL } = decodeTermAutomaton(TERM_AUTOMATON);
/** the rare state's row: the last */
const RARE_ROW = TERM_TABLE.length - 32;
/** every UTF-16 code's class: ASCII by CHAR_CLASS but '%' and '@', which are rare like all beyond ASCII (64 KiB) */
const CODE_CLASS = new Uint8Array(65536).fill(RARE_CLASS);
CODE_CLASS.set(CHAR_CLASS);
CODE_CLASS[37] = RARE_CLASS;
CODE_CLASS[64] = RARE_CLASS; // '@': a separator, but noted (PLAIN)

/** Every term as its folded words, in a fixed order: what the automaton is built from (`npm run docs`). */
export function termWords(): string[][] {
  return [...BY_FIRST.values()].flatMap((list) => list.map((t) => t.words));
}

/**
 * What the automaton tells of a text: no term; maybe a term; text it cannot read (then neither can the scan); or no
 * term, and neither '@' nor '%' (PLAIN: the detectors need not look for an e-mail sign or an escape in it).
 */
export const CLEAR = 0;
export const MAYBE = 1;
export const UNREADABLE = 2;
export const PLAIN = 3;

/**
 * CLEAR when the text holds no term (PLAIN when it holds no '@' and no '%' either, having been read to its end);
 * MAYBE when it may; UNREADABLE where only the folded scan can tell (an escaped letter or digit, an escape that is not
 * well-formed UTF-8). Escapes of separators ("%20") are separators, as for the scan; characters beyond ASCII, raw or
 * escaped, are folded as the folded scan folds them. (Text whose escapes do not all decode is folded undecoded there,
 * so a text with both is UNREADABLE too.)
 */
export function termPrefilter(t: string): number {
  decoded = false;
  malformed = false;
  signs = false;
  const n = t.length;
  let s = START_ROW;
  for (let i = 0; ;) {
    i = advance(t, i, s);
    s = state;
    if (s === ACCEPT_ROW) return MAYBE;
    if (i >= n) break;
    s = rareStep(t, i, t.charCodeAt(i), s);
    if (s < 0) return UNREADABLE;
    if (s === ACCEPT_ROW) return MAYBE;
    i = stepEnd;
  }
  if (decoded && malformed) return UNREADABLE;
  return TERM_FINAL[s >> 5] === 1 ? MAYBE : signs ? CLEAR : PLAIN;
}

/** the state where the last advance() stopped */
let state = 0;
/**
 * The automaton from state s through t from i on, to the end, to a term (state ACCEPT_ROW) or to a character it must
 * step over by rareStep (the state before it): where it stopped. The loop is kept this small on purpose: one load of
 * the next row and one test per character, nothing else in it.
 */
function advance(t: string, i: number, s: number): number {
  const n = t.length;
  for (; i < n; i++) {
    const next = TERM_TABLE[s | CODE_CLASS[t.charCodeAt(i)]!]!;
    if ((next - 1) >>> 0 >= RARE_ROW - 1) {
      state = next === RARE_ROW ? s : next; // one test for both: next is ACCEPT_ROW (0) or RARE_ROW
      return i;
    }
    s = next;
  }
  state = s;
  return n;
}

/** an escaped character beyond ASCII was read decoded; a '%' that is not an escape was read; an '@' or '%' was read */
let decoded = false;
let malformed = false;
let signs = false;
/** where the last rareStep ended */
let stepEnd = 0;
/** The automaton from state s through '%', '@' or a character beyond ASCII at i: the next state, or -1 (UNREADABLE). */
function rareStep(t: string, i: number, c: number, s: number): number {
  stepEnd = i + 1;
  if (c > 127) {
    const cp = t.codePointAt(i)!;
    if (cp > 0xffff) stepEnd++;
    return feed(s, foldChar(cp));
  }
  signs = true;
  if (c === 64) return TERM_TABLE[s | SEP_CLASS]!;
  const x = escapeAt(t, i);
  if (x < 0) malformed = true;
  else if (x < 128) {
    if (ALNUM[x] === 1) return -1;
    stepEnd = i + 3;
  } else {
    const cp = utf8At(t, i, x);
    if (cp < 0) return -1;
    decoded = true;
    stepEnd = utf8End;
    return feed(s, foldChar(cp));
  }
  return TERM_TABLE[s | SEP_CLASS]!;
}

/** The automaton from state s through the ASCII text f (a folded character); 0 once a term may be there. */
function feed(s: number, f: string): number {
  for (let j = 0; j < f.length && s !== ACCEPT_ROW; j++) s = TERM_TABLE[s | CHAR_CLASS[f.charCodeAt(j)]!]!;
  return s;
}

/**
 * The first special category whose terms occur as whole words in the text, or undefined. The automaton clears
 * most texts; the others are scanned word by word: each word's (length, first, last) is checked against the filter
 * of first words, and only a hit is looked up. Percent escapes of separators ("%20") are read as separators;
 * anything else non-ASCII is folded (accents removed) and decoded first.
 */
export const specialCategoryOf = (text: string): string | undefined => specialCategoryOrPlain(text) || undefined;

/** specialCategoryOf, or '' for a PLAIN text (no term, no '@', no '%') */
export function specialCategoryOrPlain(text: string): string | undefined {
  const p = termPrefilter(text);
  return p === PLAIN ? '' : p === CLEAR ? undefined : p === MAYBE ? exactCategoryOf(text) : foldedCategoryOf(text);
}

/** specialCategoryOf without the pre-filter */
export function exactCategoryOf(text: string): string | undefined {
  const found = scan(text);
  return found === FALLBACK ? foldedCategoryOf(text) : (found as string | undefined);
}

/** The category read from the text decoded and folded to ASCII. */
function foldedCategoryOf(text: string): string | undefined {
  const r = scan(asciiFold(safeDecode(text)));
  return r === FALLBACK ? undefined : (r as string | undefined);
}

function scan(t: string): string | undefined | typeof FALLBACK {
  const n = t.length;
  let i = 0;
  while (i < n) {
    let c = t.charCodeAt(i);
    if (c < 128 && ALNUM[c] === 1) {
      // a word: to its end in a tight loop, then its (length, first, last) through the filter
      const s = i;
      for (i++; i < n; i++) {
        c = t.charCodeAt(i);
        if (c > 127 || ALNUM[c] !== 1) break;
      }
      if (i < n && unreadableAfter(t, i)) return FALLBACK; // the word may go on in what this scan cannot read
      const len = i - s;
      if (len >= 3 && len < 32 && FILTER[keyOf(len, t.charCodeAt(s), t.charCodeAt(i - 1))]) {
        const category = termAt(t, s, i);
        if (category) return category;
      }
      continue; // the separator at i is read by the next turn
    }
    if (c > 127) return FALLBACK;
    if (c === 37) {
      const x = escapeAt(t, i);
      if (x > 127 || (x >= 0 && ALNUM[x] === 1)) return FALLBACK;
      if (x >= 0) i += 2; // an escaped separator
    }
    i++;
  }
  return undefined;
}
