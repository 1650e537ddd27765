import { ErrorCode, GatewayError } from '../../errors.js';
import { toBytes } from '../../records/embedded-format.js';
import type { TableRecord as StoredRecord } from '../../topics/table-service.js';
import { TableKeyParams, TableKeyQuery, TableListQuery, TablePage, TableRecord } from '../../../schemas/v3/tables.js';
import { topicParams, v3Errors } from '../../../schemas/v3/topics.js';
import type { RoutePlugin } from '../route-plugin.js';
import { clusterResolver } from './cluster.js';
import { renderRecord } from './records.js';

/** The key in the path as bytes, written in `format` (json: JSON text, stored as the json format stores it). */
function keyBytes(text: string, format: 'string' | 'json' | 'binary'): Buffer {
  if (format !== 'json') return toBytes(text, format, 'key')!;
  try {
    return toBytes(JSON.parse(text), 'json', 'key') ?? Buffer.from('null');
  } catch {
    throw new GatewayError(ErrorCode.UNPROCESSABLE, 'key is not JSON text, as key_format=json needs.');
  }
}

/**
 * A compacted topic as a table: `GET …/topics/{t}/keys/{key}` is one key's latest value,
 * `GET …/topics/{t}/keys` pages through every key's latest value. Streamgate's own, shaped like
 * Confluent's v3 resources next to them.
 */
export const v3TableRoutes: RoutePlugin = async (app) => {
  const cluster = clusterResolver(app);
  const { tables, registry } = app.services;
  app.addSchema(TableRecord);
  app.addSchema(TablePage);
  const render = async (record: StoredRecord, format: Parameters<typeof renderRecord>[1]) => ({
    partition_id: record.partition,
    ...(await renderRecord(record, format, registry)),
  });

  app.get(
    '/v3/clusters/:cluster_id/topics/:topic_name/keys/:key',
    {
      schema: {
        tags: ['streamgate'],
        summary: "A key's latest value in a compacted topic",
        params: TableKeyParams,
        querystring: TableKeyQuery,
        response: { 200: { $ref: 'TableRecord#' }, ...v3Errors },
      },
    },
    async (request) => {
      await cluster(request.params.cluster_id);
      const { key_format: keyFormat, format, partition } = request.query;
      const record = await tables.latest(request.params.topic_name, keyBytes(request.params.key, keyFormat), partition);
      return { topic_name: request.params.topic_name, ...(await render(record, format)) };
    },
  );

  app.get(
    '/v3/clusters/:cluster_id/topics/:topic_name/keys',
    {
      schema: {
        tags: ['streamgate'],
        summary: "Every key's latest value in a compacted topic, a page at a time",
        params: topicParams,
        querystring: TableListQuery,
        response: { 200: { $ref: 'TablePage#' }, ...v3Errors },
      },
    },
    async (request) => {
      await cluster(request.params.cluster_id);
      const { limit, cursor, format } = request.query;
      const page = await tables.page(request.params.topic_name, cursor, limit);
      return {
        topic_name: request.params.topic_name,
        data: await Promise.all(page.records.map((record) => render(record, format))),
        next_cursor: page.cursor ?? null,
      };
    },
  );
};
