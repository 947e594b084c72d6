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

/** The line of the top-level `key:` (for the compute picker), or -1. */
export function topLevelKeyLine(text: string, key: string): number {
  return text.split(/\r?\n/).findIndex((line) => line.startsWith(`${key}:`));
}

function unquote(value: string): string {
  return /^(['"]).*\1$/.test(value) ? value.slice(1, -1) : value;
}
