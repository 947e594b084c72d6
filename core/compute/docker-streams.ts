import { createWriteStream, statSync } from 'node:fs';
import { Writable, type Readable } from 'node:stream';

/** Size of the header Docker puts before each stdout/stderr chunk of a non-TTY attach or logs stream. */
const FRAME_HEADER_BYTES = 8;

/**
 * Copies a multiplexed Docker stream (attach or logs of a non-TTY container) into `sink`, stdout and stderr
 * interleaved in the order the engine sent them. Ends `sink` when the source ends or fails, and resolves once
 * everything is flushed (`finish`), so a log file is complete when this settles.
 */
export function pipeDockerFrames(source: Readable, sink: Writable): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let pending: Buffer = Buffer.alloc(0);
    let ended = false;

    const endSink = (): void => {
      if (ended) return;
      ended = true;
      // A trailing partial frame only happens when the connection broke mid-chunk: keep what arrived.
      if (pending.length > FRAME_HEADER_BYTES) sink.write(pending.subarray(FRAME_HEADER_BYTES));
      sink.end();
    };

    source.on('data', (chunk: Buffer) => {
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      let wroteAll = true;
      while (pending.length >= FRAME_HEADER_BYTES) {
        const size = pending.readUInt32BE(4);
        if (pending.length < FRAME_HEADER_BYTES + size) break;
        wroteAll = sink.write(pending.subarray(FRAME_HEADER_BYTES, FRAME_HEADER_BYTES + size)) && wroteAll;
        pending = pending.subarray(FRAME_HEADER_BYTES + size);
      }
      if (!wroteAll) {
        source.pause();
        sink.once('drain', () => source.resume());
      }
    });
    source.once('end', endSink);
    source.once('close', endSink);
    source.once('error', endSink);
    sink.once('finish', () => resolve());
    sink.once('error', reject);
  });
}

/** Writes a complete multiplexed buffer (a non-follow logs response) into `sink` and ends it. */
export function writeDockerFrames(frames: Buffer, sink: Writable): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    sink.once('finish', () => resolve());
    sink.once('error', reject);
    let offset = 0;
    while (offset + FRAME_HEADER_BYTES <= frames.length) {
      const size = frames.readUInt32BE(offset + 4);
      sink.write(frames.subarray(offset + FRAME_HEADER_BYTES, offset + FRAME_HEADER_BYTES + size));
      offset += FRAME_HEADER_BYTES + size;
    }
    sink.end();
  });
}

/** Reads a whole (small) response body, e.g. the JSON a `/wait` answers once the container ended. */
export function readBody(source: Readable): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const chunks: Buffer[] = [];
    source.on('data', (chunk: Buffer) => chunks.push(chunk));
    source.once('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    source.once('error', reject);
  });
}

/**
 * A sink for a re-attached run's log: the engine sends the container's output from its start again, but the first
 * bytes are already in `file` and readers may be reading them (a replayed stream reads its byte ranges from there), so
 * the file is never truncated: what it already holds is skipped and only the rest is appended.
 */
export function appendAfterExisting(file: string): Writable {
  let skip = statSync(file, { throwIfNoEntry: false })?.size ?? 0;
  const out = createWriteStream(file, { flags: 'a' });
  const sink: Writable = new Writable({
    write(chunk: Buffer, _encoding, done) {
      if (skip >= chunk.length) {
        skip -= chunk.length;
        return done();
      }
      const rest = skip > 0 ? chunk.subarray(skip) : chunk;
      skip = 0;
      if (out.write(rest)) done();
      else out.once('drain', () => done());
    },
    final(done) {
      out.end(() => done());
    },
  });
  out.once('error', (error) => sink.destroy(error));
  return sink;
}

/**
 * An instance's log arrives in two parts, the live stream and, once its task ended, the whole log again (of which only
 * what the live stream missed is kept). Both go to the instance's one sink, which is ended after the second part.
 */
export function resumableLog(sink: Writable): { live: Writable; rest: () => Writable } {
  let passed = 0;
  const forward = (chunk: Buffer, done: (error?: Error | null) => void) => {
    if (sink.write(chunk)) done();
    else sink.once('drain', () => done());
  };
  const live = new Writable({
    write(chunk: Buffer, _encoding, done) {
      passed += chunk.length;
      forward(chunk, done);
    },
  });
  const rest = () => {
    let skip = passed;
    return new Writable({
      write(chunk: Buffer, _encoding, done) {
        if (skip >= chunk.length) {
          skip -= chunk.length;
          return done();
        }
        const part = skip > 0 ? chunk.subarray(skip) : chunk;
        skip = 0;
        forward(part, done);
      },
      final(done) {
        sink.end(() => done());
      },
    });
  };
  return { live, rest };
}
