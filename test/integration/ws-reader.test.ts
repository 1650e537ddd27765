import { describe, expect, it } from 'vitest';
import { gatewayPair } from '../support/gateway-pair.js';
import { takeRecords } from '../support/ws-client.js';

/** Readers connect to gateway a; gateway b is another process on the same Redis. */
const gateways = gatewayPair();
const { createTopic, produce } = gateways;
const open = () => gateways.socket('a');

describe('reading chosen partitions over a WebSocket', () => {
  it('delivers the log from the asked offset, then new records as they are appended', async () => {
    await createTopic('live');
    await produce('live', 0, ['a', 'b', 'c']);
    const client = await open();
    client.send({ type: 'assign', partitions: [{ topic: 'live', partition: 0, offset: 1 }] });
    expect(await client.next((m) => m.type === 'assigned')).toMatchObject({ partitions: [{ topic: 'live', partition: 0, offset: 1 }] });
    const first = await takeRecords(client, 2);
    expect(first.map((r) => [r.offset, r.value])).toEqual([
      [1, 'b'],
      [2, 'c'],
    ]);
    expect(first[0]).toMatchObject({ topic: 'live', partition: 0, key: null, headers: [] });

    await produce('live', 0, ['d']);
    expect((await takeRecords(client, 1)).map((r) => r.value)).toEqual(['d']);
  });

  it('tells the client what it was assigned before sending any record of it', async () => {
    await createTopic('ordered', 3);
    for (const partition of [0, 1, 2]) await produce('ordered', partition, ['x', 'y']);
    const client = await open();
    client.send({ type: 'assign', partitions: [0, 1, 2].map((partition) => ({ topic: 'ordered', partition, offset: 'earliest' })) });
    await takeRecords(client, 6);
    expect(client.received[0]).toMatchObject({ type: 'assigned', partitions: [0, 1, 2].map((partition) => ({ topic: 'ordered', partition, offset: 0 })) });
  });

  it('wakes on records produced through another gateway process', async () => {
    await createTopic('cross');
    const client = await open();
    client.send({ type: 'assign', partitions: [{ topic: 'cross', partition: 0, offset: 'latest' }] });
    await client.next((m) => m.type === 'assigned');
    await produce('cross', 0, [{ from: 'elsewhere' }], 'b');
    expect((await takeRecords(client, 1))[0].value).toEqual({ from: 'elsewhere' });
  });

  it('sends only as many records as the client granted', async () => {
    await createTopic('credit');
    await produce('credit', 0, [1, 2, 3, 4, 5]);
    const client = await open();
    client.send({ type: 'assign', partitions: [{ topic: 'credit', partition: 0 }], credit: 2 });
    expect((await takeRecords(client, 2)).map((r) => r.value)).toEqual([1, 2]);
    await expect(client.next((m) => m.type === 'records', 300)).rejects.toThrow(/no matching message/);
    client.send({ type: 'credit', records: 3 });
    expect((await takeRecords(client, 3)).map((r) => r.value)).toEqual([3, 4, 5]);
  });

  it('pauses, resumes and seeks', async () => {
    await createTopic('seeking');
    await produce('seeking', 0, ['x0', 'x1', 'x2']);
    const client = await open();
    client.send({ type: 'assign', partitions: [{ topic: 'seeking', partition: 0 }] });
    await takeRecords(client, 3);
    client.send({ type: 'pause' });
    await new Promise((r) => setTimeout(r, 50));
    await produce('seeking', 0, ['x3']);
    await expect(client.next((m) => m.type === 'records', 300)).rejects.toThrow(/no matching message/);
    client.send({ type: 'resume' });
    expect((await takeRecords(client, 1))[0].value).toBe('x3');
    client.send({ type: 'seek', topic: 'seeking', partition: 0, offset: 1 });
    expect((await takeRecords(client, 3)).map((r) => r.value)).toEqual(['x1', 'x2', 'x3']);
    client.send({ type: 'seek', topic: 'seeking', partition: 0, position: 'beginning' });
    expect((await takeRecords(client, 4))[0].offset).toBe(0);
  });

  it('applies requests in the order they were sent: a seek right after its assign, a resume after the seek', async () => {
    await createTopic('in-order');
    await produce('in-order', 0, ['r0', 'r1', 'r2', 'r3']);
    const client = await open();
    // None of these waits for an answer: the seek names a partition the assign before it is still
    // starting, and the resume must not let delivery go on from the old position before the seek
    // (which looks the log's start up in Redis) has moved it.
    client.send({ type: 'assign', partitions: [{ topic: 'in-order', partition: 0, offset: 2 }], credit: 2 });
    client.send({ type: 'pause' });
    client.send({ type: 'seek', topic: 'in-order', partition: 0, position: 'beginning' });
    client.send({ type: 'resume' });
    const records = await takeRecords(client, 2);
    expect(records.map((r) => r.value)).toEqual(['r0', 'r1']);
    expect(client.received.filter((m) => m.type === 'error')).toEqual([]);
  });
  it('gives every reader tailing a partition each record in its own format, and one out of credit holds back none of the others', async () => {
    await createTopic('tailing');
    const [json, binary, short] = [await open(), await open(), await open()];
    json.send({ type: 'assign', partitions: [{ topic: 'tailing', partition: 0, offset: 'latest' }] });
    binary.send({ type: 'assign', partitions: [{ topic: 'tailing', partition: 0, offset: 'latest' }], format: 'binary' });
    short.send({ type: 'assign', partitions: [{ topic: 'tailing', partition: 0, offset: 'latest' }], credit: 2 });
    for (const client of [json, binary, short]) await client.next((m) => m.type === 'assigned');
    for (const n of [1, 2, 3, 4, 5]) await produce('tailing', 0, [n]);
    expect((await takeRecords(json, 5)).map((r) => [r.offset, r.value])).toEqual([
      [0, 1],
      [1, 2],
      [2, 3],
      [3, 4],
      [4, 5],
    ]);
    expect((await takeRecords(binary, 5)).map((r) => Buffer.from(r.value as string, 'base64').toString())).toEqual(['1', '2', '3', '4', '5']);
    expect((await takeRecords(short, 2)).map((r) => r.value)).toEqual([1, 2]);
    await expect(short.next((m) => m.type === 'records', 300)).rejects.toThrow(/no matching message/);

    short.send({ type: 'credit', records: 10 });
    expect((await takeRecords(short, 3)).map((r) => r.value)).toEqual([3, 4, 5]);
    await produce('tailing', 0, [6]);
    for (const client of [json, short]) expect((await takeRecords(client, 1)).map((r) => [r.offset, r.value])).toEqual([[5, 6]]);
  });

  it('lets one of the readers tailing a partition pause and seek back while the other reads on', async () => {
    await createTopic('tailing-seek');
    const [steady, moving] = [await open(), await open()];
    for (const client of [steady, moving]) {
      client.send({ type: 'assign', partitions: [{ topic: 'tailing-seek', partition: 0, offset: 'latest' }] });
      await client.next((m) => m.type === 'assigned');
    }
    await produce('tailing-seek', 0, ['a']);
    for (const client of [steady, moving]) expect((await takeRecords(client, 1)).map((r) => r.value)).toEqual(['a']);

    moving.send({ type: 'pause' });
    await new Promise((r) => setTimeout(r, 50));
    await produce('tailing-seek', 0, ['b']);
    expect((await takeRecords(steady, 1)).map((r) => r.value)).toEqual(['b']);
    await expect(moving.next((m) => m.type === 'records', 300)).rejects.toThrow(/no matching message/);
    moving.send({ type: 'seek', topic: 'tailing-seek', partition: 0, offset: 0 });
    // A seek has no answer to wait for; it must have landed before the resume.
    await new Promise((r) => setTimeout(r, 100));
    moving.send({ type: 'resume' });
    expect((await takeRecords(moving, 2)).map((r) => r.value)).toEqual(['a', 'b']);
    await produce('tailing-seek', 0, ['c']);
    for (const client of [steady, moving]) expect((await takeRecords(client, 1)).map((r) => [r.offset, r.value])).toEqual([[2, 'c']]);
  });

  it('delivers binary records base64-encoded when asked', async () => {
    await createTopic('bin');
    await gateways.a.app.inject({
      method: 'POST',
      url: '/topics/bin',
      headers: { 'content-type': 'application/vnd.kafka.binary.v2+json' },
      payload: { records: [{ key: 'AAE=', value: '/w==' }] },
    });
    const client = await open();
    client.send({ type: 'assign', partitions: [{ topic: 'bin', partition: 0 }], format: 'binary' });
    expect((await takeRecords(client, 1))[0]).toMatchObject({ key: 'AAE=', value: '/w==' });
  });
});

