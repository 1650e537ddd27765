import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

describe('configuration from the environment', () => {
  it('has Kafka-like defaults and no Redis unless asked', () => {
    const config = loadConfig({});
    expect(config.port).toBe(8082);
    expect(config.redisUrl).toBeUndefined();
    expect(config.defaultRetentionMs).toBe(604_800_000);
    expect(config.defaultPartitions).toBe(1);
    expect(config.keyPrefix).toBe('sg');
    expect(config.groupInitialRebalanceDelayMs).toBe(3000);
    expect(config.logRetentionCheckIntervalMs).toBe(1000);
    expect(config.allowNonDurableRedis).toBe(false);
  });

  it('reads every documented variable', () => {
    const config = loadConfig({
      PORT: '9000',
      HOST: '127.0.0.1',
      REDIS_URL: 'redis://127.0.0.1:6380',
      KEY_PREFIX: 'gw',
      DEFAULT_PARTITIONS: '6',
      DEFAULT_RETENTION_MS: '-1',
      BODY_LIMIT_BYTES: '2048',
      MAX_MESSAGE_BYTES: '100',
      REDIS_CLUSTER_NODES: '127.0.0.1:7000,127.0.0.1:7001',
      MAX_HEADERS_PER_RECORD: '16',
      GROUP_INITIAL_REBALANCE_DELAY_MS: '0',
      ALLOW_NON_DURABLE_REDIS: 'true',
    });
    expect(config.maxHeadersPerRecord).toBe(16);
    expect(config).toMatchObject({
      port: 9000,
      host: '127.0.0.1',
      redisUrl: 'redis://127.0.0.1:6380',
      keyPrefix: 'gw',
      defaultPartitions: 6,
      defaultRetentionMs: -1,
      bodyLimitBytes: 2048,
      maxMessageBytes: 100,
      groupInitialRebalanceDelayMs: 0,
      allowNonDurableRedis: true,
    });
    expect(config.redisClusterNodes).toEqual(['127.0.0.1:7000', '127.0.0.1:7001']);
  });

  it.each([
    [{ PORT: 'eighty' }, /PORT must be an integer/],
    [{ PORT: '70000' }, /PORT must be between/],
    [{ REDIS_URL: 'localhost:6379' }, /REDIS_URL must/],
    [{ REDIS_URL: 'http://localhost:6379' }, /redis:\/\//],
    [{ DEFAULT_PARTITIONS: '0' }, /DEFAULT_PARTITIONS must be between 1/],
    [{ KEY_PREFIX: 'has space' }, /KEY_PREFIX/],
    [{ LOG_LEVEL: 'loud' }, /LOG_LEVEL must be one of/],
    [{ REDIS_CLUSTER_NODES: 'nohost' }, /REDIS_CLUSTER_NODES/],
    [{ MAX_HEADERS_PER_RECORD: '-1' }, /MAX_HEADERS_PER_RECORD must be between 0/],
    [{ GROUP_INITIAL_REBALANCE_DELAY_MS: '-1' }, /GROUP_INITIAL_REBALANCE_DELAY_MS must be between 0/],
    [{ LOG_RETENTION_CHECK_INTERVAL_MS: 'soon' }, /LOG_RETENTION_CHECK_INTERVAL_MS must be an integer/],
    [{ ALLOW_NON_DURABLE_REDIS: 'yes' }, /ALLOW_NON_DURABLE_REDIS must be true or false, got 'yes'/],
  ])('refuses %j with a clear message', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });
});
