/**
 * Every Redis key of the log store is built here. The keys of one partition share the hash tag
 * `{topic:partition}`, so a Lua script touching them runs in one slot under Redis Cluster and the
 * partitions of a topic spread over the cluster's shards.
 */
export class LogKeys {
  constructor(readonly prefix: string) {}

  /** The partition's records: a stream whose entry ids are `0-(offset+1)`. */
  log(topic: string, partition: number): string {
    return `${this.prefix}:{${topic}:${partition}}:log`;
  }

  /** Hash of the partition's `next` offset, `start` (log start offset), `bytes` (stored bytes), `maxts` and `tbucket` (time index state). */
  meta(topic: string, partition: number): string {
    return `${this.prefix}:{${topic}:${partition}}:meta`;
  }

  /** Sparse time index: sorted set of offsets scored by the max timestamp seen up to them. */
  timeIndex(topic: string, partition: number): string {
    return `${this.prefix}:{${topic}:${partition}}:tidx`;
  }

  /** A flag (with a TTL) set while some gateway has consumers waiting on the partition: appends are then announced. */
  watched(topic: string, partition: number): string {
    return `${this.prefix}:{${topic}:${partition}}:watched`;
  }

  /** Hash of key bytes → the offset of the key's latest record, kept while the topic is compacted. */
  keyIndex(topic: string, partition: number): string {
    return `${this.prefix}:{${topic}:${partition}}:keys`;
  }

  /** Sorted set of tombstone offsets scored by when compaction first saw them (delete.retention.ms runs from there). */
  tombstones(topic: string, partition: number): string {
    return `${this.prefix}:{${topic}:${partition}}:tombs`;
  }

  partitionKeys(topic: string, partition: number): [string, string, string] {
    return [this.log(topic, partition), this.meta(topic, partition), this.timeIndex(topic, partition)];
  }

  /**
   * A topic's Zstandard dictionaries: a hash of dictionary id → bytes, and `current` → the id new
   * records are compressed with. Records name their dictionary, so every one ever used is kept
   * until the topic is deleted.
   */
  dictionaries(topic: string): string {
    return `${this.prefix}:{${topic}}:zdicts`;
  }

  /** A topic's metadata (JSON). */
  topic(name: string): string {
    return `${this.prefix}:topic:${name}`;
  }

  /** The set of topic names. */
  topics(): string {
    return `${this.prefix}:topics`;
  }

  /** Pub/sub channel on which the append script announces `<next offset> <partition> <topic>`. */
  appendsChannel(): string {
    return `${this.prefix}:appends`;
  }

  clusterId(): string {
    return `${this.prefix}:cluster-id`;
  }

  /**
   * The store marker: the store's random id, written when the store is first opened, so a Redis
   * that lost its data shows by the marker being gone. Under Redis Cluster there is one in every
   * slot (`tag` puts the key in a chosen slot), so each primary holds some whatever the slot layout.
   */
  marker(tag?: string): string {
    return tag === undefined ? `${this.prefix}:marker` : `${this.prefix}:marker:{${tag}}`;
  }
}
