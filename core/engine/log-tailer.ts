import fs from 'node:fs';

/** Largest piece of log published as one event; longer output is split. */
const MAX_CHUNK = 64 * 1024;

const NEWLINE = 0x0a;

/** A piece of the log: its text and the byte range `[from, to)` of the file that holds it. */
export interface LogPiece {
  text: string;
  from: number;
  to: number;
}

/**
 * Follows a run's log file from a byte offset and hands over complete lines as they are appended (a trailing
 * partial line waits for its newline, or for `drain()` at the end). Drivers only append to the file, so the
 * file is the one source of log truth, also across daemon restarts. Pieces are cut at whole characters, so a
 * piece's text is exactly what its byte range decodes to when read again.
 */
export class LogTailer {
  private watcher: fs.FSWatcher | undefined;
  private reading = false;
  private again = false;
  /** Bytes read after the last piece handed over (a line still being written). */
  private pending = Buffer.alloc(0);

  constructor(
    private readonly file: string,
    private offset: number,
    private readonly onPiece: (piece: LogPiece) => void,
  ) {}

  start(): void {
    try {
      this.watcher = fs.watch(this.file, () => void this.read());
      this.watcher.on('error', () => this.stop());
    } catch {
      // The file appears with the first output; drain() reads it at the end either way.
    }
    void this.read();
  }

  /** Reads what is left, including a last line without a newline, and stops following. */
  async drain(): Promise<void> {
    this.stop();
    while (this.reading) await new Promise((resolve) => setImmediate(resolve));
    await this.readOnce();
    if (this.pending.length > 0) this.emit(this.pending.length);
  }

  stop(): void {
    this.watcher?.close();
    this.watcher = undefined;
  }

  private async read(): Promise<void> {
    if (this.reading) return void (this.again = true);
    this.reading = true;
    try {
      do {
        this.again = false;
        await this.readOnce();
      } while (this.again);
    } finally {
      this.reading = false;
    }
  }

  private async readOnce(): Promise<void> {
    let handle: fs.promises.FileHandle;
    try {
      handle = await fs.promises.open(this.file, 'r');
    } catch {
      return;
    }
    try {
      const buffer = Buffer.alloc(MAX_CHUNK);
      for (;;) {
        const { bytesRead } = await handle.read(buffer, 0, MAX_CHUNK, this.offset + this.pending.length);
        if (bytesRead === 0) break;
        this.pending = Buffer.concat([this.pending, buffer.subarray(0, bytesRead)]);
        const cut = this.pending.lastIndexOf(NEWLINE) + 1;
        if (cut > 0) this.emit(cut);
        else if (this.pending.length > MAX_CHUNK) this.emit(characterBoundary(this.pending, MAX_CHUNK));
      }
    } finally {
      await handle.close();
    }
  }

  /** Hands over the first `length` pending bytes. */
  private emit(length: number): void {
    const bytes = this.pending.subarray(0, length);
    // `pending` is always a Buffer.concat copy (or a view of one), never the read buffer, so the rest can stay a view.
    this.pending = this.pending.subarray(length);
    const from = this.offset;
    this.offset += length;
    this.onPiece({ text: bytes.toString('utf8'), from, to: this.offset });
  }
}

/** The largest cut at or before `limit` that does not split a UTF-8 character (continuation bytes are 10xxxxxx). */
function characterBoundary(bytes: Buffer, limit: number): number {
  let cut = limit;
  while (cut > limit - 4 && cut > 0 && (bytes[cut]! & 0xc0) === 0x80) cut--;
  return cut > 0 ? cut : limit;
}
