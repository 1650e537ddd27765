import { RE2JS } from 're2js';

/**
 * Regular expressions that clients supply (JSON Schema `pattern` and `patternProperties`, v2
 * `topic_pattern`) run on RE2 (re2js, a pure-JavaScript port), whose matching time is linear in
 * the input: a backtracking engine takes exponential time on `^(a+)+$` against `aaaa…!`, and
 * that time is spent on the event loop every other client shares.
 *
 * A pattern is read as JSON Schema reads it, an ECMA-262 regular expression with the `u` flag,
 * and translated to RE2 syntax with ECMA's meaning (`.`, `\s`, `\u` escapes, Unicode property
 * names). What RE2 cannot run in linear time is refused with the reason, never run on the
 * backtracking engine: lookahead, lookbehind, backreferences, and repetition counts above 1000.
 */
export interface LinearPattern {
  readonly source: string;
  /** Whether the pattern matches anywhere in `input`, as `RegExp.prototype.test` answers. */
  test(input: string): boolean;
}

/** ECMA's `\s`: WhiteSpace and LineTerminator code points, as inclusive ranges. */
const WHITESPACE: ReadonlyArray<readonly [number, number]> = [
  [0x09, 0x0d],
  [0x20, 0x20],
  [0xa0, 0xa0],
  [0x1680, 0x1680],
  [0x2000, 0x200a],
  [0x2028, 0x2029],
  [0x202f, 0x202f],
  [0x205f, 0x205f],
  [0x3000, 0x3000],
  [0xfeff, 0xfeff],
];

const hex = (codePoint: number) => `\\x{${codePoint.toString(16).toUpperCase()}}`;
const ranges = (list: ReadonlyArray<readonly [number, number]>) => list.map(([from, to]) => (from === to ? hex(from) : `${hex(from)}-${hex(to)}`)).join('');

function complement(list: ReadonlyArray<readonly [number, number]>): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  let next = 0;
  for (const [from, to] of list) {
    if (from > next) out.push([next, from - 1]);
    next = to + 1;
  }
  if (next <= 0x10ffff) out.push([next, 0x10ffff]);
  return out;
}

/** Class bodies, so that `\s` and `\S` also work inside `[...]`, where RE2's `\s` would mean only `[\t\n\f\r ]`. */
const SPACE = ranges(WHITESPACE);
const NOT_SPACE = ranges(complement(WHITESPACE));
/** ECMA's `.` without the `s` flag: anything but a line terminator (RE2's `.` excludes only `\n`). */
const DOT = `[^${ranges([
  [0x0a, 0x0a],
  [0x0d, 0x0d],
  [0x2028, 0x2029],
])}]`;

/** ECMA's long General_Category names and aliases; RE2 knows the short ones. */
const CATEGORIES: Record<string, string> = {
  Letter: 'L',
  Cased_Letter: 'LC',
  Uppercase_Letter: 'Lu',
  Lowercase_Letter: 'Ll',
  Titlecase_Letter: 'Lt',
  Modifier_Letter: 'Lm',
  Other_Letter: 'Lo',
  Mark: 'M',
  Combining_Mark: 'M',
  Nonspacing_Mark: 'Mn',
  Spacing_Mark: 'Mc',
  Enclosing_Mark: 'Me',
  Number: 'N',
  Decimal_Number: 'Nd',
  digit: 'Nd',
  Letter_Number: 'Nl',
  Other_Number: 'No',
  Punctuation: 'P',
  punct: 'P',
  Connector_Punctuation: 'Pc',
  Dash_Punctuation: 'Pd',
  Open_Punctuation: 'Ps',
  Close_Punctuation: 'Pe',
  Initial_Punctuation: 'Pi',
  Final_Punctuation: 'Pf',
  Other_Punctuation: 'Po',
  Symbol: 'S',
  Math_Symbol: 'Sm',
  Currency_Symbol: 'Sc',
  Modifier_Symbol: 'Sk',
  Other_Symbol: 'So',
  Separator: 'Z',
  Space_Separator: 'Zs',
  Line_Separator: 'Zl',
  Paragraph_Separator: 'Zp',
  Other: 'C',
  Control: 'Cc',
  cntrl: 'Cc',
  Format: 'Cf',
  Surrogate: 'Cs',
  Private_Use: 'Co',
  Unassigned: 'Cn',
};

