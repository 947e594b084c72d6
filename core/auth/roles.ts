/**
 * Who may do what on a workspace's API. A token carries one role: `owner` (the token in `.mlw/serve.json`, and named
 * owner tokens) manages everything, a `data-scientist` uses the workspace (jobs, assets, tracking) but never changes
 * compute, datastores or tokens, a `reader` only reads; a job's `run` token reaches the tracking API for its own run.
 */
export const ROLES = ['owner', 'data-scientist', 'reader'] as const;
export type Role = (typeof ROLES)[number];
export type CallerRole = Role | 'run';

/** What a route needs: reading, using the workspace (a data scientist's rights), or administering it. */
export type Need = 'read' | 'use' | 'administer';

export interface Requirement {
  need: Need;
  /** What the call does, as a refusal names it: `create compute`, `submit jobs`. */
  action: string;
}

const RANK: Record<Role, number> = { reader: 0, 'data-scientist': 1, owner: 2 };
const NEEDED: Record<Need, number> = { read: 0, use: 1, administer: 2 };

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

export function allows(role: Role, need: Need): boolean {
  return RANK[role] >= NEEDED[need];
}

const PLURAL: Record<CallerRole, string> = { owner: 'owners', 'data-scientist': 'data scientists', reader: 'readers', run: 'run tokens' };

/** The refusal a caller gets: "data scientists cannot create compute; ask an administrator". */
export function refusal(role: CallerRole, action: string): string {
  return `${PLURAL[role]} cannot ${action}; ask an administrator`;
}