describe('producing over a WebSocket', () => {
  it('answers each produce with partitions and offsets, matched by id', async () => {
    await createTopic('ws-produce', 3);
    const client = await open();
    client.send({
      type: 'produce',
      id: 'p1',
      topic: 'ws-produce',
      records: [
        { key: 'k', value: { n: 1 } },
        { value: 'x', partition: 2, headers: [{ name: 'h', value: 'AQI=' }] },
      ],
    });
    const answer = await client.next((m) => m.type === 'produced');
    expect(answer.id).toBe('p1');
    expect(answer.results).toHaveLength(2);
    const [keyed, explicit] = answer.results as Array<{ partition: number; offset: number }>;
    expect(explicit.partition).toBe(2);
    const read = await gateways.a.app.inject({ url: `${gateways.a.v3}/topics/ws-produce/partitions/2/records?offset=${explicit.offset}` });
    expect(read.json().records[0]).toMatchObject({ value: 'x', headers: [{ name: 'h', value: 'AQI=' }] });
    const keyedRead = await gateways.a.app.inject({ url: `${gateways.a.v3}/topics/ws-produce/partitions/${keyed.partition}/records?offset=${keyed.offset}` });
    expect(keyedRead.json().records[0]).toMatchObject({ key: 'k', value: { n: 1 } });
  });
});

