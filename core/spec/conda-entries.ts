import { controlCharacter, showName } from './names';

/**
 * Why a conda file's dependency entry cannot be used, or undefined. Entries become lines of a pip requirements file
 * and words of a Dockerfile `RUN`: a line break would split them (one entry becoming several, or a new instruction),
 * and a leading `-` makes pip read the entry as an option (`--index-url`, `-e`) rather than a package.
 */
export function condaEntryProblem(entry: string, pip: boolean): string | undefined {
  const shown = `${pip ? 'pip' : 'conda'} dependency \`${showName(entry)}\``;
  const control = controlCharacter(entry);
  if (control) return `${shown} contains a control character (${control}); write one package per entry, on one line`;
  if (entry.trim().startsWith('-')) return `${shown} starts with \`-\`, which pip reads as an option, not a package; write a package requirement (options such as an index URL belong in pip's own configuration)`;
  return undefined;
}
