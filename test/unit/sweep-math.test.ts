import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  createRandom, createSampler, parseEarlyTermination, parseSearchSpace, sampleParameter, trialsToTerminate,
  bestReported, bestTrial, ReportHistory, objectiveValue, parseObjective, type FinishedTrial, type Params, type TrialProgress, type Goal, type Objective,
} from '../../core/engine/kinds/sweep';

const SAMPLES = 4000;

/** `SAMPLES` values of one parameter, drawn as a random sweep draws them: trial i from stream i. */
function draw(definition: Record<string, unknown>, seed = 7): unknown[] {
  const [parameter] = parseSearchSpace({ p: definition });
  return Array.from({ length: SAMPLES }, (_, i) => sampleParameter(parameter, createRandom(seed, i)));
}

function numbers(values: unknown[]): number[] {
  for (const value of values) assert.equal(typeof value, 'number', `${JSON.stringify(value)} is a number`);
  return values as number[];
}
const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
const sd = (values: number[]) => Math.sqrt(mean(values.map((v) => (v - mean(values)) ** 2)));
const isMultiple = (value: number, q: number) => Math.abs(value / q - Math.round(value / q)) < 1e-9;

describe('sweep search space', () => {
  it('draws choice values as written, with their types', () => {
    const values = [16, 'adam', true, { layers: 2 }];
    const sampler = createSampler({ p: { type: 'choice', values } }, { type: 'random', seed: 1 }, 'maximize');
    // A space of four combinations: each once, then exhausted.
    const seen: unknown[] = [];
    for (let i = 0; i < 4; i++) seen.push((sampler.next([], seen.map((p) => ({ p: p as never }))) as Params).p);
    assert.deepEqual(new Set(seen.map((v) => JSON.stringify(v))), new Set(values.map((v) => JSON.stringify(v))));
    assert.equal(sampler.next([], seen.map((p) => ({ p: p as never }))), undefined);
    const random = createRandom(3);
    const many = Array.from({ length: 400 }, () => sampleParameter(parseSearchSpace({ p: { type: 'choice', values } })[0], random));
    for (const value of values) assert.ok(many.some((v) => JSON.stringify(v) === JSON.stringify(value)));
    assert.ok(many.includes(16) && many.includes('adam') && many.includes(true), 'numbers, strings and booleans keep their types');
  });

  it('draws randint as integers 0 .. upper - 1', () => {
    const [parameter] = parseSearchSpace({ p: { type: 'randint', upper: 6 } });
    const random = createRandom(11);
    const values = numbers(Array.from({ length: SAMPLES }, () => sampleParameter(parameter, random)));
    assert.ok(values.every((v) => Number.isInteger(v) && v >= 0 && v <= 5));
    assert.deepEqual([...new Set(values)].sort(), [0, 1, 2, 3, 4, 5]);
  });

  it('draws uniform and quniform in range, rounded to multiples of q without float noise', () => {
    const uniform = numbers(draw({ type: 'uniform', min_value: 0.5, max_value: 1 }));
    assert.ok(uniform.every((v) => v >= 0.5 && v <= 1));
    assert.ok(Math.abs(mean(uniform) - 0.75) < 0.01, `mean ${mean(uniform)}`);
    const quniform = numbers(draw({ type: 'quniform', min_value: 0, max_value: 1, q: 0.1 }));
    assert.ok(quniform.every((v) => isMultiple(v, 0.1) && v >= 0 && v <= 1 && String(v).length <= 3), 'values like 0.3, not 0.30000000000000004');
    assert.equal(new Set(quniform).size, 11);
    // round(x / q) * q: the ends get half the weight of the inner values.
    const zeros = quniform.filter((v) => v === 0).length / SAMPLES;
    assert.ok(Math.abs(zeros - 0.05) < 0.015, `share of 0: ${zeros}`);
    const integers = numbers(draw({ type: 'quniform', min_value: 1, max_value: 9, q: 1 }));
    assert.ok(integers.every((v) => Number.isInteger(v) && v >= 1 && v <= 9));
  });

  it('draws loguniform as exp(uniform(min_value, max_value)) and qloguniform rounded', () => {
    const values = numbers(draw({ type: 'loguniform', min_value: -6, max_value: -1 }));
    assert.ok(values.every((v) => v >= Math.exp(-6) && v <= Math.exp(-1)));
    assert.ok(Math.abs(mean(values.map(Math.log)) + 3.5) < 0.06, 'the logarithm is uniform');
    const rounded = numbers(draw({ type: 'qloguniform', min_value: 0, max_value: Math.log(100), q: 5 }));
    assert.ok(rounded.every((v) => isMultiple(v, 5) && v >= 0 && v <= 100 && Number.isInteger(v)));
    const sampler = createSampler({ p: { type: 'loguniform', min_value: -3, max_value: -1 } }, { type: 'random', seed: 2, logbase: 10 }, 'maximize');
    const pending: Params[] = [];
    for (let i = 0; i < 400; i++) pending.push(sampler.next([], pending) as Params);
    const base10 = numbers(pending.map((params) => params.p));
    assert.ok(base10.every((v) => v >= 1e-3 && v <= 1e-1), 'logbase 10 gives 10^uniform');
    assert.ok(Math.abs(mean(base10.map(Math.log10)) + 2) < 0.1);
  });

  it('draws normal, qnormal, lognormal and qlognormal with their mean and spread', () => {
    const normal = numbers(draw({ type: 'normal', mu: 10, sigma: 3 }));
    assert.ok(Math.abs(mean(normal) - 10) < 0.2 && Math.abs(sd(normal) - 3) < 0.15, `${mean(normal)} ± ${sd(normal)}`);
    const qnormal = numbers(draw({ type: 'qnormal', mu: 0, sigma: 5, q: 2 }));
    assert.ok(qnormal.every((v) => isMultiple(v, 2) && Number.isInteger(v)));
    assert.ok(qnormal.some((v) => v < 0) && qnormal.some((v) => v > 0));
    const lognormal = numbers(draw({ type: 'lognormal', mu: 0, sigma: 1 }));
    assert.ok(lognormal.every((v) => v > 0));
    const logs = lognormal.map(Math.log);
    assert.ok(Math.abs(mean(logs)) < 0.06 && Math.abs(sd(logs) - 1) < 0.06);
    const qlognormal = numbers(draw({ type: 'qlognormal', mu: 2, sigma: 0.5, q: 1 }));
    assert.ok(qlognormal.every((v) => Number.isInteger(v) && v >= 0));
    const median = [...qlognormal].sort((a, b) => a - b)[SAMPLES / 2];
    assert.ok(Math.abs(median - Math.exp(2)) <= 1, `median ${median} near e^2`);
  });

  it('rejects bad definitions with errors naming the parameter', () => {
    const cases: [unknown, RegExp][] = [
      [{ lr: { type: 'uniform', min_value: 2, max_value: 1 } }, /search_space\.lr: `min_value` 2 is greater than `max_value` 1/],
      [{ lr: { type: 'uniform', min_value: 0 } }, /search_space\.lr: uniform needs `max_value`/],
      [{ lr: { type: 'uniform', min: 0, max: 1 } }, /search_space\.lr: `min` is not a field of uniform/],
      [{ lr: { type: 'uniform', min_value: '${{inputs.lo}}', max_value: 1 } }, /search_space\.lr: `min_value` must be a finite number/],
      [{ depth: { type: 'randint', upper: 0 } }, /search_space\.depth: randint needs an integer `upper` of at least 1/],
      [{ depth: { type: 'randint', upper: 2.5 } }, /search_space\.depth: randint needs an integer/],
      [{ opt: { type: 'choice', values: [] } }, /search_space\.opt: choice needs a non-empty list/],
      [{ noise: { type: 'normal', mu: 0, sigma: -1 } }, /search_space\.noise: `sigma` must not be negative/],
      [{ step: { type: 'qnormal', mu: 0, sigma: 1, q: 0 } }, /search_space\.step: `q` must be greater than 0/],
      [{ x: { type: 'gaussian' } }, /search_space\.x: unknown type "gaussian"/],
      [{ x: 3 }, /search_space\.x must be a mapping/],
      [{}, /search_space defines no parameter/],
    ];
    for (const [space, message] of cases) assert.throws(() => parseSearchSpace(space), message);
  });
});

