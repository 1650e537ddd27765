/**
 * What the storage backend keeps when something crashes, as read from the backend itself
 * (DESIGN.md §4: never assumed). For Redis, from `CONFIG GET appendonly appendfsync save`.
 */

/**
 * Strongest first. `aof-always` fsyncs every write before Redis answers; `aof-everysec` can lose
 * about the last second of acknowledged writes when the host loses power; `aof-no` leaves the
 * flush to the OS (~30 s on Linux); `rdb-snapshots` loses everything since the last snapshot on
 * any Redis restart; `none` keeps nothing; `unknown` when the settings cannot be read.
 */
export type DurabilityMode = 'aof-always' | 'aof-everysec' | 'aof-no' | 'rdb-snapshots' | 'unknown' | 'none';

export interface Durability {
  mode: DurabilityMode;
  /** The Redis settings as read (null where unreadable or not applicable). */
  appendonly: string | null;
  appendfsync: string | null;
  save: string | null;
}

/** Only an fsync before every answer survives a power loss of the Redis host with nothing acknowledged lost. */
export const isDurable = (durability: Durability): boolean => durability.mode === 'aof-always';

/** Whether acknowledged records survive a Redis restart (process crash or shutdown, not a power loss). */
export const hasAppendOnlyFile = (durability: Durability): boolean => durability.mode.startsWith('aof-');

export const IN_MEMORY: Durability = { mode: 'none', appendonly: null, appendfsync: null, save: null };

const RANK: Record<DurabilityMode, number> = { 'aof-always': 5, 'aof-everysec': 4, 'aof-no': 3, 'rdb-snapshots': 2, unknown: 1, none: 0 };

/** The weaker of two: a store is as durable as its least durable node. */
export const weaker = (a: Durability, b: Durability): Durability => (RANK[b.mode] < RANK[a.mode] ? b : a);

/** The mode Redis settings imply. */
export function durabilityOf(appendonly: string | null, appendfsync: string | null, save: string | null): Durability {
  const settings = { appendonly, appendfsync, save };
  if (appendonly === null) return { mode: 'unknown', ...settings };
  if (appendonly === 'yes') {
    if (appendfsync === 'always') return { mode: 'aof-always', ...settings };
    if (appendfsync === 'everysec') return { mode: 'aof-everysec', ...settings };
    if (appendfsync === 'no') return { mode: 'aof-no', ...settings };
    return { mode: 'unknown', ...settings };
  }
  if (save === null) return { mode: 'unknown', ...settings };
  return { mode: save.trim() === '' ? 'none' : 'rdb-snapshots', ...settings };
}
