import type { FastifyBaseLogger } from 'fastify';
import type { Config } from './config.js';
import type { LogStore } from './log/store.js';
import { hasAppendOnlyFile } from './log/durability.js';
import { MemoryStore } from './log/memory-store.js';
import { TopicService } from './topics/topic-service.js';
import { ProduceService } from './produce/produce-service.js';
import { FetchService } from './fetch/fetch-service.js';
import { AppendNotifier } from './fetch/append-notifier.js';
import { GroupService } from './groups/group-service.js';
import { ConsumerInstances } from './groups/instances/consumer-instances.js';
import type { InstanceStateStore } from './groups/instances/instance-state.js';
import { MemoryInstanceState } from './groups/instances/memory-instance-state.js';
import { MemoryGroupState } from './groups/memory-group-state.js';
import type { GroupStateStore } from './groups/group-state.js';
import { openRegistry } from './registry/open.js';
import type { RegistryService } from './registry/registry-service.js';
import { OutboundBudget } from './consume/outbound-budget.js';
import { PartitionFeeds } from './consume/partition-feeds.js';
import { compactionPolicy } from './lifecycle/compaction.js';
import { LogCleaner } from './lifecycle/log-cleaner.js';
import { retentionPolicy } from './lifecycle/retention.js';
import { TableService } from './topics/table-service.js';

/** Every service of one gateway process, built once from the config and shared by all routes. */
export interface Services {
  store: LogStore;
  topics: TopicService;
  produce: ProduceService;
  fetch: FetchService;
  /** Wakes consumers waiting at the end of a partition when it grows. */
  appends: AppendNotifier;
  registry: RegistryService;
  groups: GroupService;
  /** Confluent v2 consumer instances: their state is shared by every gateway, which serves any of them. */
  consumers: ConsumerInstances;
  /** Bytes queued to WebSocket and SSE clients, bounded per client and in total. */
  outbound: OutboundBudget;
  /** Partition reads for pushed delivery, shared by every consumer of this gateway. */
  feeds: PartitionFeeds;
  /** Removes records as the topics' cleanup policies say (retention, compaction), in the background; tests call `pass` with their own clock. */
  cleaner: LogCleaner;
  /** Compacted topics read as tables: each key's latest value. */
  tables: TableService;
  close(): Promise<void>;
}

async function openStore(config: Config, log: FastifyBaseLogger): Promise<LogStore> {
  if (config.redisUrl || config.redisClusterNodes) {
    // Loaded only when asked for, so the in-memory mode never opens a Redis client.
    const { RedisStreamsStore } = await import('./log/redis/redis-streams-store.js');
    const store = await RedisStreamsStore.open(config, log);
    const { durability } = store;
    log.info({ backend: config.redisClusterNodes ? 'redis-cluster' : 'redis', durability }, `log store: Redis Streams, persistence ${durability.mode}`);
    if (!hasAppendOnlyFile(durability)) {
      log.warn(
        { durability },
        `*** Redis persistence is '${durability.mode}' and ALLOW_NON_DURABLE_REDIS=true: acknowledged records, topics and offsets ` +
          `${durability.mode === 'unknown' ? 'may be' : 'are'} LOST when Redis restarts. Turn on its append-only file ` +
          '(CONFIG SET appendonly yes) for real use. ***',
      );
    }
    return store;
  }
  log.warn(
    '*** REDIS_URL is not set: using the IN-MEMORY store. NOTHING IS DURABLE — every topic, record, ' +
      'offset and schema is lost when this process stops. Set REDIS_URL=redis://host:6379 for real use. ***',
  );
  return new MemoryStore();
}

async function openGroupState(config: Config, store: LogStore, log: FastifyBaseLogger): Promise<GroupStateStore> {
  if (store.kind === 'memory' || (!config.redisUrl && !config.redisClusterNodes)) return new MemoryGroupState();
  const { openRedis } = await import('./redis/connection.js');
  const { RedisGroupState } = await import('./groups/redis/redis-group-state.js');
  return new RedisGroupState(await openRedis(config, 'streamgate-groups', log), config.keyPrefix);
}

async function openInstanceState(config: Config, store: LogStore, log: FastifyBaseLogger): Promise<InstanceStateStore> {
  if (store.kind === 'memory' || (!config.redisUrl && !config.redisClusterNodes)) return new MemoryInstanceState();
  const { openRedis } = await import('./redis/connection.js');
  const { RedisInstanceState } = await import('./groups/redis/redis-instance-state.js');
  return new RedisInstanceState(await openRedis(config, 'streamgate-v2-instances', log), config.keyPrefix);
}

export async function createServices(config: Config, store: LogStore | undefined, log: FastifyBaseLogger): Promise<Services> {
  const logStore = store ?? (await openStore(config, log));
  const topics = new TopicService(logStore, config);
  const produce = new ProduceService(logStore, topics, config);
  const fetch = new FetchService(logStore, topics);
  const appends = new AppendNotifier((topic, partition) => logStore.watchAppends(topic, partition));
  const stopAnnouncements = await logStore.onAppend((topic, partition, next) => appends.announce(topic, partition, next));
  const registry = await openRegistry(config, {}, log);
  const groups = new GroupService(await openGroupState(config, logStore, log), topics, fetch, { initialRebalanceDelayMs: config.groupInitialRebalanceDelayMs });
  await groups.start();
  const instances = await openInstanceState(config, logStore, log);
  const consumers = new ConsumerInstances(
    { groups, topics, fetch, appends, registry, state: instances, log },
    { idleTimeoutMs: config.consumerInstanceTimeoutMs, sessionTimeoutMs: config.consumerInstanceSessionTimeoutMs },
  );
  await consumers.start();
  const feeds = new PartitionFeeds(fetch, topics, appends);
  const cleaner = new LogCleaner(topics, [retentionPolicy(logStore), compactionPolicy(logStore)], { intervalMs: config.logRetentionCheckIntervalMs, log });
  cleaner.start();
  const outbound = new OutboundBudget({
    totalBytes: config.clientQueueTotalBytes,
    perClientBytes: config.clientQueueBytes,
    stallTimeoutMs: config.clientStallTimeoutMs,
  });
  return {
    store: logStore,
    topics,
    produce,
    fetch,
    appends,
    registry,
    groups,
    consumers,
    outbound,
    feeds,
    cleaner,
    tables: new TableService(logStore, topics),
    async close() {
      await cleaner.stop();
      outbound.close();
      feeds.close();
      await consumers.close();
      await instances.close();
      await groups.close();
      stopAnnouncements();
      await logStore.close();
      await registry.close();
    },
  };
}
