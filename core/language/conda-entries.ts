import { controlCharacter, showName } from './names';

/**
 * Why a conda file's dependency entry cannot be used, or undefined. Entries become lines of a pip requirements file
 * and words of a Dockerfile `RUN`: a line break would split them (one entry becoming several, or a new instruction).
 * pip options as entries (`--extra-index-url …`, `-e .`) are what Azure ML accepts too, and are kept.
 */
export function condaEntryProblem(entry: string, pip: boolean): string | undefined {
  const shown = `${pip ? 'pip' : 'conda'} dependency \`${showName(entry)}\``;
  const control = controlCharacter(entry);
  if (control) return `${shown} contains a control character (${control}); write one package per entry, on one line`;
  return undefined;
}
