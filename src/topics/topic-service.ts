import { randomUUID } from 'node:crypto';
import type { Config } from '../config.js';
import { ErrorCode, GatewayError, invalidDeleteOffset, invalidInput, partitionNotFound, topicNotFound } from '../errors.js';
import type { LogStore, PartitionOffsets, PartitionStats, TopicMetadata } from '../log/store.js';
import { configValue, effectiveConfig, isKnownConfig, TOPIC_CONFIGS, validateConfigs, type EffectiveTopicConfig } from './configs.js';
import { assertValidTopicName, isInternalTopic } from './names.js';

export interface CreateTopicRequest {
  name: string;
  partitions?: number;
  replicationFactor?: number;
  configs?: Record<string, string>;
}

export interface TopicConfigEntry {
  name: string;
  value: string;
  isDefault: boolean;
  isReadOnly: boolean;
  isSensitive: boolean;
  source: 'DYNAMIC_TOPIC_CONFIG' | 'DEFAULT_CONFIG';
  documentation: string;
}

export interface ConfigChange {
  name: string;
  /** null (or operation DELETE) resets the config to its default. */
  value: string | null;
}

/** A topic as the services see it: stored metadata plus its effective configs. */
export interface Topic extends TopicMetadata {
  internal: boolean;
  effective: EffectiveTopicConfig;
}

export const MAX_PARTITIONS = 10_000;

const topicExists = (name: string): GatewayError => new GatewayError(ErrorCode.TOPIC_ALREADY_EXISTS, `Topic '${name}' already exists.`);
/** Metadata is read on every produce and fetch; a short cache keeps that off Redis, as Kafka clients cache metadata. */
const METADATA_TTL_MS = 500;

export class TopicService {
  private readonly cache = new Map<string, { topic: Topic; until: number }>();

  constructor(
    private readonly store: LogStore,
    private readonly config: Config,
  ) {}

  async create(request: CreateTopicRequest): Promise<Topic> {
    const metadata = this.newTopic(request);
    if (!(await this.store.createTopic(metadata))) throw topicExists(request.name);
    this.cache.delete(request.name);
    return this.toTopic(metadata);
  }

  /** What `create` would make, checked the same way, without creating it (validate_only). */
  async validateCreate(request: CreateTopicRequest): Promise<Topic> {
    const metadata = this.newTopic(request);
    if (await this.store.getTopic(request.name)) throw topicExists(request.name);
    return this.toTopic(metadata);
  }

  private newTopic(request: CreateTopicRequest): TopicMetadata {
    assertValidTopicName(request.name);
    const partitions = request.partitions ?? this.config.defaultPartitions;
    if (!Number.isInteger(partitions) || partitions < 1 || partitions > MAX_PARTITIONS) {
      throw invalidInput(`Number of partitions must be between 1 and ${MAX_PARTITIONS}, got ${partitions}.`);
    }
    const replicationFactor = request.replicationFactor ?? this.config.defaultReplicationFactor;
    if (!Number.isInteger(replicationFactor) || replicationFactor < 1) {
      throw invalidInput(`Replication factor must be larger than 0, got ${replicationFactor}.`);
    }
    const configs = { ...(request.configs ?? {}) };
    validateConfigs(configs);
    return { name: request.name, topicId: randomUUID(), partitions, replicationFactor, configs, createdAt: Date.now() };
  }

  async list(): Promise<Topic[]> {
    const topics = await this.store.listTopics();
    return topics.map((t) => this.toTopic(t)).sort((a, b) => a.name.localeCompare(b.name));
  }

  /** The topic, fresh from the store; throws 40401 when it does not exist. */
  async get(name: string): Promise<Topic> {
    const metadata = await this.store.getTopic(name);
    if (!metadata) {
      this.cache.delete(name);
      throw topicNotFound(name);
    }
    const topic = this.toTopic(metadata);
    this.cache.set(name, { topic, until: Date.now() + METADATA_TTL_MS });
    return topic;
  }

  /** The topic for the hot paths (produce, fetch), from a short-lived cache. */
  async lookup(name: string): Promise<Topic> {
    const cached = this.cache.get(name);
    if (cached && cached.until > Date.now()) return cached.topic;
    return this.get(name);
  }

  async delete(name: string): Promise<void> {
    this.cache.delete(name);
    if (!(await this.store.deleteTopic(name))) throw topicNotFound(name);
  }

