import { scanBindings } from '../../../language/bindings';

/** A parsed `${{parent.…}}` expression of a pipeline step. */
export type ParentBinding =
  | { scope: 'parent-input'; name: string }
  | { scope: 'parent-output'; name: string }
  | { scope: 'step-output'; step: string; name: string }
  | { scope: 'step-input'; step: string; name: string };

/** The binding when `value` is one `${{…}}` expression and nothing else; `undefined` otherwise. */
export function wholeBinding(value: string): { expression: string; binding: ParentBinding | undefined } | undefined {
  const trimmed = value.trim();
  const { bindings } = scanBindings(trimmed, 0);
  const only = bindings.length === 1 ? bindings[0]! : undefined;
  if (!only || only.start !== 0 || only.end !== trimmed.length) return undefined;
  return { expression: only.expression, binding: parseParentBinding(only.segments) };
}

/** Every `${{…}}` expression in `value`, with its range, for text that mixes bindings and literal text. */
export function bindingsIn(value: string): Array<{ expression: string; start: number; end: number; binding: ParentBinding | undefined }> {
  return scanBindings(value, 0).bindings.map((b) => ({ expression: b.expression, start: b.start, end: b.end, binding: parseParentBinding(b.segments) }));
}

export function hasBinding(value: string): boolean {
  return value.includes('${{');
}

function parseParentBinding(segments: string[]): ParentBinding | undefined {
  const [head, scope, name, io, port, ...rest] = segments;
  if (head !== 'parent' || !name || rest.length > 0) return undefined;
  if ((scope === 'inputs' || scope === 'outputs') && io === undefined) return { scope: scope === 'inputs' ? 'parent-input' : 'parent-output', name };
  if (scope === 'jobs' && port && (io === 'outputs' || io === 'inputs')) return { scope: io === 'outputs' ? 'step-output' : 'step-input', step: name, name: port };
  return undefined;
}