describe('sweep samplers', () => {
  const space = { lr: { type: 'loguniform', min_value: -6, max_value: -1 }, depth: { type: 'randint', upper: 6 } };

  function run(sampler: ReturnType<typeof createSampler>, count: number): Params[] {
    const finished: FinishedTrial[] = [];
    for (let i = 0; i < count; i++) {
      const params = sampler.next(finished, []) as Params;
      finished.push({ params, metric: (params.depth as number) - Math.abs(Math.log(params.lr as number) + 3) });
    }
    return finished.map((trial) => trial.params);
  }

  it('grid enumerates every choice combination once, in a stable order, then is exhausted', () => {
    const sampler = createSampler({ batch: { type: 'choice', values: [16, 32] }, act: { type: 'choice', values: ['relu', 'tanh', 'gelu'] } }, 'grid', 'maximize');
    assert.equal(sampler.size, 6);
    const finished: FinishedTrial[] = [];
    const pending: Params[] = [];
    for (let i = 0; i < 6; i++) {
      const params = sampler.next(finished, pending) as Params;
      // Half the trials end (some without a metric), half stay pending: both count as used.
      if (i % 2 === 0) pending.push(params); else finished.push({ params, ...(i === 1 ? {} : { metric: i }) });
    }
    const all = [...finished.map((t) => t.params), ...pending].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
    assert.equal(new Set(all.map((p) => JSON.stringify(p))).size, 6);
    assert.equal(sampler.next(finished, pending), undefined);
    const order: Params[] = [];
    for (let i = 0; i < 6; i++) order.push(sampler.next([], order) as Params);
    assert.deepEqual(order, [
      { batch: 16, act: 'relu' }, { batch: 16, act: 'tanh' }, { batch: 16, act: 'gelu' },
      { batch: 32, act: 'relu' }, { batch: 32, act: 'tanh' }, { batch: 32, act: 'gelu' },
    ]);
    // A combination that ended out of order is not proposed again.
    assert.deepEqual(sampler.next([{ params: { batch: 16, act: 'relu' }, metric: 1 }], [{ batch: 32, act: 'gelu' }]), { batch: 16, act: 'tanh' });
  });

  it('grid takes only choice parameters', () => {
    assert.throws(() => createSampler(space, 'grid', 'maximize'), /grid sampling takes only choice parameters; search_space\.lr is loguniform/);
  });

  it('random and bayesian sweeps are reproducible from their seed, and resume where they were', () => {
    for (const algorithm of ['random', 'bayesian']) {
      const first = run(createSampler(space, algorithm, 'maximize', { seed: 42 }), 30);
      assert.deepEqual(run(createSampler(space, algorithm, 'maximize', { seed: 42 }), 30), first);
      assert.notDeepEqual(run(createSampler(space, algorithm, 'maximize', { seed: 43 }), 30), first);
      assert.ok(first.every((p) => Number.isInteger(p.depth) && typeof p.lr === 'number'), 'randint stays an integer');
      // A fresh sampler given the same history proposes the same next trial.
      const history = first.slice(0, 20).map((params, i) => ({ params, metric: i % 7 }));
      const again = createSampler(space, algorithm, 'maximize', { seed: 42 });
      assert.deepEqual(again.next(history, first.slice(20, 22)), createSampler(space, algorithm, 'maximize', { seed: 42 }).next(history, first.slice(20, 22)));
    }
    assert.deepEqual(run(createSampler(space, { type: 'random', seed: 5 }, 'maximize', { seed: 99 }), 5), run(createSampler(space, 'random', 'maximize', { seed: 5 }), 5), 'the spec seed wins');
  });

  it('random and bayesian sampling of an all-discrete space propose each combination once, then are exhausted', () => {
    const discrete = { a: { type: 'randint', upper: 3 }, b: { type: 'choice', values: ['x', 'y'] } };
    for (const algorithm of ['random', 'bayesian']) {
      const sampler = createSampler(discrete, algorithm, 'minimize', { seed: 3 });
      const finished: FinishedTrial[] = [];
      for (let i = 0; i < 6; i++) finished.push({ params: sampler.next(finished, []) as Params, metric: i });
      assert.equal(new Set(finished.map((t) => JSON.stringify(t.params))).size, 6, algorithm);
      assert.equal(sampler.next(finished, []), undefined, algorithm);
    }
  });

  it('rejects sampling algorithms it cannot run', () => {
    assert.throws(() => createSampler(space, 'sobol', 'maximize'), /sampling_algorithm must be random, grid or bayesian, not "sobol"/);
    assert.throws(() => createSampler(space, { type: 'random', rule: 'halton' }, 'maximize'), /rule "halton" is not supported/);
    assert.equal(createSampler(space, { type: 'random', rule: 'sobol' }, 'maximize').algorithm, 'random');
    assert.throws(() => createSampler(space, { type: 'random', seed: 1.5 }, 'maximize'), /seed must be an integer/);
    assert.throws(() => createSampler(space, { type: 'random', logbase: 1 }, 'maximize'), /logbase must be e or a positive number/);
    assert.throws(() => createSampler(space, { type: 'bayesian', seed: 1 }, 'maximize'), /`seed` is not an option of bayesian sampling/);
  });

  /** The best value found within `budget` trials, minimizing `f`, for each seed; then their median. */
  function medianBest(algorithm: string, f: (p: Params) => number, searchSpace: unknown, budget: number, parallel: number): number {
    const bests: number[] = [];
    for (let seed = 1; seed <= 9; seed++) {
      const sampler = createSampler(searchSpace, algorithm, 'minimize', { seed });
      const finished: FinishedTrial[] = [];
      const pending: Params[] = [];
      while (finished.length < budget) {
        while (pending.length < parallel && finished.length + pending.length < budget) pending.push(sampler.next(finished, pending) as Params);
        const params = pending.shift() as Params;
        finished.push({ params, metric: f(params) });
      }
      bests.push(Math.min(...finished.map((t) => t.metric as number)));
    }
    return bests.sort((a, b) => a - b)[4];
  }

  it('bayesian sampling (TPE) beats random sampling on a shifted quadratic within 40 trials', () => {
    const quadratic = (p: Params) => ((p.x as number) - 1.7) ** 2 + ((p.y as number) + 2.3) ** 2;
    const square = { x: { type: 'uniform', min_value: -5, max_value: 5 }, y: { type: 'uniform', min_value: -5, max_value: 5 } };
    for (const parallel of [1, 4]) {
      const bayesian = medianBest('bayesian', quadratic, square, 40, parallel);
      const random = medianBest('random', quadratic, square, 40, parallel);
      assert.ok(bayesian < random / 3, `with ${parallel} in parallel: bayesian ${bayesian} vs random ${random}`);
    }
  });

  it('bayesian sampling also beats random on a log-scaled rate and a choice', () => {
    const space2 = { lr: { type: 'loguniform', min_value: -12, max_value: 0 }, opt: { type: 'choice', values: ['sgd', 'adam', 'rmsprop', 'adagrad'] } };
    const loss = (p: Params) => (Math.log10(p.lr as number) + 3.2) ** 2 + (p.opt === 'adam' ? 0 : 1);
    const bayesian = medianBest('bayesian', loss, space2, 40, 1);
    const random = medianBest('random', loss, space2, 40, 1);
    assert.ok(bayesian < random / 2, `bayesian ${bayesian} vs random ${random}`);
  });
});

