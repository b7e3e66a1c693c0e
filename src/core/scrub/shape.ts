/**
 * The shape of a scrubbed value, as findings show it: placeholders (`{email}`) and punctuation stay, every
 * letter becomes x or X and every digit 9, so whatever a detector missed (a name, say) is not kept with the
 * finding. A URL keeps its scheme and host (the customer's own service), so the customer can find the code.
 */
export function shapeOf(value: string): string {
  const url = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i.exec(value);
  const head = url ? url[0] : '';
  let out = head;
  let inPlaceholder = false;
  for (let i = head.length; i < value.length; i++) {
    const c = value[i]!;
    if (c === '{') inPlaceholder = true;
    if (inPlaceholder) out += c;
    else if (/\p{Lu}/u.test(c)) out += 'X';
    else if (/\p{L}/u.test(c)) out += 'x';
    else if (/\p{N}/u.test(c)) out += '9';
    else out += c;
    if (c === '}') inPlaceholder = false;
  }
  return out;
}