/** `\p{…}` in RE2's spelling: `General_Category=`/`gc=`/`Script=`/`sc=` dropped, long category names shortened. */
function property(body: string): string {
  const [key, value] = body.includes('=') ? body.split('=') : [undefined, body];
  if (key === 'Script_Extensions' || key === 'scx') throw new Error(`it has no Unicode property \\p{${body}} (Script_Extensions)`);
  const name = CATEGORIES[value] ?? value;
  try {
    RE2JS.compile(`\\p{${name}}`);
  } catch {
    throw new Error(`it has no Unicode property \\p{${body}} (it knows general categories, scripts by their long names, Any and Emoji)`);
  }
  return name;
}

/**
 * One escape sequence starting at `source[at]` (a backslash), in RE2 syntax, and its length.
 * The source is already a valid ECMA `u` pattern, so every escape here is well-formed.
 */
function escape(source: string, at: number, inClass: boolean): [string, number] {
  const letter = source[at + 1];
  switch (letter) {
    case 'd':
    case 'D':
    case 'w':
    case 'W':
      return [`\\${letter}`, 2];
    case 's':
      return [inClass ? SPACE : `[${SPACE}]`, 2];
    case 'S':
      return [inClass ? NOT_SPACE : `[${NOT_SPACE}]`, 2];
    case 'b':
      return [inClass ? hex(8) : '\\b', 2];
    case 'B':
      return ['\\B', 2];
    case 't':
      return [hex(0x09), 2];
    case 'n':
      return [hex(0x0a), 2];
    case 'v':
      return [hex(0x0b), 2];
    case 'f':
      return [hex(0x0c), 2];
    case 'r':
      return [hex(0x0d), 2];
    case '0':
      return [hex(0), 2];
    case 'c':
      return [hex(source.charCodeAt(at + 2) % 32), 3];
    case 'x':
      return [hex(parseInt(source.slice(at + 2, at + 4), 16)), 4];
    case 'u':
      return unicodeEscape(source, at);
    case 'p':
    case 'P': {
      const end = source.indexOf('}', at);
      return [`\\${letter}{${property(source.slice(at + 3, end))}}`, end - at + 1];
    }
    case 'k':
      throw new Error('backreferences (\\k<name>) need backtracking');
    default:
      if (letter >= '1' && letter <= '9') throw new Error(`backreferences (\\${letter}) need backtracking`);
      // What is left is an escaped syntax character (or `-` in a class): RE2 reads it the same.
      return [`\\${letter}`, 2];
  }
}

/** `\uXXXX`, a surrogate pair of them (one code point under the `u` flag), or `\u{X…}`. */
function unicodeEscape(source: string, at: number): [string, number] {
  if (source[at + 2] === '{') {
    const end = source.indexOf('}', at);
    return [hex(parseInt(source.slice(at + 3, end), 16)), end - at + 1];
  }
  const unit = parseInt(source.slice(at + 2, at + 6), 16);
  const low = /^\\u(d[c-f][0-9a-f]{2})/i.exec(source.slice(at + 6, at + 12));
  if (unit >= 0xd800 && unit <= 0xdbff && low) {
    return [hex(0x10000 + ((unit - 0xd800) << 10) + (parseInt(low[1], 16) - 0xdc00)), 12];
  }
  return [hex(unit), 6];
}

