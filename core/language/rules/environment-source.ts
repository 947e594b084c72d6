import { childOf, keyText } from '../yaml/ast';
import type { RuleContext } from './context';

/** An environment is built from exactly one source: `image:` (optionally with `conda_file:`) or `build:`. */
export function checkEnvironmentSource(ctx: RuleContext): void {
  const root = ctx.doc.rootMap;
  if (!root || ctx.kind.asset !== 'environment') return;
  const image = root.pairs.find((p) => keyText(p) === 'image');
  const build = root.pairs.find((p) => keyText(p) === 'build');
  const name = root.pairs.find((p) => keyText(p) === 'name');
  if (image?.key && build?.key) {
    ctx.report({ start: build.key.start, end: build.key.end, severity: 'error', rule: 'environment-source', message: 'an environment has either `image:` or `build:`, not both' });
  } else if (!image && !build && childOf(root, 'name') !== null) {
    const anchor = name?.key ?? root.pairs[0]?.key;
    if (anchor) ctx.report({ start: anchor.start, end: anchor.end, severity: 'error', rule: 'environment-source', message: 'an environment needs `image:` (with an optional `conda_file:`) or `build:`' });
  }
}
