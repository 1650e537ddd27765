import { describe, expect, it } from 'vitest';
import { MAX_JSON_DEPTH, nestsDeeperThan, parseJson } from '../../src/json-text.js';
import { GatewayError } from '../../src/errors.js';

const nested = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);
const deeper = (text: string, max: number) => nestsDeeperThan(Buffer.from(text), max);

describe('the nesting depth of JSON text', () => {
  it.each([
    ['a scalar', '7', 0, false],
    ['an empty array', '[]', 1, false],
    ['an empty array, limit 0', '[]', 0, true],
    ['objects in arrays', '{"a":[{"b":[1]}]}', 4, false],
    ['objects in arrays, one level short', '{"a":[{"b":[1]}]}', 3, true],
    ['brackets inside strings', '["[[[[{{{{", "]]"]', 1, false],
    ['an escaped quote inside a string', '["\\"[[[[", 1]', 1, false],
    ['an escaped backslash ending a string', '["\\\\", [1]]', 1, true],
    ['multi-byte characters', '["é€😀", ["ü"]]', 2, false],
  ])('measures %s', (_what, text, max, expected) => {
    expect(deeper(text, max)).toBe(expected);
  });

  it('scans 100,000 levels without recursing', () => {
    expect(deeper(nested(100_000), 100)).toBe(true);
    expect(deeper(nested(100), 100)).toBe(false);
  });
});

describe('parsing JSON the gateway is sent', () => {
  it(`takes ${MAX_JSON_DEPTH} levels and refuses ${MAX_JSON_DEPTH + 1} with a 400`, () => {
    expect(parseJson(nested(MAX_JSON_DEPTH))).toBeInstanceOf(Array);
    for (const input of [nested(MAX_JSON_DEPTH + 1), Buffer.from(nested(100_000))]) {
      expect(() => parseJson(input)).toThrow(GatewayError);
      expect(() => parseJson(input)).toThrow(/nested deeper than 100 levels/);
    }
  });

  it('refuses bytes that are not UTF-8 instead of replacing them', () => {
    const bytes = Buffer.concat([Buffer.from('{"v":"a'), Buffer.from([0xc3]), Buffer.from('"}')]);
    expect(() => parseJson(bytes)).toThrow(expect.objectContaining({ status: 400, message: expect.stringMatching(/not valid UTF-8/) }));
    expect(parseJson(Buffer.from('{"v":"aé"}'))).toEqual({ v: 'aé' });
  });

  it('refuses prototype keys, as Fastify does', () => {
    expect(() => parseJson('{"__proto__":{"admin":true}}')).toThrow(SyntaxError);
  });
});