  /** Partitions can grow, never shrink (Kafka's CreatePartitions). */
  async increasePartitions(name: string, partitions: number): Promise<Topic> {
    const topic = await this.get(name);
    if (!Number.isInteger(partitions) || partitions > MAX_PARTITIONS) {
      throw invalidInput(`Number of partitions must be an integer up to ${MAX_PARTITIONS}, got ${partitions}.`);
    }
    if (partitions < topic.partitions) {
      throw invalidInput(`Topic currently has ${topic.partitions} partitions, which is higher than the requested ${partitions}.`);
    }
    if (partitions === topic.partitions) {
      throw invalidInput(`Topic already has ${topic.partitions} partitions.`);
    }
    return this.save({ ...this.metadataOf(topic), partitions });
  }

  describeConfigs(topic: Topic): TopicConfigEntry[] {
    return Object.keys(TOPIC_CONFIGS).map((name) => this.configEntry(topic, name));
  }

  describeConfig(topic: Topic, name: string): TopicConfigEntry {
    if (!isKnownConfig(name)) throw new GatewayError(ErrorCode.NOT_FOUND, `Config ${name} cannot be found for topic ${topic.name}.`);
    return this.configEntry(topic, name);
  }

  /** Applies all changes or none: every change is validated before anything is stored. */
  async alterConfigs(name: string, changes: ConfigChange[], options: { validateOnly?: boolean } = {}): Promise<Topic> {
    const topic = await this.get(name);
    const configs = { ...topic.configs };
    for (const change of changes) {
      if (!isKnownConfig(change.name)) throw invalidInput(`Unknown topic config name: ${change.name}`);
      if (change.value === null) delete configs[change.name];
      else configs[change.name] = change.value;
    }
    validateConfigs(configs);
    if (options.validateOnly) return this.toTopic({ ...this.metadataOf(topic), configs });
    return this.save({ ...this.metadataOf(topic), configs });
  }

  async partitionOffsets(topic: Topic, partition: number): Promise<PartitionOffsets> {
    this.assertPartition(topic, partition);
    return this.store.offsets(topic.name, partition);
  }

  async partitionStats(topic: Topic, partition: number): Promise<PartitionStats> {
    this.assertPartition(topic, partition);
    return this.store.partitionStats(topic.name, partition);
  }

  /**
   * Kafka's DeleteRecords: removes every record below `beforeOffset` and returns the new log start
   * offset (its low watermark). An offset past the log end, negative or not an integer is refused
   * and nothing is deleted; one below the log start changes nothing.
   */
  async deleteRecords(name: string, partition: number, beforeOffset: number): Promise<number> {
    const topic = await this.get(name);
    this.assertPartition(topic, partition);
    const { nextOffset } = await this.store.offsets(name, partition);
    if (!Number.isSafeInteger(beforeOffset) || beforeOffset < 0 || beforeOffset > nextOffset) {
      throw invalidDeleteOffset({ topic: name, partition }, beforeOffset, nextOffset);
    }
    return this.store.deleteRecordsBefore(name, partition, beforeOffset);
  }

  assertPartition(topic: Topic, partition: number): void {
    if (!Number.isInteger(partition) || partition < 0 || partition >= topic.partitions) {
      throw partitionNotFound(topic.name, partition);
    }
  }

  private configEntry(topic: Topic, name: string): TopicConfigEntry {
    const explicit = Object.hasOwn(topic.configs, name);
    return {
      name,
      value: configValue(name, topic.configs, this.config),
      isDefault: !explicit,
      isReadOnly: false,
      isSensitive: false,
      source: explicit ? 'DYNAMIC_TOPIC_CONFIG' : 'DEFAULT_CONFIG',
      documentation: TOPIC_CONFIGS[name].documentation,
    };
  }

  private async save(metadata: TopicMetadata): Promise<Topic> {
    await this.store.updateTopic(metadata);
    this.cache.delete(metadata.name);
    return this.toTopic(metadata);
  }

  private metadataOf(topic: Topic): TopicMetadata {
    const { name, topicId, partitions, replicationFactor, configs, createdAt } = topic;
    return { name, topicId, partitions, replicationFactor, configs, createdAt };
  }

  private toTopic(metadata: TopicMetadata): Topic {
    return { ...metadata, internal: isInternalTopic(metadata.name), effective: effectiveConfig(metadata.configs, this.config) };
  }
}
