import { createHash, randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import {
  ErrorCode,
  GatewayError,
  consumerInstanceExists,
  consumerInstanceNotFound,
  notAssigned,
  offsetOutOfRange,
  subscriptionExclusive,
} from '../../errors.js';
import { startingOffset } from '../../consume/start-offsets.js';
import type { FetchService } from '../../fetch/fetch-service.js';
import type { TopicPartition } from '../../log/store.js';
import { compilePattern, type LinearPattern } from '../../patterns.js';
import type { TopicService } from '../../topics/topic-service.js';
import type { GroupService } from '../group-service.js';
import { tpKey } from '../group-state.js';
import { InstanceDriver, groupInstanceId, leaseTtlMs, type DriverLog } from './instance-driver.js';
import { InstancePolls, type PolledRecord, type PollOptions } from './instance-polls.js';
import {
  changeInstance,
  holds,
  positionsOf,
  instanceName,
  type InstanceConfig,
  type InstanceDoc,
  type InstanceKey,
  type InstanceStateStore,
  type StoredInstance,
} from './instance-state.js';
import type { RecordWaiter } from '../../fetch/append-notifier.js';
import type { RegistryService } from '../../registry/registry-service.js';

export interface ConsumerInstancesDeps {
  groups: GroupService;
  topics: TopicService;
  fetch: FetchService;
  appends: RecordWaiter;
  registry: RegistryService;
  state: InstanceStateStore;
  log: DriverLog;
}

export interface ConsumerInstancesOptions {
  /** An instance unused this long is deleted (Confluent's consumer.instance.timeout.ms). */
  idleTimeoutMs: number;
  /** The group session of a subscribed instance's member: how long a takeover waits after its gateway dies. */
  sessionTimeoutMs: number;
}

const notFound = (key: InstanceKey) => consumerInstanceNotFound(key.group, key.id);
const REAP_BATCH = 100;
const hash = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 40);

type OffsetCommit = TopicPartition & { offset: number; metadata?: string };

/**
 * Confluent v2 consumer instances, served by any gateway: an instance's state (subscription or
 * assignment, positions, config) lives in the instance store, and every request reads it there.
 * A subscribed instance's group member runs on one gateway at a time, its driver, under a lease;
 * when that gateway dies, the next request on any gateway takes over with the same static
 * member identity. Instances unused past the idle timeout are deleted by whichever gateway's
 * reaper finds them first, and leave their groups.
 */
export class ConsumerInstances {
  private readonly drivers = new Map<string, InstanceDriver>();
  private readonly polls: InstancePolls;
  private readonly gateway = `${hostname()}/${process.pid}`;
  private reaper: NodeJS.Timeout | undefined;
  private reaping = false;
  private stopListening: (() => void) | undefined;

  constructor(
    private readonly deps: ConsumerInstancesDeps,
    private readonly options: ConsumerInstancesOptions,
  ) {
    this.polls = new InstancePolls(deps, {
      use: (key) => this.use(key),
      // A long poll comes back to the state often enough to keep its instance in use.
      sliceMs: Math.max(10, Math.min(5000, Math.floor(options.idleTimeoutMs / 3))),
    });
  }

  async start(): Promise<void> {
    this.stopListening = await this.deps.state.onChange((key) => {
      this.polls.wake(key);
      void this.drivers.get(instanceName(key))?.check();
    });
    this.reaper = setInterval(() => void this.reapIdle(), Math.min(5000, Math.max(100, this.options.idleTimeoutMs / 4)));
    this.reaper.unref();
  }

  async create(group: string, name: string | undefined, config: InstanceConfig): Promise<string> {
    const id = name ?? `rest-consumer-${randomUUID()}`;
    const doc: InstanceDoc = { config, epoch: 0, held: [], generation: 0, positions: {} };
    if (!(await this.deps.state.create({ group, id }, doc))) {
      throw consumerInstanceExists(group, id);
    }
    return id;
  }

  async delete(key: InstanceKey): Promise<void> {
    const removal = await this.deps.state.remove(key);
    if (removal !== 'removed') throw notFound(key);
    await this.removed(key);
  }

