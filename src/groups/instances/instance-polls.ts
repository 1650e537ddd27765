import { ErrorCode, GatewayError, consumerInstanceNotFound, notSubscribed } from '../../errors.js';
import { startingOffset } from '../../consume/start-offsets.js';
import type { RecordWaiter } from '../../fetch/append-notifier.js';
import type { FetchService } from '../../fetch/fetch-service.js';
import { decodeRecord, type DecodedRecord } from '../../fetch/schema-decoding.js';
import { recordSize } from '../../log/record-size.js';
import type { RegistryService } from '../../registry/registry-service.js';
import type { GroupService } from '../group-service.js';
import { tpKey, type CommittedOffset } from '../group-state.js';
import type { DriverLog } from './instance-driver.js';
import {
  instanceName,
  positionsOf,
  type InstanceConfig,
  type InstanceDoc,
  type InstanceKey,
  type InstanceStateStore,
  type StoredInstance,
} from './instance-state.js';

export interface PolledRecord extends DecodedRecord {
  topic: string;
  partition: number;
  offset: number;
}

export interface PollOptions {
  /** How long to wait for records; the instance's `consumer.request.timeout.ms` when absent. */
  timeoutMs?: number;
  maxBytes: number;
  /** Checks the instance's config before anything is read (an Accept header against its format). */
  accept?(config: InstanceConfig): void;
}

interface PollDeps {
  groups: GroupService;
  fetch: FetchService;
  appends: RecordWaiter;
  registry: RegistryService;
  state: InstanceStateStore;
  log: DriverLog;
}

interface PollContext {
  /** The instance, marked used (taken over first when nobody drives it). */
  use(key: InstanceKey): Promise<StoredInstance>;
  /** Longest wait between two looks at the instance's state. */
  sliceMs: number;
}

interface Read {
  records: PolledRecord[];
  positions: Record<string, number>;
  /** Positions changed: records were read, or a partition started or was reset. */
  moved: boolean;
}

const MAX_POLL_RECORDS = 500;

/**
 * The `records` long poll of v2 instances. A poll reads from the positions in the instance's
 * state and advances them with a compare-and-set on its version: when two polls of one instance
 * (on two gateways) read from the same positions, one advances them and the other reads again
 * from there, so no record is returned twice. Rebalances, seeks and takeovers move the version
 * too, so a poll never advances a partition its instance no longer holds.
 */
export class InstancePolls {
  /** Wakes this gateway's long polls of an instance when it changes. */
  private readonly waiting = new Map<string, Set<() => void>>();

  constructor(
    private readonly deps: PollDeps,
    private readonly context: PollContext,
  ) {}

  async records(key: InstanceKey, options: PollOptions): Promise<PolledRecord[]> {
    let state = await this.context.use(key);
    options.accept?.(state.doc.config);
    const deadline = Date.now() + (options.timeoutMs ?? state.doc.config.requestTimeoutMs);
    for (;;) {
      const doc = state.doc;
      if (!doc.manual && !doc.subscription?.topics.length) {
        throw notSubscribed();
      }
      const read = await this.readOnce(key, doc, options.maxBytes);
      if (read.moved) {
        const result = await this.deps.state.update(
          key,
          state.version,
          { ...doc, positions: read.positions },
          doc.subscription ? { kind: 'live' } : { kind: 'any' },
        );
        if (result === 'gone') throw consumerInstanceNotFound(key.group, key.id);
        if (result !== 'ok') {
          // Another poll, a rebalance or a seek moved the instance on (or its driver's lease
          // lapsed): what was read is dropped and read again from where the instance is now.
          state = await this.context.use(key);
          continue;
        }
      }
      if (read.records.length > 0) {
        if (doc.config.autoCommit) await this.autoCommit(key, doc, read.positions);
        return read.records;
      }
      const left = deadline - Date.now();
      if (left <= 0) return [];
      await this.waitForRecords(key, doc, read.positions, Math.min(left, this.context.sliceMs));
      state = await this.context.use(key);
    }
  }

  /** The instance changed (announced by any gateway): its waiting polls look again. */
  wake(key: InstanceKey): void {
    for (const wake of [...(this.waiting.get(instanceName(key)) ?? [])]) wake();
  }

  close(): void {
    for (const set of this.waiting.values()) for (const wake of [...set]) wake();
  }

  private async readOnce(key: InstanceKey, doc: InstanceDoc, maxBytes: number): Promise<Read> {
    const out: PolledRecord[] = [];
    const positions = { ...doc.positions };
    let moved = false;
    let budget = maxBytes;
    let committed: Record<string, CommittedOffset> | undefined;
    for (const tp of doc.held) {
      if (budget <= 0) break;
      const at = tpKey(tp.topic, tp.partition);
      let offset = positions[at];
      if (offset === undefined) {
        // A partition the instance just got starts at its first poll, from the group's commit.
        committed ??= await this.deps.groups.committed(key.group);
        positions[at] = offset = startingOffset(tp, committed[at]?.offset, await this.deps.fetch.offsets(tp.topic, tp.partition), doc.config.offsetReset);
        moved = true;
      }
      let result;
      try {
        result = await this.deps.fetch.read(tp.topic, tp.partition, { offset, maxRecords: MAX_POLL_RECORDS, maxBytes: Math.max(1, budget) });
      } catch (error) {
        if (!(error instanceof GatewayError) || error.errorCode !== ErrorCode.OFFSET_OUT_OF_RANGE) throw error;
        // Retention passed the position: go on per auto.offset.reset (none: the client is told).
        positions[at] = startingOffset(tp, offset, await this.deps.fetch.offsets(tp.topic, tp.partition), doc.config.offsetReset);
        moved = true;
        continue;
      }
      for (const record of result.records) {
        budget -= recordSize(record);
        out.push({ topic: tp.topic, partition: tp.partition, offset: record.offset, ...(await decodeRecord(record, doc.config.format, this.deps.registry)) });
      }
      if (result.records.length > 0) {
        positions[at] = result.records[result.records.length - 1].offset + 1;
        moved = true;
      }
    }
    return { records: out, positions, moved };
  }

  private async autoCommit(key: InstanceKey, doc: InstanceDoc, positions: Record<string, number>): Promise<void> {
    try {
      await this.deps.groups.commitAs(key.group, doc.subscription ? doc.memberId : undefined, positionsOf({ ...doc, positions }, doc.held));
    } catch (error) {
      this.deps.log.warn({ err: error, group: key.group, instance: key.id }, 'v2 consumer instance: auto-commit failed');
    }
  }

  /** Until a held partition grows past its position, the instance changes, or `ms` pass. */
  private async waitForRecords(key: InstanceKey, doc: InstanceDoc, positions: Record<string, number>, ms: number): Promise<void> {
    const name = instanceName(key);
    const stop = new AbortController();
    let set = this.waiting.get(name);
    if (!set) this.waiting.set(name, (set = new Set()));
    const wake = () => stop.abort();
    set.add(wake);
    try {
      const waits = doc.held.flatMap((tp) => {
        const offset = positions[tpKey(tp.topic, tp.partition)];
        return offset === undefined ? [] : [this.deps.appends.waitForRecords(tp.topic, tp.partition, offset, ms, stop.signal)];
      });
      const timeout = new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, ms);
        stop.signal.addEventListener('abort', () => {
          clearTimeout(timer);
          resolve();
        });
      });
      await Promise.race([...waits, timeout]);
    } finally {
      stop.abort();
      set.delete(wake);
      if (set.size === 0 && this.waiting.get(name) === set) this.waiting.delete(name);
    }
  }
}
