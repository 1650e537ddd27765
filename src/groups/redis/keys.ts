/** Every Redis key of consumer groups; the keys of one group share the hash tag `{group:<id>}` (one slot under Redis Cluster). */
export class GroupKeys {
  constructor(readonly prefix: string) {}

  /** Hash: mv (members version), av (assigned version), gen, assignment (JSON), topology. */
  meta(group: string): string {
    return `${this.prefix}:{group:${group}}:meta`;
  }

  /** Hash: member id → member JSON (with expiresAt). */
  members(group: string): string {
    return `${this.prefix}:{group:${group}}:members`;
  }

  /** Hash: topic:partition → id of the member holding it. */
  owners(group: string): string {
    return `${this.prefix}:{group:${group}}:owners`;
  }

  /** Hash: topic:partition → committed offset JSON {offset, metadata}. */
  offsets(group: string): string {
    return `${this.prefix}:{group:${group}}:offsets`;
  }

  groupKeys(group: string): [string, string, string, string] {
    return [this.meta(group), this.members(group), this.owners(group), this.offsets(group)];
  }

  /** Set of every group id. */
  groups(): string {
    return `${this.prefix}:groups`;
  }

  /** Pub/sub channel announcing the id of a group that changed. */
  events(): string {
    return `${this.prefix}:group-events`;
  }
}

/**
 * Every Redis key of v2 consumer instances. The keys of one instance share the hash tag
 * `{v2:<length of group>:<group>:<id>}` (one slot under Redis Cluster, so one script can change
 * them together); the length keeps a group and id containing ':' from meeting another pair.
 */
export class InstanceKeys {
  constructor(readonly prefix: string) {}

  private tag(group: string, id: string): string {
    return `${this.prefix}:{v2:${group.length}:${group}:${id}}`;
  }

  /** Hash: v (version), e (epoch), doc (the instance's state as JSON), u (last used, epoch ms). */
  state(group: string, id: string): string {
    return `${this.tag(group, id)}:state`;
  }

  /** String with a TTL: the token of the gateway that drives the instance's group member. */
  lease(group: string, id: string): string {
    return `${this.tag(group, id)}:lease`;
  }

  instanceKeys(group: string, id: string): [string, string] {
    return [this.state(group, id), this.lease(group, id)];
  }

  /** Sorted set of every instance (JSON `[group, id]`), scored by a last-used time no later than its own: where the reaper looks. */
  index(): string {
    return `${this.prefix}:v2-instances`;
  }

  /** Pub/sub channel announcing an instance (JSON `[group, id]`) that changed. */
  events(): string {
    return `${this.prefix}:v2-instance-events`;
  }
}
