import type { TopicPartition } from '../../log/store.js';
import type { GroupMember } from '../group-member.js';
import { isGroupInstanceId, type GroupService } from '../group-service.js';
import { tpKey } from '../group-state.js';
import { changeInstance, positionsOf, type InstanceKey, type InstanceStateStore, type StoredInstance } from './instance-state.js';

export interface DriverLog {
  warn(details: object, message: string): void;
}

export interface DriverContext {
  groups: GroupService;
  store: InstanceStateStore;
  log: DriverLog;
  /** The group session of a subscribed instance's member. */
  sessionTimeoutMs: number;
  /** The instance's partitions changed: wake its polls on every gateway. */
  changed(key: InstanceKey): void;
  /** The driver stopped driving (whatever the reason): forget it. */
  stopped(driver: InstanceDriver): void;
}

/**
 * How long a driver's lease lasts without renewal. Shorter than what is left of the member's
 * session after its last heartbeat (heartbeats run every quarter session), so while a lease is
 * live the member still holds its partitions: no other member can have taken them.
 */
export const leaseTtlMs = (sessionTimeoutMs: number): number => Math.floor(sessionTimeoutMs / 2);

/** The instance id as the member's `group.instance.id`; one outside Kafka's rule for it is hashed into it. */
export function groupInstanceId(id: string, hash: (text: string) => string): string {
  return isGroupInstanceId(id) ? id : `rest-${hash(id)}`;
}

/**
 * Runs the group member of one subscribed v2 instance in this gateway, for one subscription
 * (epoch), under a lease in the instance state. The member is static, its `group.instance.id`
 * derived from the instance id, so a driver on another gateway can take its place without a
 * rebalance when this one dies or hands over. What the member holds is written into the instance
 * state, from which any gateway serves polls; a write needs the lease, so a driver that lost it
 * changes nothing.
 */
export class InstanceDriver {
  private member: GroupMember | undefined;
  /** An assignment made while the member was joining (its id unknown yet). */
  private pending: { partitions: TopicPartition[]; generation: number } | undefined;
  /**
   * Partitions being revoked: the member lists them until it has released them, after its
   * `onRevoked` returned, but no write may put them back into the state meanwhile.
   */
  private readonly releasing = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  /** Why it stops. Handing over, what the member gives up keeps its positions, for the next driver. */
  private stopping: 'leave' | 'handover' | undefined;
  private done = false;
  private checking: Promise<void> | undefined;

  constructor(
    readonly key: InstanceKey,
    readonly epoch: number,
    readonly token: string,
    private readonly topics: string[],
    private readonly staticId: string,
    private readonly autoCommit: boolean,
    private readonly context: DriverContext,
  ) {}

  async start(): Promise<void> {
    const ttl = leaseTtlMs(this.context.sessionTimeoutMs);
    this.timer = setInterval(() => void this.check(), Math.max(50, Math.floor(ttl / 3)));
    this.timer.unref();
    let member: GroupMember;
    try {
      member = await this.context.groups.join({
        group: this.key.group,
        topics: this.topics,
        clientId: this.key.id,
        groupInstanceId: this.staticId,
        sessionTimeoutMs: this.context.sessionTimeoutMs,
        onAssigned: (partitions, generation) => this.assigned(partitions, generation),
        onRevoked: (partitions) => this.revoked(partitions),
        // A driver on another gateway took over: it drives now; stop without a word.
        onFenced: () => this.finish(),
        onError: (error) => this.warn(error, 'group member error'),
      });
    } catch (error) {
      this.finish();
      await changeInstance(this.context.store, this.key, (state) =>
        state.lease === this.token ? { doc: state.doc, lease: { kind: 'drop-own', token: this.token } } : undefined,
      );
      throw error;
    }
    this.member = member;
    if (this.stopping)
      return this.end(member, this.stopping).catch((error: unknown) => this.warn(error, `stopping the instance's group member (${this.stopping}) failed`));
    const pending = this.pending;
    this.pending = undefined;
    if (pending) await this.assigned(pending.partitions, pending.generation);
  }

  drives(): boolean {
    return !this.done;
  }

  /** Renews the lease; stops when another gateway drives the instance or its subscription ended. */
  check(): Promise<void> {
    this.checking ??= this.renew().finally(() => (this.checking = undefined));
    return this.checking;
  }

