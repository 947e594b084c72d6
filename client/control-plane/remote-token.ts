/** The secret-storage key of a remote control plane's token (one per URL). */
export function remoteTokenKey(url: string): string {
  return `mlw.controlPlane.token:${new URL(url).origin}`;
}
