/**
 * Tree content as plain data: the models build these from control-plane answers (pure, unit-tested), and
 * `ResourceTreeProvider` turns them into `vscode.TreeItem`s.
 */
export interface TreeIcon {
  /** A codicon id, e.g. `pass` or `sync~spin`. */
  id: string;
  /** A theme color id, e.g. `testing.iconPassed`. */
  color?: string;
}

/** What a node stands for; commands run on a node read it from here. */
export type NodeResource =
  | { type: 'job'; job: string; status: string; specPath?: string; /** Set for jobs with child jobs: `pipeline` or `sweep`. */ jobType?: string }
  | { type: 'experiment'; experiment: string }
  | { type: 'asset'; kind: string; name: string; version: string; sourcePath?: string; archived: boolean }
  | { type: 'queue-entry'; compute: string; job: string }
  | { type: 'compute-node'; compute: string; node: string }
  | { type: 'spec-file'; path: string }
  | { type: 'error' }
  | { type: 'info' };

export interface TreeNode {
  /** Stable across refreshes, so expansion and selection survive them. */
  id: string;
  label: string;
  description?: string;
  tooltip?: string;
  icon?: TreeIcon;
  /** Menus match it with regular expressions, e.g. `job;status=Running;active`. */
  contextValue?: string;
  resource: NodeResource;
  children?: TreeNode[];
  /** Children are loaded when the node is expanded (the view's child loader), and again when they change. */
  lazyChildren?: boolean;
  /** With children: shown expanded the first time. */
  expanded?: boolean;
  /** Runs on click. */
  command?: { command: string; title: string; arguments?: unknown[] };
}

/** The node shown instead of content when the control plane cannot be reached; its inline action retries. */
export function errorNode(message: string): TreeNode {
  return {
    id: 'error',
    label: 'Cannot reach the control plane',
    description: message,
    tooltip: `${message}\nClick to retry.`,
    icon: { id: 'warning', color: 'problemsWarningIcon.foreground' },
    contextValue: 'error',
    resource: { type: 'error' },
    command: { command: 'mlw.controlPlane.reconnect', title: 'Retry' },
  };
}

export function infoNode(id: string, label: string, description?: string): TreeNode {
  return { id, label, ...(description ? { description } : {}), icon: { id: 'info' }, contextValue: 'info', resource: { type: 'info' } };
}

/** Views of an untrusted workspace contact nothing; they show their welcome text instead. */
export class UntrustedWorkspaceError extends Error {
  constructor() {
    super('the workspace is not trusted');
  }
}
