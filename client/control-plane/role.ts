import { allows, type CallerRole } from '../../core/auth/roles';
import { permissionOf, requirementOf } from '../../core/auth/route-table';
import type { SpecKind } from '../editor/spec-kind';

/**
 * Whether the editor offers a spec's action (Submit, Create) to a role, by the control plane's own route table. With
 * the role not known yet (not connected) it does: the control plane decides when the action is run.
 */
export function roleAllowsSpec(role: CallerRole | undefined, spec: SpecKind): boolean {
  if (role === undefined || spec.action === 'validate-only') return true;
  if (role === 'run') return false;
  const permission = spec.action === 'submit' ? permissionOf('POST', '/api/jobs') : permissionOf('POST', '/api/assets/:kind');
  return permission !== undefined && allows(role, requirementOf(permission, { kind: spec.assetKind }).need);
}

/** Whether the role may invoke an online endpoint: reading its keys is what it takes. */
export function roleAllowsInvoke(role: CallerRole | undefined): boolean {
  if (role === undefined) return true;
  if (role === 'run') return false;
  const permission = permissionOf('GET', '/api/online-endpoints/:name/credentials');
  return permission !== undefined && allows(role, requirementOf(permission, {}).need);
}
