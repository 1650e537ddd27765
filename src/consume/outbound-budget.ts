/**
 * What the gateway holds for clients that have not taken it yet: the bytes queued on every
 * WebSocket and Server-Sent Events stream, bounded per client and in total. Each client may queue
 * up to its share of the total (the total divided among the clients, never more than the
 * per-client cap), so a crowd of clients that stop reading costs the total at most, while a lone
 * slow client still gets the whole per-client cap. A client whose queue makes no progress for the
 * stall timeout is closed, giving its share back to the others.
 */
export interface OutboundLimits {
  /** Bytes queued to all clients together. */
  totalBytes: number;
  /** Bytes queued to one client at most. */
  perClientBytes: number;
  /** A client with queued bytes of which none were flushed for this long is closed. */
  stallTimeoutMs: number;
}

/** The smallest share: one modest batch, so a client with a fair share can always make progress. */
const MIN_SHARE_BYTES = 16 * 1024;
/** Bytes handed to sockets in one turn of the event loop before the rest waits for the next turn. */
const FLUSH_BYTES_PER_TURN = 8 * 1024 * 1024;

export class OutboundBudget {
  private queued = 0;
  private readonly queues = new Set<ClientQueue>();
  private readonly sweeper: NodeJS.Timeout;
  private flushes: Array<() => number> = [];
  /** Clients closed because they stalled, since start (for metrics). */
  stalledClosed = 0;

  constructor(readonly limits: OutboundLimits) {
    this.sweeper = setInterval(() => this.closeStalled(), Math.max(50, Math.min(1000, Math.floor(limits.stallTimeoutMs / 4))));
    this.sweeper.unref();
  }

  /** Bytes one client may have queued now. */
  share(): number {
    const fair = Math.floor(this.limits.totalBytes / Math.max(1, this.queues.size));
    return Math.min(this.limits.perClientBytes, Math.max(MIN_SHARE_BYTES, fair));
  }

  /** Bytes queued to all clients now. */
  queuedBytes(): number {
    return this.queued;
  }

  clients(): number {
    return this.queues.size;
  }

  /**
   * Runs `flush` in a later turn of the event loop, in order with every other client's. A turn
   * writes about FLUSH_BYTES_PER_TURN at most and leaves the rest for the next one, so a crowd
   * of clients woken by one append never holds the event loop for long (health checks, produce
   * requests and reads are served in between).
   */
  schedule(flush: () => number): void {
    this.flushes.push(flush);
    if (this.flushes.length === 1) setImmediate(() => this.runFlushes());
  }

  private runFlushes(): void {
    let written = 0;
    let next = 0;
    while (next < this.flushes.length && written < FLUSH_BYTES_PER_TURN) written += this.flushes[next++]();
    this.flushes.splice(0, next);
    if (this.flushes.length > 0) setImmediate(() => this.runFlushes());
  }

  /** A queue for one client; `onStall` closes the client's connection. */
  open(transport: QueueTransport): ClientQueue {
    const queue = new ClientQueue(this, transport);
    this.queues.add(queue);
    return queue;
  }

  /** @internal bookkeeping of ClientQueue. */
  account(delta: number): void {
    this.queued += delta;
  }

  /** @internal */
  forget(queue: ClientQueue): void {
    this.queues.delete(queue);
  }

  close(): void {
    clearInterval(this.sweeper);
  }

  private closeStalled(): void {
    const now = Date.now();
    for (const queue of this.queues) {
      if (queue.stalledSince(now) > this.limits.stallTimeoutMs) {
        this.stalledClosed++;
        queue.stall();
      }
    }
  }
}

/** How a queue reaches its transport: a WebSocket or an SSE response. */
export interface QueueTransport {
  /** Writes text; `flushed` runs once the transport has handed it to the operating system (or failed). */
  write(data: string | Buffer, flushed: () => void): void;
  /** The queue went below the client's share again: delivery held back for it may go on. */
  drained(): void;
  /** The client read nothing for the stall timeout: close its connection. */
  stalled(): void;
}

export class ClientQueue {
  private backlog = 0;
  private lastProgress = Date.now();
  private closed = false;

  constructor(
    private readonly budget: OutboundBudget,
    private readonly transport: QueueTransport,
  ) {}

  /** Bytes written and not flushed yet. */
  queuedBytes(): number {
    return this.backlog;
  }

  /** Bytes delivery may add now without going over this client's share (0 or less: hold back). */
  room(): number {
    return this.budget.share() - this.backlog;
  }

  /**
   * Twice its share queued: more than records alone can bring (delivery stops at the share, one
   * record or chunk over at most), so replies to the client's own requests pile up unread. The
   * transport then stops reading the client's requests until it drains.
   */
  overflowing(): boolean {
    return this.backlog > 2 * this.budget.share();
  }

  write(data: string | Buffer): void {
    if (this.closed) return;
    // Only the length is kept until the flush: holding the text would keep it alive through
    // garbage collections while the transport frames its own copy. A shared frame counts in full
    // for every client it is queued on, which overstates memory but never understates it.
    const length = data.length;
    if (this.backlog === 0) this.lastProgress = Date.now();
    this.backlog += length;
    this.budget.account(length);
    this.transport.write(data, () => {
      if (this.closed) return;
      this.backlog -= length;
      this.budget.account(-length);
      this.lastProgress = Date.now();
      if (this.room() > 0) this.transport.drained();
    });
  }

  /** How long bytes have been queued with none flushed (0 when nothing is queued). */
  stalledSince(now: number): number {
    return this.backlog > 0 ? now - this.lastProgress : 0;
  }

  /** @internal called by the budget. */
  stall(): void {
    this.close();
    this.transport.stalled();
  }

  /** The connection ended: what it still had queued no longer counts. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.budget.account(-this.backlog);
    this.backlog = 0;
    this.budget.forget(this);
  }
}
