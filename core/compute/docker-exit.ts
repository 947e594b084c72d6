import type Docker from 'dockerode';
import { constants as osConstants } from 'node:os';
import type { Readable } from 'node:stream';
import type { RunExit } from './driver';
import { isConnectionError } from './docker-engine';
import { readBody } from './docker-streams';

/** What is known about the engine when a container's exit is collected. */
export type EngineContinuity = 'same' | 'restarted' | 'unknown';

export const ENGINE_RESTARTED_REASON = 'the Docker engine was stopped or restarted while the job ran (it stopped the container)';

/** Why a container ended, in the words the job's failure reason uses. */
export function describeExit(
  exitCode: number,
  info: Docker.ContainerInspectInfo | undefined,
  context: { stopRequested: boolean; engine: EngineContinuity },
): RunExit {
  if (context.stopRequested) return { exitCode, reason: 'stopped' };
  if (context.engine === 'restarted') return { exitCode, reason: ENGINE_RESTARTED_REASON };
  if (!info || info.State.Status === 'removing' || info.State.Status === 'dead') {
    return { exitCode, reason: 'container was removed from outside mlw' };
  }
  if (info.State.OOMKilled) {
    const limit = info.HostConfig.Memory ? ` (limit ${formatBytes(info.HostConfig.Memory)})` : '';
    return { exitCode, reason: `out of memory${limit}: killed by the kernel` };
  }
  const signal = stopSignal(exitCode);
  if (signal) return { exitCode, reason: `killed from outside mlw (${signal})` };
  return { exitCode };
}

/** SIGTERM or SIGKILL when the exit code says the run died of one (what a stop, a kill or an engine shutdown sends). */
export function stopSignal(exitCode: number): 'SIGTERM' | 'SIGKILL' | undefined {
  if (exitCode <= 128) return undefined;
  const signal = Object.entries(osConstants.signals).find(([, value]) => value === exitCode - 128)?.[0];
  return signal === 'SIGKILL' || signal === 'SIGTERM' ? signal : undefined;
}

/**
 * Whether the engine is still the one that saw the container die; `probe` must open a new connection per request
 * (`freshConnectionClient`). An engine shutting down (which stops every container with SIGTERM, then SIGKILL) has
 * closed its listener, so a new connection fails; an engine restarted since keeps no `die` event for the container, as
 * an engine keeps its recent events in memory only.
 */
export async function engineContinuity(probe: Docker, info: Docker.ContainerInspectInfo | undefined): Promise<EngineContinuity> {
  const finishedAt = info ? Date.parse(info.State.FinishedAt) : NaN;
  if (!info || !(finishedAt > 0)) return 'unknown';
  try {
    // The engine's clock bounds the query (an `until` in the future would hold the answer back until then).
    const engineNow = Date.parse(((await probe.info()) as { SystemTime?: string }).SystemTime ?? '');
    const events = (await probe.getEvents({
      since: Math.floor(finishedAt / 1000) - 1,
      until: ((engineNow > 0 ? engineNow : Date.now()) / 1000 + 0.001).toFixed(3) as unknown as number,
      filters: { container: [info.Id], event: ['die'] },
    })) as unknown as Readable;
    return (await readBody(events)).trim() ? 'same' : 'restarted';
  } catch (error) {
    return isConnectionError(error) ? 'restarted' : 'unknown';
  }
}

function formatBytes(bytes: number): string {
  return bytes >= 1 << 20 ? `${Math.round(bytes / (1 << 20))} MiB` : `${bytes} B`;
}
