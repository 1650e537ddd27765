import type { FastifyBaseLogger } from 'fastify';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { Services } from '../../services.js';

/**
 * What the log holds, read from the store on every scrape (so it is the same whichever gateway is
 * scraped): per topic its stored bytes (what retention.bytes bounds) and records, per partition its
 * log start and end offsets; and what this gateway's log cleaner removed.
 */
export function registerLogMetrics(registry: Registry, services: Pick<Services, 'topics' | 'cleaner'>, log: FastifyBaseLogger): () => Promise<void> {
  const { topics, cleaner } = services;
  const registers = [registry];
  const sizeBytes = new Gauge({
    name: 'streamgate_topic_size_bytes',
    help: "Bytes the topic's records take as stored (timestamp digits, key, value, encoded headers), summed over its partitions",
    labelNames: ['topic'] as const,
    registers,
  });
  const records = new Gauge({
    name: 'streamgate_topic_records',
    help: 'Records the topic holds (log end minus log start offset, summed over its partitions)',
    labelNames: ['topic'] as const,
    registers,
  });
  const logStart = new Gauge({
    name: 'streamgate_partition_log_start_offset',
    help: 'First offset still in the partition (advances as retention and DeleteRecords remove records)',
    labelNames: ['topic', 'partition'] as const,
    registers,
  });
  const logEnd = new Gauge({
    name: 'streamgate_partition_log_end_offset',
    help: 'Offset the next record appended to the partition gets',
    labelNames: ['topic', 'partition'] as const,
    registers,
  });
  const totals = [
    ['streamgate_log_cleaner_removed_records_total', 'Records the log cleaner of this gateway removed', () => cleaner.totals.removedRecords],
    ['streamgate_log_cleaner_removed_bytes_total', 'Stored bytes the log cleaner of this gateway removed', () => cleaner.totals.removedBytes],
    ['streamgate_log_cleaner_passes_total', "Passes of this gateway's log cleaner over every partition", () => cleaner.totals.passes],
    [
      'streamgate_log_cleaner_failed_visits_total',
      'Partition visits of the log cleaner that failed (the next pass tries again)',
      () => cleaner.totals.failedVisits,
    ],
  ] as const;
  for (const [name, help, value] of totals) {
    new Counter({
      name,
      help,
      registers,
      collect() {
        this.reset();
        this.inc(value());
      },
    });
  }

  /** Reads every partition's stats; called before each scrape is rendered. */
  return async () => {
    for (const gauge of [sizeBytes, records, logStart, logEnd]) gauge.reset();
    try {
      for (const topic of await topics.list()) {
        const stats = await Promise.all(Array.from({ length: topic.partitions }, (_, p) => topics.partitionStats(topic, p)));
        let bytes = 0;
        let count = 0;
        stats.forEach((partition, p) => {
          bytes += partition.storedBytes;
          count += partition.nextOffset - partition.logStartOffset;
          logStart.labels(topic.name, String(p)).set(partition.logStartOffset);
          logEnd.labels(topic.name, String(p)).set(partition.nextOffset);
        });
        sizeBytes.labels(topic.name).set(bytes);
        records.labels(topic.name).set(count);
      }
    } catch (error) {
      // The process metrics still answer while Redis does not; the log's series are left out.
      log.warn({ err: error }, 'metrics: could not read the partitions');
    }
  };
}
