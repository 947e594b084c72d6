import { ASSET_KINDS, type AssetKind } from '../../core/vocabulary';
import { detectKind, kindInfo, type KindId } from '../../core/language/kinds';

export type SpecAction = 'submit' | 'create' | 'validate-only';

export interface SpecKind {
  kind: KindId;
  /** `submit` for jobs, `create` for registrable assets, `validate-only` for the rest (endpoints, workspace). */
  action: SpecAction;
  /** The asset kind `create` registers it as. */
  assetKind?: AssetKind;
}

const TOP_LEVEL = /^([A-Za-z_$][\w$-]*)\s*:(?:[ \t]+(.*))?$/;
const REGISTRABLE: ReadonlySet<string> = new Set(ASSET_KINDS);

/**
 * Which spec a YAML text is, from its top-level keys (the same detection as the language server's, on a cheap
 * line scan so CodeLens and menus never parse the document). Undefined for YAML that is not an mlw spec.
 */
export function specKindOfText(text: string): SpecKind | undefined {
  const facts = new Map<string, string | true>();
  for (const line of text.slice(0, 64 * 1024).split(/\r?\n/)) {
    const match = TOP_LEVEL.exec(line);
    if (!match || facts.has(match[1]!)) continue;
    const value = match[2]?.replace(/\s+#.*$/, '').trim();
    facts.set(match[1]!, value ? unquote(value) : true);
  }
  const detection = detectKind(facts, text);
  if (!detection || !('kind' in detection)) return undefined;
  const asset = kindInfo(detection.kind).asset;
  if (asset === 'job') return { kind: detection.kind, action: 'submit' };
  if (REGISTRABLE.has(asset)) return { kind: detection.kind, action: 'create', assetKind: asset as AssetKind };
  return { kind: detection.kind, action: 'validate-only' };
}

/**
 * Whether a job spec says where it runs, so Submit need not ask: a top-level `compute:`, or for a pipeline
 * `settings.default_compute` or a `compute:` on every step (a line scan by indentation, like the kind detection).
 */
export function specNamesCompute(text: string): boolean {
  const lines = text.slice(0, 256 * 1024).split(/\r?\n/);
  const top = blockKeys(lines, -1);
  if (top.has('compute')) return true;
  if (specKindOfText(text)?.kind !== 'job/pipeline') return false;
  const settings = top.get('settings');
  if (settings !== undefined && (/\bdefault_compute\s*:/.test(lines[settings]!) || blockKeys(lines, settings).has('default_compute'))) return true;
  const jobs = top.get('jobs');
  const steps = jobs === undefined ? [] : [...blockKeys(lines, jobs).values()];
  return steps.length > 0 && steps.every((step) => blockKeys(lines, step).has('compute'));
}

const BLOCK_KEY = /^([A-Za-z_$][\w$.-]*|"[^"]*"|'[^']*')\s*:(?:\s|$)/;

/** The keys of the block mapping under the line `parent` (-1: the document), each with its line. */
function blockKeys(lines: readonly string[], parent: number): Map<string, number> {
  const indentOf = (line: string): number => line.length - line.trimStart().length;
  const parentIndent = parent < 0 ? -1 : indentOf(lines[parent]!);
  const keys = new Map<string, number>();
  let childIndent: number | undefined;
  for (let i = parent + 1; i < lines.length; i++) {
    const line = lines[i]!;
    if (/^\s*(#.*)?$/.test(line)) continue;
    const indent = indentOf(line);
    if (indent <= parentIndent || (parent < 0 && line.startsWith('---') && i > 0)) break;
    childIndent ??= indent;
    // deeper lines are nested values or the text of a block scalar
    if (indent !== childIndent) continue;
    const key = BLOCK_KEY.exec(line.slice(indent))?.[1];
    if (key && !keys.has(key)) keys.set(unquote(key), i);
  }
  return keys;
}

function unquote(value: string): string {
  return /^(['"]).*\1$/.test(value) ? value.slice(1, -1) : value;
}
