/**
 * Group members for tests of the groups layer, with one log of when each member started and
 * stopped delivering each partition — in the real order, since every gateway of a test runs in
 * its process — to check that no partition is ever delivered by two members at once.
 */
import { expect } from 'vitest';
import type { GatewayError } from '../../src/errors.js';
import type { GroupMember, MemberOptions } from '../../src/groups/group-member.js';
import type { Services } from '../../src/services.js';

export interface OwnershipEvent {
  member: string;
  kind: 'start' | 'stop';
  partition: number;
  generation: number;
}

type JoinOptions = Omit<MemberOptions, 'onAssigned' | 'onRevoked' | 'clientId'>;

export class OwnershipLog {
  readonly events: OwnershipEvent[] = [];
  readonly fenced = new Map<string, GatewayError>();
  readonly errors: unknown[] = [];

  /**
   * Joins as `name`; stopping a partition takes a while (a batch in flight), as it does for a real
   * transport. `delivery` starts and stops a test's own reading of the partitions.
   */
  join(
    services: Services,
    name: string,
    options: JoinOptions,
    delivery?: { start(partitions: number[]): void; stop(partitions: number[]): void },
  ): Promise<GroupMember> {
    return services.groups.join({
      clientId: name,
      ...options,
      onAssigned: async (partitions, generation) => {
        for (const tp of partitions) this.events.push({ member: name, kind: 'start', partition: tp.partition, generation });
        delivery?.start(partitions.map((tp) => tp.partition));
      },
      onRevoked: async (partitions, generation) => {
        await new Promise((r) => setTimeout(r, 20));
        delivery?.stop(partitions.map((tp) => tp.partition));
        for (const tp of partitions) this.events.push({ member: name, kind: 'stop', partition: tp.partition, generation });
      },
      onFenced: (error) => this.fenced.set(name, error),
      onError: (error) => this.errors.push(error),
    });
  }

  /** The partitions `name` started or stopped, from the `since`th event of the log on. */
  of(name: string, kind: OwnershipEvent['kind'], since = 0): number[] {
    return this.events
      .slice(since)
      .filter((e) => e.member === name && e.kind === kind)
      .map((e) => e.partition);
  }

  /** Replays the log: a partition starts only while nobody delivers it, and stops only by its holder. Returns who holds what at the end. */
  expectExclusive(): Map<number, string> {
    const holder = new Map<number, string>();
    for (const event of this.events) {
      if (event.kind === 'start') {
        expect(
          holder.get(event.partition),
          `partition ${event.partition} started by ${event.member} while ${holder.get(event.partition)} held it`,
        ).toBeUndefined();
        holder.set(event.partition, event.member);
      } else {
        expect(holder.get(event.partition)).toBe(event.member);
        holder.delete(event.partition);
      }
    }
    return holder;
  }
}

/** Waits until `condition` holds (checked every 20 ms), failing after `timeoutMs`. */
export async function until(condition: () => boolean | Promise<boolean>, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Every partition of `count` held by exactly one of `members`. */
export function settled(members: GroupMember[], count: number): boolean {
  const held = members.flatMap((member) => member.assignment().map((tp) => tp.partition));
  return held.length === count && new Set(held).size === count;
}

/** Settled, and the members' shares differ by at most one. */
export function balanced(members: GroupMember[], count: number): boolean {
  const sizes = members.map((member) => member.assignment().length);
  return settled(members, count) && Math.max(...sizes) - Math.min(...sizes) <= 1;
}
