import type { LogRecord } from '../store.js';
import { decodeHeaders } from './record-codec.js';
import type { RecordCompression } from './record-compression.js';

/** Stream entries as ioredis returns them with Buffer replies: [id, [field, value, …]]. */
export type StreamEntry = [Buffer, Buffer[]];

const [FIELD_T, FIELD_K, FIELD_V, FIELD_H, FIELD_C] = ['t', 'k', 'v', 'h', 'c'].map((name) => name.charCodeAt(0));

/** The entry's record, its value as stored; the entry's codec marker (if any) goes into `markers[index]`. */
function toRecord(entry: StreamEntry, markers: Array<string | undefined>, index: number): LogRecord {
  const id = entry[0].toString('latin1');
  const record: LogRecord = { offset: Number(id.slice(id.indexOf('-') + 1)) - 1, key: null, value: null, headers: [], timestamp: 0 };
  const fields = entry[1];
  for (let i = 0; i < fields.length; i += 2) {
    // Field names are one byte: compared as bytes, not decoded to strings, on this hot path.
    if (fields[i].length !== 1) continue;
    switch (fields[i][0]) {
      case FIELD_T:
        record.timestamp = Number(fields[i + 1].toString('latin1'));
        break;
      case FIELD_K:
        record.key = fields[i + 1];
        break;
      case FIELD_V:
        record.value = fields[i + 1];
        break;
      case FIELD_H:
        record.headers = decodeHeaders(fields[i + 1]);
        break;
      case FIELD_C:
        markers[index] = fields[i + 1].toString('latin1');
        break;
    }
  }
  return record;
}

/**
 * A partition's stream entries read back as records (entry fields t, k, v, h, c: see append.lua):
 * the id gives the offset, and a value stored compressed (field c names its codec) is decompressed,
 * loading the topic's zstd dictionaries the entries name first.
 */
export class StreamEntries {
  constructor(private readonly compression: RecordCompression) {}

  async toRecords(topic: string, entries: StreamEntry[]): Promise<LogRecord[]> {
    const markers = new Array<string | undefined>(entries.length);
    const records = entries.map((entry, i) => toRecord(entry, markers, i));
    if (this.compression.needsDictionaries(topic, markers)) await this.compression.loadDictionaries(topic, markers);
    for (let i = 0; i < records.length; i++) {
      const marker = markers[i];
      if (marker !== undefined) records[i] = this.compression.decode(topic, records[i], marker);
    }
    return records;
  }
}
