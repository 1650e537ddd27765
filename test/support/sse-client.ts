/** A Server-Sent Events test client: opens a stream with fetch and parses its events as they arrive. */
export interface SseEvent {
  id?: string;
  event?: string;
  data?: string;
}

export interface EventStream {
  response: Response;
  /** The next event (not yet taken) matching `match`, waiting up to `timeoutMs`. */
  next(match: (event: SseEvent) => boolean, timeoutMs?: number): Promise<SseEvent>;
  /** Every event received so far. */
  received: SseEvent[];
  /** Drops the connection, as a closed browser tab does. */
  close(): void;
}

export async function openEvents(url: string, headers: Record<string, string> = {}): Promise<EventStream> {
  const abort = new AbortController();
  const response = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: abort.signal });
  const received: SseEvent[] = [];
  const pending: SseEvent[] = [];
  let ended = false;
  let notify: (() => void) | undefined;
  const parse = (block: string) => {
    const event: SseEvent = {};
    for (const line of block.split('\n')) {
      const colon = line.indexOf(':');
      if (colon <= 0) continue;
      const field = line.slice(0, colon);
      const value = line.slice(colon + 1).trimStart();
      if (field === 'id' || field === 'event' || field === 'data') event[field] = value;
    }
    if (event.event || event.data) {
      received.push(event);
      pending.push(event);
    }
  };
  // Read in the background, as a browser does, so `received` is current whenever a test looks.
  void (async () => {
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for (;;) {
        const chunk = await reader.read();
        if (chunk.done) break;
        buffer += decoder.decode(chunk.value, { stream: true });
        let end;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          parse(buffer.slice(0, end));
          buffer = buffer.slice(end + 2);
        }
        notify?.();
      }
    } catch {
      // Aborted by close().
    } finally {
      ended = true;
      notify?.();
    }
  })();
  const next = async (match: (e: SseEvent) => boolean, timeoutMs = 5000): Promise<SseEvent> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const index = pending.findIndex(match);
      if (index >= 0) return pending.splice(index, 1)[0];
      if (ended) throw new Error('stream ended');
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no matching event within ${timeoutMs} ms; pending: ${JSON.stringify(pending).slice(0, 500)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        notify = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  };
  return { response, next, received, close: () => abort.abort() };
}

/** The next `count` record events. */
export async function takeEvents(stream: EventStream, count: number, timeoutMs = 5000): Promise<SseEvent[]> {
  const out: SseEvent[] = [];
  while (out.length < count) out.push(await stream.next((e) => e.event === 'record', timeoutMs));
  return out;
}