describe('bad messages', () => {
  it.each([
    ['malformed JSON', '{"type": "assign",', 400],
    ['a JSON array', '[1,2]', 400],
    ['an unknown type', { type: 'explode' }, 400],
    ['an assign without partitions', { type: 'assign' }, 422],
    ['a negative partition', { type: 'assign', partitions: [{ topic: 'x', partition: -1 }] }, 422],
    ['a bad offset word', { type: 'assign', partitions: [{ topic: 'bad-msgs', partition: 0, offset: 'middle' }] }, 422],
    ['an unknown topic', { type: 'assign', partitions: [{ topic: 'nope', partition: 0 }] }, 40401],
    ['an unknown partition', { type: 'assign', partitions: [{ topic: 'bad-msgs', partition: 5 }] }, 40402],
    ['an offset past the end', { type: 'assign', partitions: [{ topic: 'bad-msgs', partition: 0, offset: 99 }] }, 41601],
    ['a commit without a group', { type: 'commit' }, 400],
    ['a seek before consuming', { type: 'seek', topic: 'bad-msgs', partition: 0, offset: 0 }, 400],
    ['a produce with bad base64', { type: 'produce', id: 7, topic: 'bad-msgs', format: 'binary', records: [{ value: '!!' }] }, 422],
    ['a produce to an unknown topic', { type: 'produce', topic: 'nope', records: [{ value: 1 }] }, 40401],
  ])('answers %s with an error message and keeps the connection', async (_what, message, code) => {
    await createTopic('bad-msgs');
    const client = await open();
    client.send(message);
    const error = await client.next((m) => m.type === 'error');
    expect(error.error_code).toBe(code);
    expect(error.message).toEqual(expect.any(String));
    client.send({ type: 'produce', id: 'still-open', topic: 'bad-msgs', records: [{ value: 'ok' }] });
    expect((await client.next((m) => m.type === 'produced')).id).toBe('still-open');
  });

  it('answers a seek out of range with an error and keeps delivering', async () => {
    await createTopic('seek-range');
    await produce('seek-range', 0, ['only']);
    const client = await open();
    client.send({ type: 'assign', partitions: [{ topic: 'seek-range', partition: 0 }] });
    await takeRecords(client, 1);
    client.send({ type: 'seek', topic: 'seek-range', partition: 0, offset: 50 });
    expect((await client.next((m) => m.type === 'error')).error_code).toBe(41601);
    await produce('seek-range', 0, ['next']);
    expect((await takeRecords(client, 1))[0].value).toBe('next');
  });
});
