/**
 * Turns a job's `command` into the shell command a driver runs: `${{inputs.x}}` and `${{outputs.y}}` become the
 * staged paths or literal values, and each `$[[ … ]]` fragment is kept only when every input it names was given.
 */
export function substituteCommand(command: string, values: { inputs: Record<string, string>; outputs: Record<string, string> }): string {
  const withOptional = command.replace(/\$\[\[([\s\S]*?)\]\]/g, (_fragment, inner: string) => {
    const names = [...inner.matchAll(/\$\{\{\s*inputs\.([\w-]+)\s*\}\}/g)].map((m) => m[1]!);
    return names.every((name) => name in values.inputs) ? inner : '';
  });
  return withOptional.replace(/\$\{\{\s*(inputs|outputs)\.([\w-]+)\s*\}\}/g, (binding, group: 'inputs' | 'outputs', name: string) => {
    const value = values[group][name];
    if (value === undefined) throw new Error(`${binding.trim()} is not declared in the job's ${group}`);
    return value;
  });
}

