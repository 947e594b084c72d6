/// <reference lib="dom" />
// Runs inside the metrics webview (a browser context): one uPlot chart per metric, updated as points arrive.
import type UPlot from 'uplot';
import { MetricSeriesSet, type MetricSeries } from '../jobs/metric-series';
import type { MetricsMessage, MetricsRequest } from '../metrics/metrics-messages';

declare const uPlot: typeof UPlot;
declare function acquireVsCodeApi(): { postMessage(message: MetricsRequest): void };

const chartsElement = document.getElementById('charts')!;
const emptyElement = document.getElementById('empty')!;
const statusElement = document.getElementById('status')!;
let series = new MetricSeriesSet();
const charts = new Map<string, { plot: UPlot; container: HTMLElement }>();
let pendingDraw: number | undefined;
const dirty = new Set<string>();

window.addEventListener('message', (event: MessageEvent<MetricsMessage>) => {
  const message = event.data;
  switch (message.type) {
    case 'reset':
      series = new MetricSeriesSet();
      for (const { plot, container } of charts.values()) (plot.destroy(), container.remove());
      charts.clear();
      emptyElement.hidden = false;
      break;
    case 'points':
      for (const point of message.points) {
        const changed = series.add({ type: 'metric', seq: 0, job: '', time: '', ...point });
        if (changed) dirty.add(changed.key);
      }
      scheduleDraw();
      break;
    case 'status':
      statusElement.textContent = message.status;
      statusElement.dataset.status = message.status;
      break;
  }
});
// Messages posted before this listener existed are lost: the extension streams the points only after this.
acquireVsCodeApi().postMessage({ type: 'ready' });

function scheduleDraw(): void {
  pendingDraw ??= requestAnimationFrame(() => {
    pendingDraw = undefined;
    for (const metric of series.all()) if (dirty.has(metric.key)) draw(metric);
    dirty.clear();
    emptyElement.hidden = charts.size > 0;
  });
}

function draw(metric: MetricSeries): void {
  const data: UPlot.AlignedData = [metric.steps, metric.values];
  const existing = charts.get(metric.key);
  if (existing) {
    existing.plot.setData(data);
    existing.container.querySelector('.last')!.textContent = lastValue(metric);
    return;
  }
  const container = document.createElement('section');
  container.className = 'chart';
  container.dataset.metric = metric.key;
  const title = document.createElement('h2');
  title.textContent = metric.key;
  const last = document.createElement('span');
  last.className = 'last';
  last.textContent = lastValue(metric);
  title.append(' ', last);
  container.append(title);
  insertSorted(container, metric.key);
  charts.set(metric.key, { plot: new uPlot(options(metric.key, container), data, container), container });
}

function options(key: string, container: HTMLElement): UPlot.Options {
  const style = getComputedStyle(document.body);
  const color = (name: string, fallback: string): string => style.getPropertyValue(name).trim() || fallback;
  const foreground = color('--vscode-foreground', '#ccc');
  const grid = color('--vscode-editorWidget-border', 'rgba(128,128,128,0.3)');
  const axis: UPlot.Axis = { stroke: foreground, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } };
  return {
    width: Math.max(240, container.clientWidth || chartsElement.clientWidth - 16),
    height: 220,
    legend: { show: false },
    scales: { x: { time: false } },
    axes: [{ ...axis, label: 'step' }, { ...axis }],
    series: [{ label: 'step' }, { label: key, stroke: color('--vscode-charts-blue', '#3794ff'), width: 2, points: { show: true, size: 4 } }],
  };
}

function insertSorted(container: HTMLElement, key: string): void {
  const next = [...chartsElement.children].find((child) => ((child as HTMLElement).dataset.metric ?? '') > key);
  chartsElement.insertBefore(container, next ?? null);
}

function lastValue(metric: MetricSeries): string {
  const index = metric.values.length - 1;
  return index < 0 ? '' : `${Number(metric.values[index]!.toPrecision(6))} at step ${metric.steps[index]}`;
}

// Theme changes re-create the charts with the new colors; resizes adapt their width.
new MutationObserver(() => {
  for (const key of [...charts.keys()]) {
    const { plot, container } = charts.get(key)!;
    plot.destroy();
    container.remove();
    charts.delete(key);
    dirty.add(key);
  }
  scheduleDraw();
}).observe(document.body, { attributes: true, attributeFilter: ['class'] });
window.addEventListener('resize', () => {
  for (const { plot, container } of charts.values()) plot.setSize({ width: Math.max(240, container.clientWidth), height: 220 });
});
