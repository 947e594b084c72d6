import type { ApiClient } from './client';

/** The step name (or trial number) of each child job of `parent`, read from `GET /api/jobs?parent=` when one is new. */
export class StepLabels {
  private readonly labels = new Map<string, string>();

  constructor(private readonly client: ApiClient, private readonly parent: string) {}

  of(job: string): string {
    return this.labels.get(job) ?? job;
  }

  async learn(job: string): Promise<void> {
    if (job === this.parent || this.labels.has(job)) return;
    const listed = await this.client.jobs.list({ parent: this.parent }).catch(() => []);
    for (const child of listed) this.labels.set(child.name, child.step ?? child.name);
    if (!this.labels.has(job)) this.labels.set(job, job);
  }
}