  /**
   * Stops driving. `leave`: the member leaves its group (the instance was deleted or unsubscribed).
   * `handover`: the member stays in the group for a session, its partitions reserved, its
   * positions kept, the lease given up, so the next request on any gateway takes over at once.
   */
  async stop(how: 'leave' | 'handover'): Promise<void> {
    if (this.done) return;
    this.stopping = how;
    this.finish();
    // A driver still joining stops once the join returns.
    if (!this.member) return;
    try {
      await this.end(this.member, how);
    } catch (error) {
      // Redis unreachable: the member's session runs out by itself and the group moves on; stopping never fails.
      this.warn(error, `stopping the instance's group member (${how}) failed`);
    }
  }

  private async end(member: GroupMember, how: 'leave' | 'handover'): Promise<void> {
    if (how === 'leave') return this.context.groups.leave(member);
    await this.context.groups.disconnect(member);
    await changeInstance(this.context.store, this.key, (state) =>
      this.mine(state) ? { doc: { ...state.doc, held: [], memberId: undefined }, lease: { kind: 'drop-own', token: this.token } } : undefined,
    );
    this.context.changed(this.key);
  }

  private finish(): void {
    this.done = true;
    clearInterval(this.timer);
    this.context.stopped(this);
  }

  private async renew(): Promise<void> {
    if (this.done) return;
    let renewal;
    try {
      renewal = await this.context.store.renewLease(this.key, this.epoch, this.token, leaseTtlMs(this.context.sessionTimeoutMs));
    } catch (error) {
      this.warn(error, 'lease renewal failed; retrying');
      return;
    }
    if (renewal === 'lost') await this.stop('handover');
    else if (renewal === 'ended') await this.stop('leave');
  }

  private mine(state: StoredInstance): boolean {
    return state.lease === this.token && state.doc.epoch === this.epoch;
  }

  private async assigned(partitions: TopicPartition[], generation: number): Promise<void> {
    const member = this.member;
    if (!member) {
      // Called from within the join: written once it returns, with the member's id.
      this.pending = { partitions: [...(this.pending?.partitions ?? []), ...partitions], generation };
      return;
    }
    for (const tp of partitions) this.releasing.delete(tpKey(tp.topic, tp.partition));
    // A partition that already has a position was this instance's before a takeover and goes on
    // from there; the others start from the group's commit at the first poll.
    await this.write((state) => ({ ...state.doc, held: this.holding(member), memberId: member.memberId, generation }));
  }

  /**
   * What the member holds and delivers: its whole assignment, not a change, so the state follows
   * the member even after a write that failed.
   */
  private holding(member: GroupMember): TopicPartition[] {
    return member.assignment().filter((tp) => !this.releasing.has(tpKey(tp.topic, tp.partition)));
  }

  private async revoked(partitions: TopicPartition[]): Promise<void> {
    const member = this.member;
    if (!member) return;
    const gone = new Set(partitions.map((tp) => tpKey(tp.topic, tp.partition)));
    for (const key of gone) this.releasing.add(key);
    await this.write(async (state) => {
      const positions = { ...state.doc.positions };
      if (this.stopping !== 'handover') {
        // Committed before the partitions are released, while this member still holds them.
        if (this.autoCommit) await this.commit(member, state, partitions);
        for (const key of gone) delete positions[key];
      }
      return { ...state.doc, held: this.holding(member), memberId: member.memberId, positions };
    });
  }

  private async commit(member: GroupMember, state: StoredInstance, partitions: TopicPartition[]): Promise<void> {
    await this.context.groups
      .commitAs(this.key.group, member.memberId, positionsOf(state.doc, partitions))
      .catch((error: unknown) => this.warn(error, 'auto-commit on revocation failed'));
  }

  /** Writes what the member holds, if this driver still drives the instance's subscription. */
  private async write(change: (state: StoredInstance) => StoredInstance['doc'] | Promise<StoredInstance['doc']>): Promise<void> {
    try {
      const result = await changeInstance(this.context.store, this.key, async (state) =>
        this.mine(state) ? { doc: await change(state), lease: { kind: 'own', token: this.token } } : undefined,
      );
      if (result === 'ok') this.context.changed(this.key);
    } catch (error) {
      this.warn(error, 'could not record its partitions');
      throw error;
    }
  }

  private warn(error: unknown, what: string): void {
    this.context.log.warn({ err: error, group: this.key.group, instance: this.key.id }, `v2 consumer instance: ${what}`);
  }
}
