import { randomUUID } from 'node:crypto';
import { ErrorCode, GatewayError } from '../errors.js';
import type { TopicService } from '../topics/topic-service.js';
import { ASSIGNORS, type AssignorName, type TopicPartition } from './assignors.js';
import { parseTpKey, tpKey, type GroupSnapshot, type GroupStateStore } from './group-state.js';

export interface MemberOptions {
  group: string;
  topics: string[];
  clientId?: string;
  /**
   * How the group's partitions are split: `range` (default), `roundrobin`, `sticky`, or
   * `cooperative-sticky` (KIP-429): balanced, and a rebalance moves only the partitions balance
   * requires — a member keeps delivering every partition it keeps, without a pause.
   */
  assignor?: AssignorName;
  sessionTimeoutMs?: number;
  /**
   * Kafka's `group.instance.id` (KIP-345), 1-249 characters of `[a-zA-Z0-9._-]`: makes this a static
   * member. A member joining with the instance id of a member still in the group (connected, or
   * disconnected less than a session timeout ago) takes its place and gets its partitions back
   * without a rebalance; a connected one is fenced (see `onFenced`). A static member whose
   * transport goes away (`GroupService.disconnect`) stays in the group for one session timeout,
   * its partitions reserved for it.
   */
  groupInstanceId?: string;
  /**
   * Kafka's `group.initial.rebalance.delay.ms`: when this member is the first of an empty group,
   * the first assignment waits this long, and each member joining meanwhile restarts the wait (up to
   * 10 delays in all), so members starting together get a balanced assignment at once instead of
   * the first one getting everything and handing half of it over. Later members cannot change the
   * group's delay. 0: assign at once. Default: the gateway's (GroupService) setting.
   */
  initialRebalanceDelayMs?: number;
  /** Partitions this member now holds exclusively: start delivering them. */
  onAssigned(partitions: TopicPartition[], generation: number): Promise<void>;
  /** Partitions taken away: stop delivering (and commit, if the member auto-commits) before resolving. */
  onRevoked(partitions: TopicPartition[], generation: number): Promise<void>;
  /**
   * A newer member joined with this member's `groupInstanceId` and took its place (Kafka's
   * FENCED_INSTANCE_ID, a GatewayError 40904). When called, this member has stopped delivering
   * (`onRevoked` ran for everything it held) and is no longer in the group: tell the client and
   * close its connection. Without it, `onError` gets the error.
   */
  onFenced?(error: GatewayError): void;
  onError?(error: unknown): void;
}

export const DEFAULT_SESSION_TIMEOUT_MS = 10_000;
/** Kafka's default `group.initial.rebalance.delay.ms`. */
export const DEFAULT_INITIAL_REBALANCE_DELAY_MS = 3000;

/**
 * One member of a consumer group, on whichever gateway serves its connection. It heartbeats,
 * recomputes the assignment when membership or partition counts changed (any member may; a
 * compare-and-set on the membership version makes one win), and reconciles what it holds with
 * what it is assigned: it first stops delivering and releases what it lost, and takes a partition
 * only once its previous holder released it or its session expired. So no partition is ever
 * delivered by two members of a group at once, across gateways, and every rebalance is
 * incremental: partitions a member keeps never stop.
 */
export class GroupMember {
  readonly memberId: string;
  readonly group: string;
  readonly groupInstanceId: string | undefined;
  private readonly held = new Set<string>();
  private generation = 0;
  private timer: NodeJS.Timeout | undefined;
  private delayTimer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;
  private again = false;
  private stopped = false;
  private lastHeartbeat = Date.now();
  private readonly sessionTimeoutMs: number;

  constructor(
    private readonly state: GroupStateStore,
    private readonly topics: TopicService,
    private readonly options: MemberOptions,
  ) {
    this.group = options.group;
    this.groupInstanceId = options.groupInstanceId;
    this.sessionTimeoutMs = options.sessionTimeoutMs ?? DEFAULT_SESSION_TIMEOUT_MS;
    this.memberId = `${options.clientId ?? 'consumer'}-${randomUUID()}`;
  }

  /** Partitions this member holds now. */
  assignment(): TopicPartition[] {
    return [...this.held].map(parseTpKey);
  }

  holds(tp: TopicPartition): boolean {
    return this.held.has(tpKey(tp.topic, tp.partition));
  }

  currentGeneration(): number {
    return this.generation;
  }

  async start(): Promise<void> {
    await this.join();
    this.timer = setInterval(() => this.poke(), Math.max(50, Math.floor(this.sessionTimeoutMs / 4)));
    await this.poke();
  }

  private async join(): Promise<void> {
    await this.state.join(
      this.group,
      {
        memberId: this.memberId,
        clientId: this.options.clientId ?? 'consumer',
        ...(this.groupInstanceId !== undefined ? { instanceId: this.groupInstanceId } : {}),
        topics: this.options.topics,
        assignor: this.options.assignor ?? 'range',
        sessionTimeoutMs: this.sessionTimeoutMs,
      },
      { initialRebalanceDelayMs: this.options.initialRebalanceDelayMs ?? DEFAULT_INITIAL_REBALANCE_DELAY_MS },
    );
    this.lastHeartbeat = Date.now();
  }

