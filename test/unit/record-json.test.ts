import { describe, expect, it } from 'vitest';
import { RawJson, rawJsonFromBytes, toJsonText } from '../../src/records/raw-json.js';
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
  it('keeps stored JSON text and falls back to a string for bytes that are not JSON', () => {
    const kept = rawJsonFromBytes(bytes('{"total": 12.50, "items":[1,2]}'));
    expect(kept).toBeInstanceOf(RawJson);
    expect((kept as RawJson).value).toEqual({ total: 12.5, items: [1, 2] });
    expect(rawJsonFromBytes(bytes('not json'))).toBe('not json');
    expect(rawJsonFromBytes(null)).toBeNull();
  });

  it('reads back exactly as JSON.stringify of the same record would', () => {
    const cases: DeliveredRecord[] = [
      record(rawJsonFromBytes(bytes('"k-1"')), rawJsonFromBytes(bytes('{"a":[1,{"b":null}],"s":"x\\ny \\u2028"}'))),
      record(null, rawJsonFromBytes(bytes('plain text, not JSON'))),
      record('binary-as-base64==', null, { headers: [{ name: 'trace', value: 'AAE=' }, { name: 'trace', value: null }] }),
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