describe('sweep early termination', () => {
  const maximize: Objective = { primaryMetric: 'accuracy', goal: 'maximize' };
  const minimize: Objective = { primaryMetric: 'loss', goal: 'minimize' };
  const trial = (id: string, reports: number[], status: TrialProgress['status'] = 'Running'): TrialProgress => ({ id, status, reports });
  const decide = (policy: Record<string, unknown>, objective: Objective, trials: TrialProgress[]) =>
    trialsToTerminate(parseEarlyTermination(policy), objective, trials);

  it('bandit with slack_factor terminates a trial below best / (1 + slack_factor), from delay_evaluation on', () => {
    const policy = { type: 'bandit', slack_factor: 0.1, evaluation_interval: 1, delay_evaluation: 3 };
    assert.deepEqual(decide(policy, maximize, [trial('a', [0.5, 0.6]), trial('b', [0.1, 0.2])]), [], 'interval 2 is before the delay');
    const [cut, ...rest] = decide(policy, maximize, [trial('a', [0.5, 0.6, 0.8]), trial('b', [0.5, 0.55, 0.7]), trial('c', [0.75, 0.6, 0.5])]);
    assert.equal(rest.length, 0, 'c keeps its best 0.75 > 0.8 / 1.1');
    assert.equal(cut.id, 'b');
    assert.equal(cut.interval, 3);
    assert.equal(cut.value, 0.7);
    assert.ok(Math.abs(cut.threshold - 0.8 / 1.1) < 1e-12);
    assert.equal(cut.reason, 'Bandit policy: at interval 3 its best accuracy 0.7 is below 0.727273, the best 0.8 of 3 trials at that interval with slack_factor 0.1.');
    // When minimizing, the threshold is best * (1 + slack_factor).
    const [lossCut] = decide(policy, minimize, [trial('a', [1, 1, 1]), trial('b', [2, 1.5, 1.11]), trial('c', [1.09, 1.09, 1.09])]);
    assert.equal(lossCut.id, 'b');
    assert.match(lossCut.reason, /best loss 1\.11 is above 1\.1, the best 1 /);
  });

  it('bandit applies only at multiples of evaluation_interval, and compares with the others at the same interval', () => {
    const policy = { type: 'bandit', slack_amount: 0.2, evaluation_interval: 2 };
    assert.deepEqual(decide(policy, maximize, [trial('a', [0.9, 0.9, 0.9, 0.9]), trial('b', [0.1, 0.1, 0.1])]), []);
    assert.deepEqual(decide(policy, maximize, [trial('a', [0.9, 0.9, 0.9, 0.9]), trial('b', [0.1, 0.1, 0.1, 0.1])]).map((t) => [t.id, t.threshold]), [['b', 0.7]]);
    // At interval 2, a's score is the best of its first two reports (0.3), not its later 0.9.
    assert.deepEqual(decide(policy, maximize, [trial('a', [0.2, 0.3, 0.9, 0.9]), trial('b', [0.1, 0.15])]), []);
    assert.deepEqual(decide(policy, maximize, [trial('a', [0.2, 0.4, 0.9, 0.9]), trial('b', [0.1, 0.15])]).map((t) => t.id), ['b']);
  });

  it('bandit keeps its slack for negative metrics and never terminates the best or a finished trial', () => {
    const policy = { type: 'bandit', slack_factor: 0.1 };
    const trials = [trial('best', [-1]), trial('near', [-1.05]), trial('far', [-1.2]), trial('done', [-3], 'Completed')];
    // Mirrored for a negative best: best * (1 + s) when maximizing, best / (1 + s) when minimizing.
    assert.deepEqual(decide(policy, maximize, trials).map((t) => [t.id, t.threshold]), [['far', -1 * 1.1]]);
    const losses = [trial('best', [-1]), trial('near', [-0.95]), trial('far', [-0.85])];
    assert.deepEqual(decide(policy, minimize, losses).map((t) => [t.id, t.threshold]), [['far', -1 / 1.1]]);
  });

  it('median stopping terminates a trial whose best is worse than the median of the running averages', () => {
    const policy = { type: 'median_stopping', delay_evaluation: 2 };
    const histories = [trial('a', [0.6, 0.8]), trial('b', [0.5, 0.7]), trial('c', [0.4, 0.6]), trial('d', [0.3, 0.5])];
    // Running averages over 1-2: 0.7, 0.6, 0.5, 0.4; median 0.55; d's best 0.5 is worse, c's 0.6 is not.
    const cuts = decide(policy, maximize, histories);
    assert.deepEqual(cuts.map((t) => t.id), ['d']);
    assert.ok(Math.abs(cuts[0].threshold - 0.55) < 1e-12);
    assert.equal(cuts[0].reason, 'Median stopping policy: at interval 2 its best accuracy 0.5 is worse than 0.55, the median of the running averages of 4 trials over intervals 1-2.');
    assert.deepEqual(decide(policy, maximize, histories.map((t) => ({ ...t, reports: t.reports.slice(0, 1) }))), [], 'interval 1 is before the delay');
  });

  it('truncation selection cuts the lowest percentage, optionally leaving finished trials out', () => {
    const policy = { type: 'truncation_selection', truncation_percentage: 20, evaluation_interval: 1 };
    const running = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'].map((id, i) => trial(id, [0.1 * i, 0.1 * (i + 1)]));
    const finished = [trial('x', [0.05, 0.06], 'Completed'), trial('y', [0.01, 0.02], 'Completed')];
    // 10 trials at interval 2: floor(10 * 20%) = 2 cut, x and y, who are finished: nobody running is cut.
    assert.deepEqual(decide(policy, minimize, [...running, ...finished]).map((t) => t.id), ['g', 'h']);
    assert.deepEqual(decide(policy, maximize, [...running, ...finished]), []);
    // Without the finished ones: 8 trials, floor(1.6) = 1 cut, the worst running one.
    const [cut] = decide({ ...policy, exclude_finished_jobs: true }, maximize, [...running, ...finished]);
    assert.equal(cut.id, 'a');
    assert.equal(cut.reason, 'Truncation selection policy: at interval 2 its best accuracy 0.1 is in the lowest 20% of 8 trials at that interval (below the cut-off 0.2).');
    // Too few trials for a whole one in the lowest 20%.
    assert.deepEqual(decide(policy, maximize, running.slice(0, 4)), []);
  });

  it('a report history kept report by report scores every interval as its reports do', () => {
    const random = createRandom(5);
    for (const goal of ['maximize', 'minimize'] as const) {
      const reports = Array.from({ length: 300 }, () => (random.next() < 0.1 ? Number.NaN : random.next() * 2 - 1));
      const history = new ReportHistory(goal);
      for (const [index, value] of reports.entries()) {
        history.add(value);
        for (const interval of [1, Math.ceil((index + 1) / 2), index + 1]) {
          assert.equal(history.bestAt(interval), bestReported(reports.slice(0, index + 1), goal, interval));
          const finite = reports.slice(0, interval).filter((v) => Number.isFinite(v));
          assert.equal(history.averageAt(interval), finite.length ? finite.reduce((sum, v) => sum + v, 0) / finite.length : undefined);
        }
      }
    }
  });

  it('rejects bad policies', () => {
    assert.throws(() => parseEarlyTermination({ type: 'bandit' }), /needs exactly one of `slack_factor` and `slack_amount`/);
    assert.throws(() => parseEarlyTermination({ type: 'bandit', slack_factor: 0.1, slack_amount: 0.2 }), /exactly one/);
    assert.throws(() => parseEarlyTermination({ type: 'truncation_selection', truncation_percentage: 100 }), /between 1 and 99/);
    assert.throws(() => parseEarlyTermination({ type: 'truncation_selection' }), /truncation_percentage must be an integer/);
    assert.throws(() => parseEarlyTermination({ type: 'median_stopping', evaluation_interval: 0 }), /evaluation_interval must be an integer of at least 1/);
    assert.throws(() => parseEarlyTermination({ type: 'median_stopping', slack_factor: 0.1 }), /`slack_factor` is not an option of the median_stopping policy/);
    assert.throws(() => parseEarlyTermination({ type: 'hyperband' }), /early_termination\.type must be bandit/);
    assert.equal(parseEarlyTermination(undefined), undefined);
  });
});