/** A group opening `(?…` in RE2 syntax: lookarounds refused, named groups unnamed (only `test` is ever asked). */
function group(source: string, at: number): [string, number] {
  const rest = source.slice(at + 2, at + 4);
  if (rest.startsWith('=') || rest.startsWith('!')) throw new Error('lookahead ((?= and (?!) needs backtracking');
  if (rest === '<=' || rest === '<!') throw new Error('lookbehind ((?<= and (?<!) needs backtracking');
  if (rest.startsWith('<')) return ['(?:', source.indexOf('>', at) - at + 1];
  return ['(?', 2];
}

/** ECMA `u`-mode syntax to RE2 syntax with the same meaning. */
function toRe2(source: string): string {
  let out = '';
  let inClass = false;
  for (let at = 0; at < source.length;) {
    const char = source[at];
    let text = char;
    let length = 1;
    if (char === '\\') [text, length] = escape(source, at, inClass);
    else if (inClass) {
      if (char === ']') inClass = false;
      // RE2 reads `[:` inside a class as the start of a POSIX class; ECMA reads a `[`.
      else if (char === '[') text = '\\[';
    } else if (char === '[') {
      // ECMA's `[]` matches nothing and `[^]` anything; RE2 would read a `]` there as a literal.
      if (source.startsWith('[]', at)) [text, length] = ['[^\\x{0}-\\x{10FFFF}]', 2];
      else if (source.startsWith('[^]', at)) [text, length] = ['[\\x{0}-\\x{10FFFF}]', 3];
      else {
        inClass = true;
        if (source[at + 1] === '^') [text, length] = ['[^', 2];
      }
    } else if (char === '.') text = DOT;
    else if (char === '(' && source[at + 1] === '?') [text, length] = group(source, at);
    out += text;
    at += length;
  }
  return out;
}

class Re2Pattern implements LinearPattern {
  constructor(
    readonly source: string,
    private readonly re2: RE2JS,
  ) {}

  test(input: string): boolean {
    return this.re2.test(input);
  }

  /** Ajv keys compiled patterns by this text: it must differ between patterns. */
  toString(): string {
    return `/${this.source}/u`;
  }
}

/**
 * RE2's time is linear in the input times the size of the compiled program: a pattern of many
 * large repetitions (`[ab]{1000}b|[ab]{999}b|…`, 2 KB) takes seconds per kilobyte of value. A
 * program of five `{1,1000}` repetitions (10,003 instructions) fits; a larger one is refused, as
 * RE2 itself refuses a program past its memory budget.
 */
const MAX_PROGRAM_SIZE = 12_000;

/** A pattern in an error message: long ones cut, so an answer never grows with the input. */
const quoted = (source: string) => JSON.stringify(source.length > 200 ? `${source.slice(0, 200)}…` : source);

/** Compiles a client's pattern for linear-time matching; throws an Error naming the pattern and the reason when it cannot. */
export function compilePattern(source: string): LinearPattern {
  const refuse = (why: string) => new Error(`pattern ${quoted(source)} ${why}`);
  try {
    // Only parsed, never run: the syntax and its meaning are ECMA's.
    new RegExp(source, 'u');
  } catch (error) {
    // V8 says `Invalid regular expression: /<the pattern>/u: <why>`; the pattern is quoted already.
    const { message } = error as Error;
    throw refuse(`is not a valid ECMA-262 regular expression: ${message.slice(message.lastIndexOf(': ') + 2)}`);
  }
  let re2: RE2JS;
  try {
    re2 = RE2JS.compile(toRe2(source));
  } catch (error) {
    throw refuse(`is not supported by the linear-time engine (RE2): ${(error as Error).message}`);
  }
  if (re2.programSize() > MAX_PROGRAM_SIZE) {
    throw refuse(`is too large for the linear-time engine (RE2): ${re2.programSize()} instructions, at most ${MAX_PROGRAM_SIZE}`);
  }
  return new Re2Pattern(source, re2);
}

/** Ajv's `code.regExp` option: every pattern in a schema compiled by `compilePattern` (Ajv passes its `u` flag, which is always implied). */
export const linearRegExp = Object.assign((source: string) => compilePattern(source), { code: 'compilePattern' });
