import { detectKind, kindInfo, type Detection, type KindInfo, type TopLevelFacts } from './kinds';
import { isMap, keyText, toJS, AliasExpansionError, type YamlMap, type YamlNode } from './yaml/ast';
import { parseYaml, type ParsedYaml } from './yaml/parse';
import type { Position } from './yaml/line-index';

/** Specs are small; anything beyond this is refused with one clear error instead of being parsed. */
export const MAX_SPEC_BYTES = 4 * 1024 * 1024;

/**
 * One YAML file, parsed once per version and shared by every rule and language feature:
 * its tree with exact offsets, the kind it was recognised as, and its plain value.
 */
export class SpecDocument {
  readonly yaml: ParsedYaml;
  readonly root: YamlNode | null;
  readonly detection: Detection;
  readonly tooLarge: boolean;
  private cachedValue: { value: unknown; error?: string } | undefined;

  private constructor(
    /** Absolute file path (the language server maps URIs to paths). */
    readonly path: string,
    readonly text: string,
    previous?: SpecDocument,
  ) {
    this.tooLarge = text.length > MAX_SPEC_BYTES;
    this.yaml = this.tooLarge ? parseYaml('') : parseYaml(text, previous?.yaml);
    this.root = this.yaml.documents[0]?.root ?? null;
    this.detection = this.tooLarge ? null : detectKind(topLevelFacts(this.root), text);
  }

  /** Parses `text`; pass the previous version of the same file to reuse its unchanged parts (it must not be used afterwards). */
  static parse(path: string, text: string, previous?: SpecDocument): SpecDocument {
    return new SpecDocument(path, text, previous);
  }

  get kind(): KindInfo | undefined {
    return this.detection && 'kind' in this.detection ? kindInfo(this.detection.kind) : undefined;
  }

  get rootMap(): YamlMap | undefined {
    return isMap(this.root) ? this.root : undefined;
  }

  /** The document as plain data (aliases and merges resolved); undefined if alias expansion explodes. */
  get value(): unknown {
    this.cachedValue ??= computeValue(this.root);
    return this.cachedValue.value;
  }

  get valueError(): string | undefined {
    this.cachedValue ??= computeValue(this.root);
    return this.cachedValue.error;
  }

  /** The value typed as the spec it was recognised as (callers check `kind` first). */
  spec<T>(): T {
    return this.value as T;
  }

  position(offset: number): Position {
    return this.yaml.lines.position(offset);
  }

  offset(position: Position): number {
    return this.yaml.lines.offset(position);
  }
}

function computeValue(root: YamlNode | null): { value: unknown; error?: string } {
  try {
    return { value: toJS(root) };
  } catch (e) {
    if (e instanceof AliasExpansionError) return { value: undefined, error: e.message };
    throw e;
  }
}

export function topLevelFacts(root: YamlNode | null): TopLevelFacts {
  const facts = new Map<string, string | true>();
  if (!isMap(root)) return facts;
  for (const pair of root.pairs) {
    const key = keyText(pair);
    if (key === undefined) continue;
    const value = pair.value;
    facts.set(key, value?.type === 'scalar' && value.value !== null ? String(value.value) : true);
  }
  return facts;
}
