import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { JobEvent } from '../../core/vocabulary';
import { EventPrinter } from '../../cli/format';

const time = '2026-11-26T00:00:00.000Z';
const metric = (seq: number, key: string, value: number, step: number): JobEvent => ({ seq, job: 'j', type: 'metric', time, key, value, step });

test('the metric points of one step share a line; other events end it', () => {
  const out: string[] = [];
  const printer = new EventPrinter((text) => out.push(text));
  printer.print({ seq: 1, job: 'j', type: 'status', time, status: 'Running' });
  printer.print(metric(2, 'loss', 0.5, 1));
  printer.print(metric(3, 'acc', 0.8, 1));
  printer.print(metric(4, 'loss', 0.25, 2));
  printer.print({ seq: 5, job: 'j', type: 'log', time, text: 'epoch 2 done' });
  printer.print(metric(6, 'loss', 0.125, 3));
  assert.deepEqual(out, [`[${time}] Running\n`, 'step 1  loss=0.5  acc=0.8\n', 'step 2  loss=0.25\n', 'epoch 2 done\n']);
  printer.flush();
  assert.equal(out.at(-1), 'step 3  loss=0.125\n');
  printer.flush();
  assert.equal(out.length, 5, 'nothing is printed twice');
});
