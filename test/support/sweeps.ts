/**
 * A grid sweep's settings, as lines of YAML: two trials, `quality` 0.9 and 0.1, maximizing `accuracy` under a bandit
 * policy with slack_factor 0.1 and the `timing` lines (`  evaluation_interval: …`, `  delay_evaluation: …`).
 */
export function banditSweepLines(trial: { code: string; command: string; image: string }, concurrentTrials: number, timing: string[]): string[] {
  return [
    'trial:',
    `  code: ${trial.code}`,
    `  command: ${trial.command}`,
    '  environment:',
    `    image: ${trial.image}`,
    'sampling_algorithm: grid',
    'search_space:',
    '  quality:',
    '    type: choice',
    '    values: [0.9, 0.1]',
    'objective:',
    '  primary_metric: accuracy',
    '  goal: maximize',
    'limits:',
    '  max_total_trials: 2',
    `  max_concurrent_trials: ${concurrentTrials}`,
    'early_termination:',
    '  type: bandit',
    '  slack_factor: 0.1',
    ...timing,
  ];
}
