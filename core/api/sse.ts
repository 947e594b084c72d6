import type { ServerResponse } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ControlPlane } from '../engine/control-plane';
import { isTerminal, type JobEvent } from '../vocabulary';

const HEARTBEAT_MS = 15_000;

/**
 * Server-sent events: stored events after `Last-Event-ID` (or `?after=`; `latest` skips every stored one) first,
 * then live ones. A job's stream ends after its terminal status; the workspace stream stays open.
 */
export interface StreamCounter {
  open: number;
}

export function streamEvents(plane: ControlPlane, request: FastifyRequest, reply: FastifyReply, job?: string, counter?: StreamCounter): void {
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
  const send = (event: JobEvent): void => {
    if (closed || event.seq <= last || (job !== undefined && event.job !== job)) return;
    last = event.seq;
    res.write(`id: ${event.seq}\nevent: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`);
    if (job !== undefined && event.type === 'status' && isTerminal(event.status)) close();
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
    for (;;) {
      const batch = plane.events.since(last, job);
      if (batch.length === 0 || closed) break;
      batch.forEach(send);
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
