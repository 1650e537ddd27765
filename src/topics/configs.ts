import type { Config } from '../config.js';
import { invalidInput } from '../errors.js';
import type { TimestampType } from '../log/store.js';

/** The topic configs Streamgate stores and validates, with Kafka's names and value rules. */
export const COMPRESSION_TYPES = ['producer', 'none', 'gzip', 'snappy', 'lz4', 'zstd', 'uncompressed'] as const;
export type CompressionType = (typeof COMPRESSION_TYPES)[number];

interface ConfigDefinition {
  /** The broker-level default when the topic sets nothing. */
  fallback(config: Config): string;
  /** A message when `value` is not acceptable. */
  problem(value: string): string | undefined;
  documentation: string;
}

const longAtLeast =
  (min: number) =>
  (value: string): string | undefined =>
    /^-?\d+$/.test(value) && Number(value) >= min && Number.isSafeInteger(Number(value)) ? undefined : `must be an integer >= ${min}`;

const oneOf =
  (allowed: readonly string[]) =>
  (value: string): string | undefined =>
    allowed.includes(value) ? undefined : `must be one of ${allowed.join(', ')}`;

const ratio = (value: string): string | undefined => (/^(0(\.\d+)?|1(\.0+)?|\.\d+)$/.test(value.trim()) ? undefined : 'must be a number between 0 and 1');

const cleanupPolicy = (value: string): string | undefined => {
  const parts = value.split(',').map((p) => p.trim());
  return parts.length > 0 && parts.every((p) => p === 'delete' || p === 'compact') ? undefined : 'must be delete, compact, or compact,delete';
};

export const TOPIC_CONFIGS: Record<string, ConfigDefinition> = {
  'retention.ms': {
    fallback: (c) => String(c.defaultRetentionMs),
    problem: longAtLeast(-1),
    documentation: 'How long records are kept before they are deleted; -1 keeps them forever.',
  },
  'retention.bytes': {
    fallback: (c) => String(c.defaultRetentionBytes),
    problem: longAtLeast(-1),
    documentation: 'Most bytes a partition keeps before the oldest records are deleted; -1 means no limit.',
  },
  'cleanup.policy': {
    fallback: () => 'delete',
    problem: cleanupPolicy,
    documentation: 'delete: drop old records by time or size; compact: keep the latest record per key.',
  },
  'delete.retention.ms': {
    fallback: () => '86400000',
    problem: longAtLeast(0),
    documentation: 'How long a tombstone (a record with a null value) of a compacted topic is kept after compaction first saw it.',
  },
  'min.compaction.lag.ms': {
    fallback: () => '0',
    problem: longAtLeast(0),
    documentation: 'Records of a compacted topic younger than this (by timestamp) are never compacted.',
  },
  'min.cleanable.dirty.ratio': {
    fallback: () => '0.5',
    problem: ratio,
    documentation: 'Compaction starts when records appended since the last compaction are at least this share of the stored records.',
  },
  'max.message.bytes': {
    fallback: (c) => String(c.maxMessageBytes),
    problem: longAtLeast(0),
    documentation: 'Largest record (key, value and headers) the topic accepts.',
  },
  'message.timestamp.type': {
    fallback: () => 'CreateTime',
    problem: oneOf(['CreateTime', 'LogAppendTime']),
    documentation: "CreateTime keeps the producer's timestamp; LogAppendTime stamps records when appended.",
  },
  'compression.type': {
    fallback: () => 'producer',
    problem: oneOf(COMPRESSION_TYPES),
    documentation: 'Codec record values are stored with; producer keeps the codec a produce request names in its Compression-Type header (none without one).',
  },
};

export const isKnownConfig = (name: string): boolean => Object.hasOwn(TOPIC_CONFIGS, name);

/** Throws a 40002 error naming the first unknown config or invalid value; changes nothing. */
export function validateConfigs(configs: Record<string, string>): void {
  for (const [name, value] of Object.entries(configs)) {
    const definition = TOPIC_CONFIGS[name];
    if (!definition) throw invalidInput(`Unknown topic config name: ${name}`);
    if (typeof value !== 'string') throw invalidInput(`Invalid value for configuration ${name}: must be a string`);
    const problem = definition.problem(value);
    if (problem) throw invalidInput(`Invalid value ${value} for configuration ${name}: ${problem}.`);
  }
}

export interface EffectiveTopicConfig {
  retentionMs: number;
  retentionBytes: number;
  cleanupPolicy: string[];
  /** True when `cleanup.policy` includes compact: records need a key, and the log keeps the latest record of each. */
  compacted: boolean;
  deleteRetentionMs: number;
  minCompactionLagMs: number;
  minCleanableDirtyRatio: number;
  maxMessageBytes: number;
  timestampType: TimestampType;
  compressionType: CompressionType;
}

export function configValue(name: string, explicit: Record<string, string>, config: Config): string {
  return explicit[name] ?? TOPIC_CONFIGS[name].fallback(config);
}

export function effectiveConfig(explicit: Record<string, string>, config: Config): EffectiveTopicConfig {
  const value = (name: string) => configValue(name, explicit, config);
  const cleanupPolicy = value('cleanup.policy')
    .split(',')
    .map((p) => p.trim());
  return {
    retentionMs: Number(value('retention.ms')),
    retentionBytes: Number(value('retention.bytes')),
    cleanupPolicy,
    compacted: cleanupPolicy.includes('compact'),
    deleteRetentionMs: Number(value('delete.retention.ms')),
    minCompactionLagMs: Number(value('min.compaction.lag.ms')),
    minCleanableDirtyRatio: Number(value('min.cleanable.dirty.ratio')),
    maxMessageBytes: Number(value('max.message.bytes')),
    timestampType: value('message.timestamp.type') as TimestampType,
    compressionType: value('compression.type') as CompressionType,
  };
}