  /** Runs a reconciliation now (a change was announced), or right after the one running. */
  poke(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (this.ticking) {
      this.again = true;
      return this.ticking;
    }
    this.ticking = this.tick()
      .catch((error: unknown) => this.options.onError?.(error))
      .finally(() => {
        this.ticking = undefined;
        if (this.again && !this.stopped) {
          this.again = false;
          void this.poke();
        }
      });
    return this.ticking;
  }

  /** Leaves the group (Kafka's LeaveGroup): stops delivering everything first, then gives it up. The others rebalance. */
  async leave(): Promise<void> {
    if (!(await this.stop())) return;
    await this.revoke([...this.held]);
    await this.state.leave(this.group, this.memberId);
  }

  /**
   * The member's transport went away. A static member stops delivering and releases what it holds
   * but stays in the group for one session timeout, its partitions reserved for a reconnect with
   * its instance id; a dynamic member leaves.
   */
  async disconnect(): Promise<void> {
    if (this.groupInstanceId === undefined) return this.leave();
    if (!(await this.stop())) return;
    await this.revoke([...this.held]);
    await this.state.disconnect(this.group, this.memberId);
  }

  /** Stops heartbeating and waits for a reconciliation in flight (a fencing too); false when it had stopped already. */
  private async stop(): Promise<boolean> {
    const first = !this.stopped;
    this.stopped = true;
    clearInterval(this.timer);
    clearTimeout(this.delayTimer);
    await this.ticking;
    return first;
  }

  private async tick(): Promise<void> {
    let snapshot: GroupSnapshot | undefined;
    try {
      snapshot = await this.state.heartbeat(this.group, this.memberId);
    } catch (error) {
      if (error instanceof GatewayError && error.errorCode === ErrorCode.FENCED_INSTANCE_ID) return this.fenced(error);
      // Without a heartbeat for a whole session the others may take our partitions: stop first.
      if (Date.now() - this.lastHeartbeat > this.sessionTimeoutMs) await this.revoke([...this.held]);
      throw error;
    }
    if (!snapshot) {
      // Our session expired (a long pause): others may hold our partitions now. Stop, then rejoin.
      await this.revoke([...this.held]);
      await this.join();
      this.again = true;
      return;
    }
    this.lastHeartbeat = Date.now();

    const topology = await this.topology(snapshot);
    if (snapshot.assignedVersion !== snapshot.membersVersion || snapshot.topology !== topology) {
      if (snapshot.rebalanceDelayMs > 0) {
        // The store refuses an assignment before the initial delay ends; come back when it does.
        clearTimeout(this.delayTimer);
        this.delayTimer = setTimeout(() => void this.poke(), snapshot.rebalanceDelayMs + 5);
        return;
      }
      if (snapshot.topology !== topology && snapshot.assignedVersion === snapshot.membersVersion) {
        await this.state.invalidate(this.group);
        this.again = true;
        return;
      }
      // Whether this write or another member's wins, the next pass reconciles with what was stored.
      await this.state.setAssignment(this.group, snapshot.membersVersion, await this.assign(snapshot), topology);
      this.again = true;
      return;
    }
    this.generation = snapshot.generation;
    const target = new Set((snapshot.assignment[this.memberId] ?? []).map((tp) => tpKey(tp.topic, tp.partition)));
    await this.revoke([...this.held].filter((key) => !target.has(key)));
    const wanted = [...target].filter((key) => !this.held.has(key));
    if (wanted.length === 0) return;
    const claimed = await this.state.claim(this.group, this.memberId, wanted);
    for (const key of claimed) this.held.add(key);
    if (claimed.length > 0) await this.options.onAssigned(claimed.map(parseTpKey), this.generation);
  }

  /** A newer member took our instance id: stop delivering, give everything up, and say so. */
  private async fenced(error: GatewayError): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    clearTimeout(this.delayTimer);
    try {
      await this.revoke([...this.held]);
      await this.state.leave(this.group, this.memberId);
    } finally {
      (this.options.onFenced ?? this.options.onError)?.(error);
    }
  }

  private async revoke(keys: string[]): Promise<void> {
    if (keys.length === 0) return;
    try {
      await this.options.onRevoked(keys.map(parseTpKey), this.generation);
    } finally {
      for (const key of keys) this.held.delete(key);
      await this.state.release(this.group, this.memberId, keys).catch((error: unknown) => this.options.onError?.(error));
    }
  }

  /** The partition counts of every topic the members subscribe to, as one comparable string. */
  private async topology(snapshot: GroupSnapshot): Promise<string> {
    const topics = [...new Set(snapshot.members.flatMap((m) => m.topics))].sort();
    const counts = await Promise.all(
      topics.map((t) =>
        this.topics.lookup(t).then(
          (topic) => topic.partitions,
          () => 0,
        ),
      ),
    );
    return topics.map((t, i) => `${t}=${counts[i]}`).join(',');
  }

  private async assign(snapshot: GroupSnapshot) {
    const members = snapshot.members.map((m) => ({ memberId: m.memberId, instanceId: m.instanceId, topics: m.topics }));
    const partitions: Record<string, number> = {};
    for (const entry of (await this.topology(snapshot)).split(',')) {
      const [topic, count] = entry.split('=');
      if (topic && Number(count) > 0) partitions[topic] = Number(count);
    }
    const assignor = ASSIGNORS[snapshot.members.find((m) => m.memberId === this.memberId)?.assignor ?? this.options.assignor ?? 'range'];
    return assignor({ members, partitions, previous: snapshot.assignment });
  }
}
