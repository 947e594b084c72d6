import path from 'node:path';
import type { Report } from '../diagnostics';
import type { SpecDocument } from '../document';
import type { FileHost } from '../host';
import type { KindInfo } from '../kinds';
import type { WorkspaceIndex } from '../workspace-index';

/** Everything a semantic rule may look at, and where it reports. */
export interface RuleContext {
  doc: SpecDocument;
  kind: KindInfo;
  index: WorkspaceIndex;
  host: FileHost;
  report: Report;
  /** Parses another spec (a component a pipeline step uses), cached per file version. */
  load(file: string): SpecDocument | undefined;
}

export type Rule = (ctx: RuleContext) => void;

export function resolvePath(ctx: RuleContext, relative: string): string {
  return path.resolve(path.dirname(ctx.doc.path), relative);
}
