import { invalidInput } from '../errors.js';

/**
 * The SSE event id: the next offset of every partition of the stream, `partition:offset` pairs
 * joined by dots (e.g. `0:12.1:7.2:0`). Sent back as Last-Event-ID it resumes every partition
 * exactly after the last event the client saw: nothing lost, nothing repeated.
 */
export function encodeResumeToken(positions: Map<number, number>): string {
  return [...positions]
    .sort((a, b) => a[0] - b[0])
    .map(([partition, offset]) => `${partition}:${offset}`)
    .join('.');
}

export function decodeResumeToken(token: string): Map<number, number> {
  const positions = new Map<number, number>();
  if (token.trim() === '') return positions;
  for (const pair of token.trim().split('.')) {
    const match = /^(\d{1,9}):(\d{1,16})$/.exec(pair);
    if (!match) throw invalidInput(`Last-Event-ID '${token}' is not a Streamgate resume token (partition:offset pairs joined by dots).`);
    positions.set(Number(match[1]), Number(match[2]));
  }
  return positions;
}
