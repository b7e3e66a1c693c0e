/**
 * The automaton of special-category terms (special.ts): built from the terms' words by `buildTermAutomaton`, stored
 * compactly in `term-automaton.generated.ts` (written by `npm run docs`, checked against a fresh build by the unit
 * tests), and expanded from there at module load, so that a cold start does not build it (about 10 ms in the
 * interpreter).
 *
 * The automaton reads one character class per character: a letter in either case (0–25), a digit, anything else in
 * ASCII, and "rare" ('%' and every character beyond ASCII, which the reader must decode or fold itself). A state is a
 * set of nodes of the terms' trie; state 0 means "a term may be here" (absorbing), 1 is the start, 2 is "inside a
 * word no term starts or continues with", and the last state is "rare": every state goes there on the rare class, so
 * that one test of the next state (0 or the last) covers both what ends the reading and what interrupts it. In the
 * table, row + class gives the next row, a row being a state's number times 32, so that the next look-up needs no
 * shift.
 */
export const DIGIT_CLASS = 26;
export const SEP_CLASS = 27;
export const RARE_CLASS = 28;
export const CHAR_CLASS = new Uint8Array(128).fill(SEP_CLASS);
for (let c = 0; c < 26; c++) CHAR_CLASS[65 + c] = CHAR_CLASS[97 + c] = c;
for (let c = 48; c < 58; c++) CHAR_CLASS[c] = DIGIT_CLASS;
export const ACCEPT_ROW = 0;
export const START_ROW = 1 << 5;
export const NO_TERM_ROW = 2 << 5;
const MAX_STATES = 2047; // a row (state × 32) must fit in 16 bits, the rare state's too

export interface TermAutomaton {
  /** row + class → next row */
  table: Uint16Array;
  /** by state: whether a term may end with the text (the last word of a term read, no separator after it yet) */
  final: Uint8Array;
}

/**
 * The terms (each as its lower-case words of a–z) as a trie of letters, a "gap" node between the words of a term,
 * then the subset construction: a state is the set of trie nodes the text so far can be in. The root is entered
 * again at every separator (a term starts at any word), and a digit ends every path until the next separator.
 */
export function buildTermAutomaton(terms: Iterable<string[]>): TermAutomaton {
  // the trie: per node its children as [letter, node, letter, node…], whether a term ends there, its gap (-1: none)
  const kids: number[][] = [[]]; // node 0: the root, a gap before a term's first word
  const ends: boolean[] = [false];
  const gapOf: number[] = [-1];
  const isGap: boolean[] = [true];
  const add = (gap: boolean) => {
    kids.push([]);
    ends.push(false);
    gapOf.push(-1);
    return isGap.push(gap) - 1;
  };
  for (const words of terms)
    for (let w = 0, at = 0; w < words.length; w++) {
      for (let k = 0; k < words[w]!.length; k++) {
        const c = words[w]!.charCodeAt(k) - 97;
        if (c < 0 || c > 25) throw new Error(`special-category term with a character beyond a-z: ${words.join(' ')}`);
        const ks = kids[at]!;
        let child = -1;
        for (let x = 0; x < ks.length; x += 2) if (ks[x] === c) child = ks[x + 1]!;
        if (child < 0) ks.push(c, (child = add(false)));
        at = child;
      }
      if (w === words.length - 1) ends[at] = true;
      else at = gapOf[at]! >= 0 ? gapOf[at]! : (gapOf[at] = add(true));
    }
  // Subset construction: a state is a set of trie nodes (sorted); most states are one node
  const sets: number[][] = [[], [0], []];
  const single: number[] = [];
  single[0] = 1;
  const byKey = new Map<string, number>();
  const idOf = (set: number[]): number => {
    if (set.length === 1) return (single[set[0]!] ??= sets.push(set) - 1);
    const sorted = [...new Set(set)].sort((a, b) => a - b);
    if (sorted.length === 1) return idOf(sorted);
    const key = sorted.join(',');
    return byKey.get(key) ?? byKey.set(key, sets.push(sorted) - 1).get(key)!;
  };
  const next = new Uint16Array(MAX_STATES * 32); // by state and class: the next state
  for (let id = 1; id < sets.length; id++) {
    if (id === MAX_STATES) throw new Error(`special-category terms: more than ${MAX_STATES} automaton states`);
    const row = id * 32;
    next.fill(2, row, row + 32);
    let final = false;
    const after = [0]; // where a separator leads: the root again, the gaps in the set, the gaps after its words
    for (const n of sets[id]!) {
      const ks = kids[n]!;
      for (let x = 0; x < ks.length; x += 2) {
        const at = row + ks[x]!;
        next[at] = next[at] === 2 ? idOf([ks[x + 1]!]) : idOf([...sets[next[at]!]!, ks[x + 1]!]);
      }
      final ||= ends[n]!;
      if (isGap[n] && n !== 0) after.push(n);
      if (gapOf[n]! >= 0) after.push(gapOf[n]!);
    }
    // a separator after a term's last word: a term is there
    next[row + SEP_CLASS] = final ? 0 : idOf(after);
  }
  const table = withRareState(sets.length);
  for (let k = 0; k < sets.length * 32; k++) if (k % 32 !== RARE_CLASS) table[k] = next[k]! << 5;
  const final = new Uint8Array(sets.length + 1);
  for (let id = 0; id < sets.length; id++) final[id] = id === 0 || sets[id]!.some((n) => ends[n]) ? 1 : 0;
  return { table, final };
}

