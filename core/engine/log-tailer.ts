import fs from 'node:fs';

/** Largest piece of log published as one event; longer output is split. */
const MAX_CHUNK = 64 * 1024;

/**
 * Follows a run's log file from a byte offset and hands over complete lines as they are appended (a trailing
 * partial line waits for its newline, or for `drain()` at the end). Drivers only append to the file, so the
 * file is the one source of log truth, also across daemon restarts.
 */
export class LogTailer {
  private watcher: fs.FSWatcher | undefined;
  private reading = false;
  private again = false;
  private pending = '';
  private readonly decoder = new TextDecoder('utf-8');

  constructor(
    private readonly file: string,
    private offset: number,
    private readonly onText: (text: string, offset: number) => void,
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
    const rest = this.pending + this.decoder.decode();
    this.pending = '';
    if (rest) this.onText(rest, this.offset);
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
        const { bytesRead } = await handle.read(buffer, 0, MAX_CHUNK, this.offset);
        if (bytesRead === 0) break;
        this.offset += bytesRead;
        const text = this.pending + this.decoder.decode(buffer.subarray(0, bytesRead), { stream: true });
        const cut = text.lastIndexOf('\n') + 1;
        this.pending = text.slice(cut);
        if (this.pending.length > MAX_CHUNK) {
          this.onText(this.pending, this.offset);
          this.pending = '';
        }
        if (cut > 0) this.onText(text.slice(0, cut), this.offset - Buffer.byteLength(this.pending));
      }
    } finally {
      await handle.close();
    }
  }
}
