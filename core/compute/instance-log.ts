import { closeSync, createWriteStream, fstatSync, mkdirSync, openSync, readSync, type WriteStream } from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';

/**
 * The combined log of a multi-instance run: each instance's output goes to its own file as written, and line by line,
 * behind the instance's prefix, to the run's log. Lines are written whole, so instances never cut into each other's.
 */
export class InstanceLogs {
  private readonly combined: WriteStream;
  private open = 0;
  private readonly closed: Promise<void>;
  private closeCombined!: () => void;

  constructor(logFile: string) {
    mkdirSync(path.dirname(logFile), { recursive: true });
    this.combined = createWriteStream(logFile, { flags: 'a' });
    // An error writing the combined log must not take the run down: the instances' own files still hold everything.
    this.combined.on('error', () => undefined);
    this.closed = new Promise<void>((resolve) => (this.closeCombined = resolve));
  }

  /** A sink for one instance's output; the combined log is closed once every sink handed out has ended. */
  sink(logFile: string, prefix: string): Writable {
    mkdirSync(path.dirname(logFile), { recursive: true });
    const own = createWriteStream(logFile, { flags: 'a' });
    let partial = '';
    this.open++;
    const finishOne = () => {
      if (--this.open === 0) this.combined.end(() => this.closeCombined());
    };
    return new Writable({
      write: (chunk: Buffer, _encoding, done) => {
        const text = partial + chunk.toString('utf8');
        const end = text.lastIndexOf('\n') + 1;
        partial = text.slice(end);
        if (end > 0) this.combined.write(prefixLines(text.slice(0, end), prefix));
        if (own.write(chunk)) done();
        else own.once('drain', () => done());
      },
      final: (done) => {
        if (partial) this.combined.write(prefixLines(`${partial}\n`, prefix));
        own.end(() => {
          finishOne();
          done();
        });
      },
    });
  }

  /** Resolves once the combined log holds every line of every instance. */
  flushed(): Promise<void> {
    return this.open === 0 ? Promise.resolve() : this.closed;
  }
}

/** `lines` ends with a newline. */
function prefixLines(lines: string, prefix: string): string {
  return lines.slice(0, -1).split('\n').map((line) => `${prefix}${line}\n`).join('');
}

/** The line an instance's launcher writes when one of its processes fails first (its other processes are then stopped). */
export function rankFailedNotice(rank: string, exitCode: string): string {
  return `[mlw] rank ${rank} exited with code ${exitCode}; stopping the instance's other processes`;
}

/** That line as `failedRankIn` finds it, made from the same words (the rank captured). */
const RANK_FAILED_LINE = new RegExp(`^${rankFailedNotice('RANK', 'CODE').replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace('RANK', '(\\d+)').replace('CODE', '\\d+')}$`, 'gm');

/** How much of the end of an instance's log is searched for its launcher's notice. */
const NOTICE_SEARCH_BYTES = 64 * 1024;

/** The rank whose failure the instance's launcher noticed first (`rankFailedNotice`), from the end of its log. */
export function failedRankIn(logFile: string): string | undefined {
  let end: string;
  try {
    const fd = openSync(logFile, 'r');
    try {
      const size = fstatSync(fd).size;
      const buffer = Buffer.alloc(Math.min(size, NOTICE_SEARCH_BYTES));
      readSync(fd, buffer, 0, buffer.length, size - buffer.length);
      end = buffer.toString('utf8');
    } finally {
      closeSync(fd);
    }
  } catch {
    return undefined;
  }
  const notices = [...end.matchAll(RANK_FAILED_LINE)];
  return notices.at(-1)?.[1];
}
