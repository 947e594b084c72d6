/** Features another extension (Red Hat YAML) already provides for every YAML file; see server/README.md. */
export type YamlExtensionFeature = 'syntax' | 'folding';

export interface Settings {
  leaveToYamlExtension: ReadonlySet<YamlExtensionFeature>;
}

export const DEFAULT_SETTINGS: Settings = { leaveToYamlExtension: new Set() };

/** Rule ids of plain YAML syntax problems, which Red Hat YAML reports too. */
export const YAML_SYNTAX_RULES: ReadonlySet<string> = new Set(['yaml-syntax', 'duplicate-key', 'yaml-tab']);

/**
 * Reads `mlw.yaml.leaveToYamlExtension` from initialization options or client settings
 * (`{ mlw: { yaml: { leaveToYamlExtension: ['syntax', 'folding'] } } }`, or the same without the `mlw` level).
 */
export function readSettings(raw: unknown, fallback: Settings = DEFAULT_SETTINGS): Settings {
  const record = (v: unknown): Record<string, unknown> | undefined => (v && typeof v === 'object' ? (v as Record<string, unknown>) : undefined);
  const top = record(raw);
  const yaml = record(record(top?.['mlw'])?.['yaml']) ?? record(top?.['yaml']);
  const list = yaml?.['leaveToYamlExtension'];
  if (!Array.isArray(list)) return fallback;
  const features = list.filter((f): f is YamlExtensionFeature => f === 'syntax' || f === 'folding');
  return { leaveToYamlExtension: new Set(features) };
}
