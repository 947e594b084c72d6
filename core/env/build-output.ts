import type { Readable } from 'node:stream';

export interface BuildOutcome {
  /** `sha256:…` of the built image, when the engine reported it. */
  imageId?: string;
}

// The engine colours a step's stderr (ESC[91m … ESC[0m); the log is plain text.
// eslint-disable-next-line no-control-regex
const ANSI_ESCAPE = /\x1b\[[0-9;]*[A-Za-z]/g;

/** How many output lines of the failing step an error message carries at most. */
const FAILING_STEP_LINES = 40;

/**
 * Follows the JSON message stream of `POST /build`: `stream` text goes to `onLine` line by line as it arrives;
 * an `error` message rejects with the engine's words plus the output of the step that failed.
 */
export function followBuild(output: Readable, onLine: (line: string) => void): Promise<BuildOutcome> {
  return new Promise<BuildOutcome>((resolve, reject) => {
    let pendingJson = '';
    let pendingText = '';
    let stepLines: string[] = [];
    let failure: string | undefined;
    const outcome: BuildOutcome = {};

    const emitText = (text: string): void => {
      pendingText += text;
      const lines = pendingText.split(/\r?\n/);
      pendingText = lines.pop() ?? '';
      for (const line of lines) emitLine(line);
    };
    const emitLine = (rawLine: string): void => {
      const line = rawLine.replace(ANSI_ESCAPE, '');
      if (/^Step \d+\/\d+ : /.test(line)) stepLines = [];
      stepLines.push(line);
      if (stepLines.length > FAILING_STEP_LINES + 1) stepLines.splice(1, 1);
      onLine(line);
    };
    const handleMessage = (json: string): void => {
      if (!json.trim()) return;
      let message: { stream?: unknown; error?: unknown; errorDetail?: { message?: unknown }; aux?: { ID?: unknown } };
      try {
        message = JSON.parse(json) as typeof message;
      } catch {
        emitText(`${json}\n`);
        return;
      }
      if (typeof message.stream === 'string') emitText(message.stream);
      if (typeof message.aux?.ID === 'string') outcome.imageId = message.aux.ID;
      const error = message.errorDetail?.message ?? message.error;
      if (typeof error === 'string' && failure === undefined) failure = error;
    };

    output.setEncoding('utf8');
    output.on('data', (chunk: string) => {
      pendingJson += chunk;
      const messages = pendingJson.split('\n');
      pendingJson = messages.pop() ?? '';
      for (const message of messages) handleMessage(message);
    });
    output.once('error', (error) => reject(error));
    output.once('end', () => {
      handleMessage(pendingJson);
      if (pendingText) emitLine(pendingText);
      if (failure === undefined) {
        resolve(outcome);
        return;
      }
      const step = stepLines.join('\n').trimEnd();
      reject(new Error(step ? `${failure}\n${step}` : failure));
    });
  });
}
