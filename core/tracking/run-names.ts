import crypto from 'node:crypto';

const ADJECTIVES = ['able', 'bold', 'brave', 'bright', 'calm', 'clever', 'crisp', 'eager', 'fair', 'gentle', 'glad', 'keen', 'kind', 'lucky', 'merry', 'neat', 'nimble', 'proud', 'quick', 'quiet', 'rare', 'sharp', 'shy', 'silent', 'smart', 'steady', 'sunny', 'swift', 'tidy', 'vivid', 'warm', 'wise'];
const NOUNS = ['ant', 'bat', 'bee', 'cat', 'crab', 'crow', 'deer', 'dove', 'eel', 'elk', 'finch', 'fox', 'goat', 'hare', 'hawk', 'jay', 'lark', 'lynx', 'mole', 'moth', 'newt', 'owl', 'panda', 'quail', 'ram', 'seal', 'slug', 'swan', 'toad', 'vole', 'wasp', 'wren'];

/** A readable run name like MLflow's `bold-owl-123`, for runs created without one. */
export function generateRunName(): string {
  const pick = (words: string[]) => words[crypto.randomInt(words.length)]!;
  return `${pick(ADJECTIVES)}-${pick(NOUNS)}-${crypto.randomInt(1000)}`;
}
