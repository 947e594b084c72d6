import assert from 'node:assert/strict';
import { it } from 'node:test';
import { fuzz, mutate } from '../support/lsp-fuzz';
import { prng } from '../support/random';

const seed = Number(process.env['MLW_FUZZ_SEED'] ?? Math.floor(Math.random() * 2 ** 31));

it('mutates reproducibly from a seed', () => {
  const a = prng(7);
  const b = prng(7);
  assert.equal(mutate('type: command\ncommand: echo\n', a), mutate('type: command\ncommand: echo\n', b));
});

it(`survives mutated fixtures and random YAML through every request (seed ${seed}; MLW_FUZZ_SEED=${seed} reproduces)`, async () => {
  const result = await fuzz({ iterations: Number(process.env['MLW_FUZZ_ITERATIONS'] ?? 3000), seed });
  assert.ok(result.slowest.ms < 1000, `${result.slowest.request} took ${result.slowest.ms} ms`);
});
