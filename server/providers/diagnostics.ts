import { DiagnosticSeverity, type Diagnostic } from 'vscode-languageserver';
import type { Severity } from '../../core/language';
import { rangeOf, type DocumentContext } from '../service/context';
import { YAML_SYNTAX_RULES } from '../service/settings';

export const DIAGNOSTIC_SOURCE = 'mlw';

const SEVERITY: Record<Severity, DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  information: DiagnosticSeverity.Information,
};

/** Schema, semantic rules and lints from core/language, as LSP diagnostics with the rule id as code and the fix data kept. */
export function provideDiagnostics(ctx: DocumentContext): Diagnostic[] {
  const leaveSyntax = ctx.settings.leaveToYamlExtension.has('syntax');
  const out: Diagnostic[] = [];
  for (const d of ctx.validator.validate(ctx.doc)) {
    if (leaveSyntax && YAML_SYNTAX_RULES.has(d.rule)) continue;
    out.push({ range: rangeOf(ctx.doc, d.start, d.end), severity: SEVERITY[d.severity], code: d.rule, source: DIAGNOSTIC_SOURCE, message: d.message, ...(d.data ? { data: d.data } : {}) });
  }
  return out;
}
