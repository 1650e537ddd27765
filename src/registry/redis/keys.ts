/**
 * Every Redis key of the registry, built in one place. All share the `{registry}` hash tag, so
 * under Redis Cluster they live in one slot and each Lua script may touch any of them. A subject
 * name is the last part of its keys and may contain anything (colons, braces, spaces, unicode):
 * only the first `{…}` of a key is its hash tag.
 */
export class RegistryKeys {
  private readonly base: string;

  constructor(prefix: string) {
    this.base = `${prefix}:{registry}`;
  }

  /** STRING: the last schema id handed out (ids only ever grow, so none is reused). */
  get idSequence(): string {
    return `${this.base}:id-seq`;
  }

  /** HASH: schema id → stored schema (JSON). */
  get schemas(): string {
    return `${this.base}:schemas`;
  }

  /** HASH: fingerprint of a schema's canonical or normalized form → schema id. */
  get fingerprints(): string {
    return `${this.base}:fingerprints`;
  }

  /** SET: subjects with at least one version, live or soft-deleted. */
  get subjects(): string {
    return `${this.base}:subjects`;
  }

  /** SET: subjects with at least one live version. */
  get liveSubjects(): string {
    return `${this.base}:live-subjects`;
  }

  /** HASH: subject → revision, a value of `revisionSequence` taken on its last write. */
  get revisions(): string {
    return `${this.base}:revisions`;
  }

  /** STRING: the counter revisions are taken from. */
  get revisionSequence(): string {
    return `${this.base}:revision-seq`;
  }

  /** ZSET scored by schema id: `${id}:${version}:${subject}` for every version holding the id. */
  get usages(): string {
    return `${this.base}:usages`;
  }

  /** HASH: `global` or `subject:${subject}` → compatibility config (JSON). */
  get config(): string {
    return `${this.base}:config`;
  }

  /** HASH: `global` or `subject:${subject}` → mode. */
  get mode(): string {
    return `${this.base}:mode`;
  }

  /** HASH: version → `{"id", "deleted"}`. */
  versions(subject: string): string {
    return `${this.base}:versions:${subject}`;
  }

  /** HASH: schema id → the live version of the subject holding it. */
  liveIds(subject: string): string {
    return `${this.base}:live-ids:${subject}`;
  }

  /** HASH: `${version}:${subject}` of each referrer → `{"id", "deleted"}`. The version comes first so the key parses unambiguously. */
  referencedBy(subject: string, version: number): string {
    return `${this.base}:referenced-by:${version}:${subject}`;
  }
}

export const scopeField = (subject: string | null): string => (subject === null ? 'global' : `subject:${subject}`);
