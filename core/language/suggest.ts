import { distance } from 'fastest-levenshtein';

/** The candidate closest to `word`, if it is close enough to be what was meant. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  const lower = word.toLowerCase();
  let best: string | undefined;
  let bestScore = Infinity;
  for (const candidate of candidates) {
    const score = distance(lower, candidate.toLowerCase());
    if (score < bestScore) {
      best = candidate;
      bestScore = score;
    }
  }
  if (best === undefined) return undefined;
  const limit = Math.max(2, Math.floor(Math.max(word.length, best.length) / 3));
  if (bestScore <= limit) return best;
  // abbreviations and partial names: `container` → `container_name`, `model` → `model_output`
  if (lower.length < 3) return undefined;
  const containing = candidates.filter((c) => c.toLowerCase().includes(lower) || lower.startsWith(c.toLowerCase()));
  return containing.length === 1 ? containing[0] : undefined;
}

export function didYouMean(suggestion: string | undefined): string {
  return suggestion === undefined ? '' : `; did you mean \`${suggestion}\`?`;
}
