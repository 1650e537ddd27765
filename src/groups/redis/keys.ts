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
