import type { JobEvent } from '../../core/vocabulary';

/** One metric's points, ordered by step (a repeated step keeps the last value, as MLflow shows it). */
export interface MetricSeries {
  key: string;
  steps: number[];
  values: number[];
}

/** Collects metric events per key for the chart; `add` tells whether the series changed. */
export class MetricSeriesSet {
  private readonly series = new Map<string, MetricSeries>();

  add(event: JobEvent): MetricSeries | undefined {
    if (event.type !== 'metric' || !Number.isFinite(event.value)) return undefined;
    let series = this.series.get(event.key);
    if (!series) this.series.set(event.key, (series = { key: event.key, steps: [], values: [] }));
    const { steps, values } = series;
    const last = steps.length - 1;
    if (last < 0 || event.step > steps[last]!) {
      steps.push(event.step);
      values.push(event.value);
    } else {
      let index = steps.findIndex((step) => step >= event.step);
      if (steps[index] === event.step) values[index] = event.value;
      else {
        if (index < 0) index = steps.length;
        steps.splice(index, 0, event.step);
        values.splice(index, 0, event.value);
      }
    }
    return series;
  }

  all(): MetricSeries[] {
    return [...this.series.values()].sort((a, b) => a.key.localeCompare(b.key));
  }
}
