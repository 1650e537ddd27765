import { describe, expect, it } from 'vitest';
import { splitJsonValues } from '../../src/http/json-stream.js';

describe('splitting a streaming produce body', () => {
  it('splits newline-delimited and concatenated records', () => {
    expect(splitJsonValues('{"a":1}\n{"b":2}\n')).toEqual(['{"a":1}', '{"b":2}']);
    expect(splitJsonValues('{"a":1}{"b":[1,{"c":"}"}]}')).toEqual(['{"a":1}', '{"b":[1,{"c":"}"}]}']);
  });

  it('is not fooled by braces and escaped quotes inside strings', () => {
    expect(splitJsonValues('{"v":"a\\"}{"} {"w":"\\\\"}')).toEqual(['{"v":"a\\"}{"}', '{"w":"\\\\"}']);
  });

  it('returns a single record unchanged', () => {
    expect(splitJsonValues('  {"value":{"data":1}}  ')).toEqual(['{"value":{"data":1}}']);
  });

  it('rejects unterminated and unbalanced input', () => {
    expect(() => splitJsonValues('{"a":1')).toThrow(SyntaxError);
    expect(() => splitJsonValues('{"a":"x}')).toThrow(SyntaxError);
    expect(() => splitJsonValues('{"a":1}}')).toThrow(SyntaxError);
  });
});
