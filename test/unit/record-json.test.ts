import { describe, expect, it } from 'vitest';
import { NotJsonText, RawJson, rawJsonFromBytes, toJsonText } from '../../src/records/raw-json.js';
import { deliveredRecordJson, type DeliveredRecord } from '../../src/consume/delivered-record.js';

const bytes = (text: string) => Buffer.from(text, 'utf8');

const record = (key: unknown, value: unknown, extra: Partial<DeliveredRecord> = {}): DeliveredRecord => ({
  topic: 'orders "eu"',
  partition: 3,
  offset: 42,
  timestamp: 1_700_000_000_000,
  key,
  value,
  headers: [],
  ...extra,
});

describe('records as JSON text', () => {
  it('keeps stored JSON text, and says why bytes are not JSON text', () => {
    const kept = rawJsonFromBytes(bytes('{"total": 12.50, "items":[1,2]}'));
    expect(kept).toBeInstanceOf(RawJson);
    expect((kept as RawJson).value).toEqual({ total: 12.5, items: [1, 2] });
    expect(rawJsonFromBytes(bytes('not json'))).toEqual(new NotJsonText(bytes('not json'), 'not valid JSON text'));
  });

  it.each([
    ['a top-level string', '"just text"', 'just text'],
    ['a top-level number', ' 12.5 ', 12.5],
    ['true', 'true', true],
    ['null', 'null', null],
    ['a character outside the BMP, also escaped', String.raw`"😀 \ud83d\ude00"`, '😀 😀'],
    ['U+FFFD itself, in UTF-8 and escaped', String.raw`"� \uFFFD"`, '\uFFFD \uFFFD'],
    ['100 levels', '['.repeat(100) + ']'.repeat(100), expect.any(Array)],
  ])('takes %s as JSON text', (_what, text, value) => {
    const json = rawJsonFromBytes(bytes(text));
    expect(json).toBeInstanceOf(RawJson);
    expect((json as RawJson).value).toEqual(value);
  });

  it.each([
    ['binary bytes', Buffer.from('AAEC/w==', 'base64'), 'not valid JSON text'],
    ['a JSON string holding bytes that are not UTF-8', Buffer.concat([bytes('"caf'), Buffer.from([0xe9]), bytes('"')]), 'not valid JSON text (not UTF-8)'],
    ['a byte-order mark', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), bytes('1')]), 'not valid JSON text'],
    ['plain text', bytes('hello'), 'not valid JSON text'],
    ['an empty value', Buffer.alloc(0), 'not valid JSON text'],
    ['101 levels', bytes('['.repeat(101) + ']'.repeat(101)), 'JSON nested deeper than 100 levels'],
  ])('refuses %s as JSON text', (_what, stored, reason) => {
    expect(rawJsonFromBytes(stored)).toEqual(new NotJsonText(stored, reason));
  });

  it('reads back exactly as JSON.stringify of the same record would', () => {
    const cases: DeliveredRecord[] = [
      record(rawJsonFromBytes(bytes('"k-1"')), rawJsonFromBytes(bytes('{"a":[1,{"b":null}],"s":"x\\ny \\u2028"}'))),
      record(null, 'AAEC/w==', { error: 'Cannot decode as json (value: not valid JSON text); the bytes are given as base64.' }),
      record('binary-as-base64==', null, {
        headers: [
          { name: 'trace', value: 'AAE=' },
          { name: 'trace', value: null },
        ],
      }),
      record(rawJsonFromBytes(bytes('7')), { decoded: true }, { error: 'value: unknown schema id 99' }),
    ];
    for (const delivered of cases) {
      expect(JSON.parse(deliveredRecordJson(delivered))).toEqual(JSON.parse(JSON.stringify(delivered)));
    }
  });

  it('embeds stored text as it is, but never a line break (it would end a Server-Sent Events data line)', () => {
    expect(toJsonText(rawJsonFromBytes(bytes('{"big": 12345678901234567890}')))).toBe('{"big": 12345678901234567890}');
    const multiLine = rawJsonFromBytes(bytes('{\n  "a": 1\r\n}'));
    expect(toJsonText(multiLine)).toBe('{"a":1}');
    expect(deliveredRecordJson(record(null, multiLine))).not.toMatch(/[\r\n]/);
  });
});