describe('sweep objective', () => {
  it('takes the last reported value, and the best trial by goal', () => {
    assert.equal(objectiveValue([0.2, 0.9, 0.7]), 0.7);
    assert.equal(objectiveValue([]), undefined);
    assert.equal(objectiveValue([0.2, Number.NaN]), undefined);
    const trials: { id: string; metric?: number }[] = [{ id: 'a', metric: 0.7 }, { id: 'b' }, { id: 'c', metric: Number.NaN }, { id: 'd', metric: 0.9 }, { id: 'e', metric: 0.9 }];
    const best = (goal: Goal) => bestTrial(trials, goal)?.id;
    assert.equal(best('maximize'), 'd');
    assert.equal(best('minimize'), 'a');
    assert.equal(bestTrial([{ id: 'b', metric: Number.NaN }], 'maximize'), undefined);
    assert.deepEqual(parseObjective({ primary_metric: 'accuracy', goal: 'Maximize' }), { primaryMetric: 'accuracy', goal: 'maximize' });
    assert.throws(() => parseObjective({ primary_metric: 'accuracy', goal: 'up' }), /objective\.goal must be maximize or minimize, not "up"/);
    assert.throws(() => parseObjective({ goal: 'minimize' }), /objective\.primary_metric must name the metric/);
  });
});