  async subscribe(key: InstanceKey, topics: string[] | undefined, pattern: string | undefined): Promise<void> {
    let names = topics ?? [];
    if (pattern !== undefined) {
      let regex: LinearPattern;
      try {
        regex = compilePattern(`^(?:${pattern})$`);
      } catch (error) {
        throw new GatewayError(ErrorCode.UNPROCESSABLE, `topic_pattern is not a valid regular expression: ${(error as Error).message}`);
      }
      names = (await this.deps.topics.list()).map((t) => t.name).filter((name) => regex.test(name));
    }
    for (const name of names) await this.deps.topics.lookup(name);
    const token = this.newToken();
    let previous: StoredInstance | undefined;
    const result = await this.change(key, (state) => {
      if (state.doc.manual) throw subscriptionExclusive();
      previous = state;
      const subscription = pattern === undefined ? { topics: names } : { topics: names, pattern };
      return {
        doc: { ...state.doc, epoch: state.doc.epoch + 1, subscription, manual: undefined, held: [], memberId: undefined, positions: {} },
        lease: names.length > 0 ? { kind: 'take', token, ttlMs: this.leaseTtl() } : { kind: 'drop' },
      };
    });
    if (result === 'gone' || !previous) throw notFound(key);
    // Its member is replaced by the new one (same static identity), not made to leave.
    await this.subscriptionEnded(key, names.length > 0 ? 'handover' : 'leave');
    if (names.length > 0) await this.drive(key, previous.doc.epoch + 1, token, names, previous.doc.config);
    await this.announce(key);
  }

  async unsubscribe(key: InstanceKey): Promise<void> {
    let previous: StoredInstance | undefined;
    const result = await this.change(key, (state) => {
      previous = state;
      return {
        doc: { ...state.doc, epoch: state.doc.epoch + 1, subscription: undefined, manual: undefined, held: [], memberId: undefined, positions: {} },
        lease: { kind: 'drop' },
      };
    });
    if (result === 'gone' || !previous) throw notFound(key);
    await this.subscriptionEnded(key, 'leave');
    await this.announce(key);
  }

  async subscription(key: InstanceKey): Promise<string[]> {
    return (await this.use(key)).doc.subscription?.topics ?? [];
  }

  async assign(key: InstanceKey, partitions: TopicPartition[]): Promise<void> {
    for (const tp of partitions) this.deps.topics.assertPartition(await this.deps.topics.lookup(tp.topic), tp.partition);
    const result = await this.change(key, async (state) => {
      if (state.doc.subscription) throw subscriptionExclusive();
      const committed = await this.deps.groups.committed(key.group);
      const positions: Record<string, number> = {};
      for (const tp of partitions) {
        const log = await this.deps.fetch.offsets(tp.topic, tp.partition);
        positions[tpKey(tp.topic, tp.partition)] = startingOffset(tp, committed[tpKey(tp.topic, tp.partition)]?.offset, log, state.doc.config.offsetReset);
      }
      return {
        doc: { ...state.doc, epoch: state.doc.epoch + 1, manual: partitions, held: partitions, memberId: undefined, positions },
        lease: { kind: 'drop' },
      };
    });
    if (result === 'gone') throw notFound(key);
    await this.announce(key);
  }

  /** The partitions the instance reads now. */
  async assignments(key: InstanceKey): Promise<TopicPartition[]> {
    return (await this.use(key)).doc.held;
  }

  /** Commits the given offsets (the next offsets to read), or (none given) the positions of everything held. */
  async commit(key: InstanceKey, offsets: OffsetCommit[] | undefined): Promise<void> {
    const { doc } = await this.use(key);
    for (const tp of offsets ?? []) if (!holds(doc, tp)) throw notAssigned(tp);
    await this.deps.groups.commitAs(key.group, doc.subscription ? doc.memberId : undefined, offsets ?? positionsOf(doc, doc.held));
  }

  async committed(key: InstanceKey, partitions: TopicPartition[]): Promise<Array<TopicPartition & { offset: number; metadata: string }>> {
    await this.use(key);
    const committed = await this.deps.groups.committed(key.group);
    return partitions.map((tp) => {
      const entry = committed[tpKey(tp.topic, tp.partition)];
      return { ...tp, offset: entry?.offset ?? -1, metadata: entry?.metadata ?? '' };
    });
  }

  async seek(key: InstanceKey, targets: Array<TopicPartition & { offset: number | 'beginning' | 'end' }>): Promise<void> {
    const result = await this.change(key, async (state) => {
      const positions = { ...state.doc.positions };
      for (const target of targets) {
        if (!holds(state.doc, target)) throw notAssigned(target);
        const log = await this.deps.fetch.offsets(target.topic, target.partition);
        const offset = target.offset === 'beginning' ? log.logStartOffset : target.offset === 'end' ? log.nextOffset : target.offset;
        if (offset < log.logStartOffset || offset > log.nextOffset) throw offsetOutOfRange(target, offset, log);
        positions[tpKey(target.topic, target.partition)] = offset;
      }
      return { doc: { ...state.doc, positions }, lease: { kind: 'any' } };
    });
    if (result === 'gone') throw notFound(key);
    await this.announce(key);
  }

  /** Long poll: returns as soon as records arrive (up to `maxBytes`), or empty after the timeout. */
  records(key: InstanceKey, options: PollOptions): Promise<PolledRecord[]> {
    return this.polls.records(key, options);
  }

