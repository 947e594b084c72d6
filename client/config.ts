import * as vscode from 'vscode';

export type YamlFeature = 'syntax' | 'folding';

/** The YAML extension whose overlapping features mlw can leave to it (server/README.md, "Coexistence"). */
export const YAML_EXTENSION_ID = 'redhat.vscode-yaml';

/** Every `mlw.*` setting, typed, read on each access (so changes apply without a reload). */
export class Config {
  static readonly section = 'mlw';

  private get settings(): vscode.WorkspaceConfiguration {
    return vscode.workspace.getConfiguration(Config.section);
  }

  /** A remote `mlw serve`; undefined means the workspace folder's own. */
  get remoteUrl(): string | undefined {
    const url = this.settings.get<string>('controlPlane.url', '').trim();
    return url === '' ? undefined : url;
  }

  /** The SHA-256 fingerprint of the remote's TLS certificate, which the connection pins. */
  get remoteFingerprint(): string | undefined {
    const fingerprint = this.settings.get<string>('controlPlane.fingerprint', '').trim();
    return fingerprint === '' ? undefined : fingerprint;
  }

  get autoStart(): boolean {
    return this.settings.get<boolean>('controlPlane.autoStart', true);
  }

  /** `null` in the settings means: decide from whether the YAML extension is installed. */
  get leaveToYamlExtension(): YamlFeature[] {
    const value = this.settings.get<YamlFeature[] | null>('yaml.leaveToYamlExtension', null);
    if (Array.isArray(value)) return value.filter((feature) => feature === 'syntax' || feature === 'folding');
    return vscode.extensions.getExtension(YAML_EXTENSION_ID) ? ['syntax', 'folding'] : [];
  }

  get showOutputOnSubmit(): boolean {
    return this.settings.get<boolean>('jobs.showOutputOnSubmit', true);
  }

  get notifyOnCompletion(): boolean {
    return this.settings.get<boolean>('jobs.notifyOnCompletion', true);
  }

  get refreshDelayMs(): number {
    return Math.min(5000, Math.max(0, this.settings.get<number>('views.refreshDelayMs', 250)));
  }

  /** Fires with the changed setting keys (without the `mlw.` prefix) that matter to a listener. */
  onDidChange(keys: readonly string[], listener: () => void): vscode.Disposable {
    return vscode.workspace.onDidChangeConfiguration((event) => {
      if (keys.some((key) => event.affectsConfiguration(`${Config.section}.${key}`))) listener();
    });
  }
}
