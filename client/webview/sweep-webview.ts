/// <reference lib="dom" />
// Runs inside the sweep webview: a uPlot scatter of the primary metric per trial and the table of trials, best first.
import type UPlot from 'uplot';
import type { SweepView } from '../sweeps/sweep-table';
import { activatable, onView, request } from './job-view-common';

declare const uPlot: typeof UPlot;

const summaryElement = document.getElementById('summary')!;
const chartElement = document.getElementById('chart')!;
const tableElement = document.getElementById('trials') as HTMLTableElement;
let plot: UPlot | undefined;
let plotMetric = '';
let last: SweepView | undefined;

function render(view: SweepView): void {
  last = view;
  summaryElement.textContent = `${view.summary} · ${view.goal} ${view.primaryMetric}`;
  drawChart(view);
  drawTable(view);
}

function drawChart(view: SweepView): void {
  const data: UPlot.AlignedData = [view.chart.trials, view.chart.metric, view.chart.best];
  if (plot && plotMetric === view.primaryMetric) return plot.setData(data);
  plot?.destroy();
  plotMetric = view.primaryMetric;
  plot = new uPlot(options(view.primaryMetric), data, chartElement);
}

function options(metric: string): UPlot.Options {
  const style = getComputedStyle(document.body);
  const color = (name: string, fallback: string): string => style.getPropertyValue(name).trim() || fallback;
  const foreground = color('--vscode-foreground', '#ccc');
  const grid = color('--vscode-editorWidget-border', 'rgba(128,128,128,0.3)');
  const axis: UPlot.Axis = { stroke: foreground, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } };
  const noLine = (): null => null;
  return {
    width: Math.max(240, chartElement.clientWidth || document.body.clientWidth - 32),
    height: 220,
    legend: { show: false },
    scales: { x: { time: false } },
    axes: [{ ...axis, label: 'trial', incrs: [1, 2, 5, 10, 20, 50, 100] }, { ...axis, label: metric }],
    series: [
      { label: 'trial' },
      { label: metric, stroke: color('--vscode-charts-blue', '#3794ff'), paths: noLine, points: { show: true, size: 7, fill: color('--vscode-charts-blue', '#3794ff') } },
      { label: 'best', stroke: color('--vscode-charts-green', '#89d185'), paths: noLine, points: { show: true, size: 12, width: 2, fill: 'transparent' } },
    ],
  };
}

function drawTable(view: SweepView): void {
  const head = document.createElement('thead');
  const headRow = head.insertRow();
  for (const title of ['Trial', 'Status', ...view.params, `${view.primaryMetric} ${view.goal === 'maximize' ? '↓' : '↑'}`]) {
    const cell = document.createElement('th');
    cell.textContent = title;
    headRow.append(cell);
  }
  const body = document.createElement('tbody');
  for (const row of view.rows) {
    const tr = body.insertRow();
    tr.tabIndex = 0;
    tr.dataset.trial = String(row.trial);
    tr.dataset.job = row.job;
    tr.dataset.status = row.status;
    if (row.best) tr.className = 'best';
    tr.insertCell().textContent = `trial ${row.trial}${row.best ? ' ★' : ''}`;
    const status = tr.insertCell();
    const dot = document.createElement('span');
    dot.className = 'dot';
    dot.style.background = `var(${row.color})`;
    status.append(dot, row.detail);
    for (const value of row.params) cell(tr, value);
    cell(tr, row.metric);
    activatable(tr, () => request({ type: 'open', job: row.job, label: `trial ${row.trial}`, hasOutputs: row.status === 'Completed' || row.status === 'Failed' }));
  }
  tableElement.replaceChildren(head, body);
}

function cell(row: HTMLTableRowElement, value: number | string | null): void {
  const element = row.insertCell();
  if (typeof value === 'number') {
    element.className = 'number';
    element.textContent = String(Number(value.toPrecision(6)));
  } else element.textContent = value ?? '';
}

// Theme changes re-create the chart with the new colors; resizes adapt its width.
new MutationObserver(() => {
  plot?.destroy();
  plot = undefined;
  if (last) drawChart(last);
}).observe(document.body, { attributes: true, attributeFilter: ['class'] });
window.addEventListener('resize', () => plot?.setSize({ width: Math.max(240, chartElement.clientWidth), height: 220 }));

onView(render);