  /** Whether this gateway drives the instance's group member now. */
  drives(key: InstanceKey): boolean {
    return this.drivers.get(instanceName(key))?.drives() ?? false;
  }

  /** Stops this gateway's part: its drivers hand their instances over, to be taken up by the next request on any gateway. */
  async close(): Promise<void> {
    clearInterval(this.reaper);
    this.stopListening?.();
    this.polls.close();
    await Promise.all([...this.drivers.values()].map((driver) => driver.stop('handover').catch(() => undefined)));
  }

  /**
   * The instance, marked used: 40403 when there is none. A subscribed instance whose driver's
   * lease lapsed (its gateway died, or handed it over) is taken over here first.
   */
  private async use(key: InstanceKey): Promise<StoredInstance> {
    for (;;) {
      const state = await this.deps.state.load(key, true);
      if (!state) throw notFound(key);
      const topics = state.doc.subscription?.topics ?? [];
      if (topics.length === 0 || state.lease !== undefined) return state;
      await this.takeOver(key, state, topics);
    }
  }

  private async takeOver(key: InstanceKey, state: StoredInstance, topics: string[]): Promise<void> {
    const staticId = groupInstanceId(key.id, hash);
    // While the instance's member is still in the group (its gateway stopped less than a session
    // ago), the new member takes its place and its partitions, which go on from their positions.
    // Otherwise the group has moved on: they start from its commits.
    const snapshot = await this.deps.groups.describe(key.group);
    const stillMember = snapshot?.members.some((m) => m.instanceId === staticId) ?? false;
    const token = this.newToken();
    const doc = { ...state.doc, held: [], memberId: undefined, positions: stillMember ? state.doc.positions : {} };
    const result = await this.deps.state.update(key, state.version, doc, { kind: 'take-free', token, ttlMs: this.leaseTtl() });
    // Otherwise another request took over first, or the instance changed: look again.
    if (result === 'ok') await this.drive(key, state.doc.epoch, token, topics, state.doc.config);
  }

  private async drive(key: InstanceKey, epoch: number, token: string, topics: string[], config: InstanceConfig): Promise<void> {
    const name = instanceName(key);
    const driver = new InstanceDriver(key, epoch, token, topics, groupInstanceId(key.id, hash), config.autoCommit, {
      groups: this.deps.groups,
      store: this.deps.state,
      log: this.deps.log,
      sessionTimeoutMs: this.options.sessionTimeoutMs,
      changed: (changed) => void this.announce(changed),
      stopped: (stopped) => {
        if (this.drivers.get(name) === stopped) this.drivers.delete(name);
      },
    });
    await this.drivers.get(name)?.stop('handover');
    this.drivers.set(name, driver);
    await driver.start();
  }

  /**
   * After a subscription ended (the instance was deleted, unsubscribed or subscribed anew): its
   * member stops — here, or on the gateway that drives it, which hears the announcement. Nothing
   * is committed: with auto-commit every poll committed already, and a commit the client made
   * since stands.
   */
  private async subscriptionEnded(key: InstanceKey, how: 'leave' | 'handover'): Promise<void> {
    await this.drivers.get(instanceName(key))?.stop(how);
  }

  private async removed(key: InstanceKey): Promise<void> {
    await this.subscriptionEnded(key, 'leave');
    await this.announce(key);
  }

  private async reapIdle(): Promise<void> {
    if (this.reaping) return;
    this.reaping = true;
    try {
      for (const key of await this.deps.state.idle(this.options.idleTimeoutMs, REAP_BATCH)) {
        // Atomic: of gateways reaping at once, one removes the instance; one used meanwhile stays.
        const removal = await this.deps.state.remove(key, this.options.idleTimeoutMs);
        if (removal === 'removed') await this.removed(key);
      }
    } catch (error) {
      this.deps.log.warn({ err: error }, 'v2 consumer instances: expiring idle instances failed; trying again');
    } finally {
      this.reaping = false;
    }
  }

  private change(key: InstanceKey, change: Parameters<typeof changeInstance>[2]) {
    return changeInstance(this.deps.state, key, change, true);
  }

  private async announce(key: InstanceKey): Promise<void> {
    await this.deps.state.announce(key).catch((error: unknown) => this.warn(key, error, 'could not announce a change'));
  }

  private warn(key: InstanceKey, error: unknown, what: string): void {
    this.deps.log.warn({ err: error, group: key.group, instance: key.id }, `v2 consumer instance: ${what}`);
  }

  private leaseTtl(): number {
    return leaseTtlMs(this.options.sessionTimeoutMs);
  }

  /** Names the gateway (host and process), so an operator can tell which one drives an instance. */
  private newToken(): string {
    return `${this.gateway}/${randomUUID()}`;
  }
}