/** A table for `states` states and the rare state after them, every state's rare class leading there. */
function withRareState(states: number): Uint16Array {
  const rare = states * 32;
  const table = new Uint16Array(rare + 32).fill(rare, rare);
  for (let row = 0; row < rare; row += 32) table[row + RARE_CLASS] = rare;
  return table;
}

/**
 * The automaton as numbers: the number of states, the final states, then (row, class, next row) for every entry that
 * differs from the default (a letter or digit: the "no term" row; a separator: the start row; row 0: itself).
 */
export function encodeTermAutomaton({ table, final }: TermAutomaton): number[] {
  const states = final.length - 1; // the rare state is implied

  const finals = [...final.keys()].filter((id) => id > 0 && final[id] === 1);
  const entries: number[] = [];
  for (let id = 1; id < states; id++)
    for (let k = 0; k < 32; k++) {
      const v = table[id * 32 + k]!;
      if (k !== RARE_CLASS && v !== (k === SEP_CLASS ? START_ROW : NO_TERM_ROW)) entries.push(id, k, v >> 5);
    }
  return [states, finals.length, ...finals, ...entries];
}

export function decodeTermAutomaton(code: readonly number[]): TermAutomaton {
  const states = code[0]!;
  const table = withRareState(states);
  for (let row = 32; row < states * 32; row += 32) {
    table.fill(NO_TERM_ROW, row, row + RARE_CLASS);
    table.fill(NO_TERM_ROW, row + RARE_CLASS + 1, row + 32);
    table[row + SEP_CLASS] = START_ROW;
  }
  const final = new Uint8Array(states + 1);
  final[0] = 1;
  const finals = code[1]!;
  for (let k = 0; k < finals; k++) final[code[2 + k]!] = 1;
  for (let k = 2 + finals; k < code.length; k += 3) table[code[k]! * 32 + code[k + 1]!] = code[k + 2]! << 5;
  return { table, final };
}

/** The source of term-automaton.generated.ts for these terms. */
export function termAutomatonModule(terms: Iterable<string[]>): string {
  const code = encodeTermAutomaton(buildTermAutomaton(terms));
  return (
    '// Generated by `npm run docs` from the special-category terms (special.ts, term-automaton.ts); a test fails\n' +
    '// when it is stale. Do not edit.\n' +
    `export const TERM_AUTOMATON: readonly number[] = JSON.parse('${JSON.stringify(code)}');\n`
  );
}
