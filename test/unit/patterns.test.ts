import { describe, expect, it } from 'vitest';
import { compilePattern } from '../../src/patterns.js';

/**
 * Patterns a client sends run on RE2 with ECMA-262 `u` semantics: on patterns that cannot
 * backtrack badly, every answer is the native `RegExp`'s.
 */
const SAME_AS_ECMA: Array<[pattern: string, inputs: string[]]> = [
  ['^[a-z]+$', ['abc', 'abC', '', 'abc\n']],
  ['\\d{3}', ['x123y', '12', '١٢٣']],
  ['^\\w+$', ['snake_case1', 'é', 'a-b']],
  ['\\bfoo\\b', ['a foo b', 'afoo']],
  ['^\\p{L}+$', ['héllo', 'Ωμέγα', '中文', 'a1']],
  ['^\\p{Lu}\\p{Ll}*$', ['Hello', 'hello']],
  ['^\\p{Letter}+$', ['héllo', 'x1']],
  ['^\\p{General_Category=Decimal_Number}+$', ['١٢٣', '12a']],
  ['^\\p{Script=Greek}+$', ['αβγ', 'abc']],
  ['^\\p{sc=Cyrillic}+$', ['привет', 'hello']],
  ['^[^\\P{N}]+$', ['42', '4x']],
  ['^.$', ['😀', 'a', '\n', '\r', '\u2028', '']],
  ['^\\u{1F600}$', ['😀', ':)']],
  ['^\\uD83D\\uDE00$', ['😀', ':)']],
  ['^[😀-😂]$', ['😁', '😃']],
  ['^\\s$', [' ', '\t', '\v', '\u00a0', '\u3000', '\ufeff', 'x']],
  ['^\\S+$', ['abc', 'a b', '\u00a0']],
  ['^[\\s,]+$', [', ,', '\u2003,', 'a']],
  ['^[^\\s]+$', ['abc', 'a\u2028']],
  ['^[\\S]$', ['a', ' ']],
  ['^[\\b]$', ['\b', 'b']],
  ['^\\x41\\u0042\\cJ\\0$', ['AB\n\0', 'AB\n']],
  ['^[a\\-z]+$', ['a-z', 'b']],
  ['^\\/api\\/v\\d+$', ['/api/v2', '/api/x']],
  ['^[[]$', ['[', 'x']],
  ['^[[:a]+$', ['[:a', 'b']],
  ['^a[]b$', ['ab', 'a b']],
  ['^a[^]b$', ['a\nb', 'ab']],
  ['^(?<year>\\d{4})-(?:\\d{2})$', ['2024-01', '24-01']],
  ['^(a|b)*?c{1,3}$', ['ababccc', 'cccc']],
  ['colou?r', ['color', 'colour', 'colr']],
  ['', ['', 'anything']],
  ['^\\$\\d+(\\.\\d{2})?$', ['$10.00', '$10.0']],
];

describe('compilePattern', () => {
  it.each(SAME_AS_ECMA)('answers %j as ECMA-262 with the u flag does', (pattern, inputs) => {
    const linear = compilePattern(pattern);
    const native = new RegExp(pattern, 'u');
    for (const input of inputs) expect([input, linear.test(input)]).toEqual([input, native.test(input)]);
  });

  it('answers a pattern that backtracks exponentially at once', () => {
    expect(compilePattern('^(a+)+$').test(`${'a'.repeat(40)}!`)).toBe(false);
    expect(compilePattern('^(a|aa)+$').test(`${'a'.repeat(5000)}b`)).toBe(false);
    expect(compilePattern('^(a+)+$').test('a'.repeat(40))).toBe(true);
  });

  it.each([
    ['(?=a)a', /lookahead/],
    ['^(?!admin$).*$', /lookahead/],
    ['(?<=\\$)\\d+', /lookbehind/],
    ['(?<!-)\\d+', /lookbehind/],
    ['^(a)\\1$', /backreferences \(\\1\)/],
    ['^(?<q>["\'])\\w*\\k<q>$', /backreferences \(\\k<name>\)/],
    ['^a{1001}$', /repeat count/],
    ['^(a{100}){100}$', /repeat count/],
    ['^\\p{ASCII}+$', /no Unicode property \\p\{ASCII\}/],
    ['^\\p{scx=Greek}+$', /Script_Extensions/],
    ['^(a$', /not a valid ECMA-262 regular expression/],
    ['(?i)abc', /not a valid ECMA-262 regular expression/],
    [Array.from({ length: 20 }, (_, i) => `[ab]{${1000 - i}}b`).join('|'), /too large .*instructions, at most 12000/],
  ])('refuses %j, naming it and why', (pattern, why) => {
    expect(() => compilePattern(pattern)).toThrow(`pattern ${JSON.stringify(pattern).slice(0, 100)}`);
    expect(() => compilePattern(pattern)).toThrow(why);
  });

  it('accepts five repetitions of up to 1000', () => {
    expect(compilePattern(`^${Array(5).fill('\\d{1,1000}').join('-')}$`).test('1-2-3-4-5')).toBe(true);
  });

  it('quotes at most 200 characters of a refused pattern', () => {
    const pattern = `(${'a'.repeat(10_000)}`;
    expect(() => compilePattern(pattern)).toThrow(/^pattern "\(a{199}…" is not a valid ECMA-262 regular expression: Unterminated group$/);
  });
});
