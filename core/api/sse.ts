import type { ServerResponse } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ControlPlane } from '../engine/control-plane';
import { isTerminal, type JobEvent } from '../vocabulary';

const HEARTBEAT_MS = 15_000;

/**
 * Server-sent events: stored events after `Last-Event-ID` (or `?after=`; `latest` skips every stored one) first,
 * then live ones. A job's stream ends after its terminal status; the workspace stream stays open. With `children`,
 * a job's stream also carries the events of its steps or trials, and of theirs.
 */
export interface StreamCounter {
  open: number;
}

export function streamEvents(plane: ControlPlane, request: FastifyRequest, reply: FastifyReply, job?: string, counter?: StreamCounter, options: { children?: boolean } = {}): void {
  const query = request.query as { after?: string };
  const from = request.headers['last-event-id'] ?? query.after;
  // `latest`: only what happens from now on (a client that reads the current state itself once connected).
  const after = from === 'latest' ? plane.events.lastSeq() : Number(from ?? 0) || 0;
  reply.hijack();
  if (counter) counter.open++;
  const res = reply.raw;
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' });
  let last = after;
  let closed = false;
  let unsubscribe: (() => void) | undefined;
  // The job's steps or trials, and theirs (a sweep step's trials): known from the store, and from status events naming
  // a parent for jobs created while the stream is open.
  const children = job !== undefined && options.children ? descendants(plane, job) : undefined;
  const concerns = (event: JobEvent): boolean => {
    if (job === undefined || event.job === job) return true;
    if (!children) return false;
    if (event.type === 'status' && event.parent !== undefined && (event.parent === job || children.has(event.parent))) children.add(event.job);
    return children.has(event.job);
  };
  const send = (event: JobEvent): void => {
    if (closed || event.seq <= last || !concerns(event)) return;
    last = event.seq;
    res.write(`id: ${event.seq}\nevent: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`);
    if (event.job === job && event.type === 'status' && isTerminal(event.status)) close();
  };
  const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), HEARTBEAT_MS);
  function close(): void {
    if (closed) return;
    closed = true;
    if (counter) counter.open--;
    clearInterval(heartbeat);
    unsubscribe?.();
    request.raw.off('close', close);
    res.end();
  }
  request.raw.on('close', close);
  void replayThenFollow().catch(close);

  async function replayThenFollow(): Promise<void> {
    // Stored events go out batch by batch, waiting while the client has not taken the last one (a replay can be a
    // large log). The store is synchronous: the last, empty replay and subscribing in one tick cannot miss an event.
    // With children every job's events are read (and filtered by `send`), from the job's first one on: its children
    // come after it.
    let cursor = children ? Math.max(last, (plane.events.since(0, job, 1)[0]?.seq ?? 1) - 1) : last;
    for (;;) {
      const batch = plane.events.since(cursor, children ? undefined : job);
      if (batch.length === 0 || closed) break;
      batch.forEach(send);
      cursor = batch.at(-1)!.seq;
      if (res.writableNeedDrain) await drained(res);
    }
    if (closed) return;
    if (job !== undefined && isTerminal(plane.requireJob(job).status)) return close();
    unsubscribe = plane.events.subscribe(send);
  }
}

/** Resolves once the response can take more, or is closed. */
function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.once('drain', done);
    res.once('close', done);
  });
}

/** Every job below `job`: its children, their children, and so on. */
function descendants(plane: ControlPlane, job: string): Set<string> {
  const found = new Set<string>();
  const pending = [job];
  for (let parent = pending.pop(); parent !== undefined; parent = pending.pop()) {
    for (const child of plane.jobs.children(parent)) if (!found.has(child.name)) (found.add(child.name), pending.push(child.name));
  }
  return found;
}
