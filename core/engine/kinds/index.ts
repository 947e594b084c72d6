import path from 'node:path';
import { specOf, type KindId } from '../../language';
import { prepareCommand } from './command';
import type { JobKind } from './kind';

export const commandKind: JobKind = {
  type: 'command',
  spec: 'job/command',
  prepare: (spec, ctx) => {
    const value = specOf(spec, 'job/command');
    if (!value) throw new Error(`${spec.path} is not a command job`);
    return prepareCommand(value, path.dirname(spec.path), ctx);
  },
};

/** The job kinds the engine runs, by the spec kind they are submitted as. */
export class JobKinds {
  private readonly kinds = new Map<KindId, JobKind>();

  constructor(kinds: readonly JobKind[]) {
    for (const kind of kinds) this.kinds.set(kind.spec, kind);
  }

  ofSpec(id: KindId): JobKind | undefined {
    return this.kinds.get(id);
  }

  ofType(type: string): JobKind | undefined {
    return [...this.kinds.values()].find((kind) => kind.type === type);
  }

  /** `command, pipeline and sweep jobs`: what can be submitted, for messages. */
  get runnableJobs(): string {
    const types = [...this.kinds.values()].map((kind) => kind.type);
    return `${types.length > 1 ? `${types.slice(0, -1).join(', ')} and ${types.at(-1)}` : types[0]} jobs`;
  }

  /** Job types that orchestrate child jobs. */
  get orchestratedTypes(): string[] {
    return [...this.kinds.values()].filter((kind) => kind.orchestrator).map((kind) => kind.type);
  }

  /** Job types that run on a compute (not orchestrated). */
  get scheduledTypes(): string[] {
    return [...this.kinds.values()].filter((kind) => !kind.orchestrator).map((kind) => kind.type);
  }
}
