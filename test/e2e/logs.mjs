// The extension's log files: LogOutputChannels are files under the user-data logs folder, one folder per extension
// host (a window reload starts a new one).
import fs from 'node:fs';
import path from 'node:path';

const TIMEOUT = 60_000;

/** Every log file under the logs folder whose base name passes `nameMatches`, oldest extension host first. */
export function logFiles(userData, nameMatches) {
  const logs = path.join(userData, 'logs');
  if (!fs.existsSync(logs)) return [];
  return fs.readdirSync(logs, { recursive: true }).map(String).filter((f) => f.endsWith('.log') && nameMatches(path.basename(f))).sort().map((f) => path.join(logs, f));
}

/** Waits for a line matching `pattern` in a log file whose name passes `nameMatches` and that is not in `skip`. */
export async function waitForLogLine(userData, nameMatches, pattern, { skip = new Set(), timeout = TIMEOUT } = {}) {
  const deadline = Date.now() + timeout;
  for (;;) {
    for (const file of logFiles(userData, nameMatches)) {
      if (skip.has(file)) continue;
      const line = fs.readFileSync(file, 'utf8').split('\n').find((l) => pattern.test(l));
      if (line) return { file, line, match: line.match(pattern) };
    }
    if (Date.now() > deadline) throw new Error(`no log line matching ${pattern}`);
    await new Promise((resolve) => setTimeout(resolve, 100)); // polling a file: no page event to await
  }
}

/** The extension's own log (mlw.log) of every extension host so far, for a failure's message. */
export function extensionLog(userData) {
  return logFiles(userData, (name) => name === 'mlw.log').map((file) => `--- ${path.relative(userData, file)}\n${fs.readFileSync(file, 'utf8')}`).join('\n');
}

/** The texts of the notifications on screen, for a failure's message. */
export async function notificationTexts(page) {
  const toasts = await page.locator('.notifications-toasts .notification-list-item').allInnerTexts().catch(() => []);
  return toasts.length ? toasts.map((t) => t.replace(/\s+/g, ' ').trim()).join(' | ') : '(none)';
}
