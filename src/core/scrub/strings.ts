/**
 * V8 reads a string's characters through code that depends on how the string is laid out. One character loop that
 * meets both slices of longer strings ("sliced" strings: 13 characters or more) and joined strings ("cons" strings)
 * takes a generic path, about six times slower per character, for every string after (docs/scrubbing.md,
 * performance notes). The scans meet joined strings anyway (decoded URL parts, statements with their literals
 * replaced), so a slice handed to them is made a joined string too: its first character joined to the rest (V8
 * copies it into one piece on the first read). Shorter slices are copies already.
 */
export const unsliced = (s: string): string => (s.length < 13 ? s : s.slice(0, 1) + s.slice(1));
