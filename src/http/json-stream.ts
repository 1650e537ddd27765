/**
 * Splits a body of JSON values written one after another (newline-delimited or simply
 * concatenated, as Confluent's streaming produce accepts) into the values' texts.
 * Throws a SyntaxError naming the position of the first malformed or unterminated value.
 */
export function splitJsonValues(text: string): string[] {
  const values: string[] = [];
  let depth = 0;
  let start = -1;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
      continue;
    }
    if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) {
      if (depth === 0 && start >= 0) {
        values.push(text.slice(start, i));
        start = -1;
      }
      continue;
    }
    if (start < 0) start = i;
    if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) depth++;
    else if (c === 0x7d || c === 0x5d) {
      depth--;
      if (depth < 0) throw new SyntaxError(`Unexpected '${text[i]}' at position ${i}`);
      if (depth === 0) {
        values.push(text.slice(start, i + 1));
        start = -1;
      }
    }
  }
  if (inString || depth !== 0) throw new SyntaxError('Unexpected end of JSON input');
  if (start >= 0) values.push(text.slice(start));
  return values;
}
