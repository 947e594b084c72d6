import path from 'node:path';

/** Where a workspace keeps its state: everything lives under `<workspace>/.mlw/`. */
export class WorkspaceLayout {
  readonly mlwDir: string;

  constructor(readonly root: string) {
    this.mlwDir = path.join(root, '.mlw');
  }

  get database(): string {
    return path.join(this.mlwDir, 'mlw.db');
  }
  get serveInfo(): string {
    return path.join(this.mlwDir, 'serve.json');
  }
  get serveLock(): string {
    return path.join(this.mlwDir, 'serve.lock');
  }
  /** The ports the daemon's listeners had, which the next daemon asks for again. */
  get listenerPorts(): string {
    return path.join(this.mlwDir, 'listener-ports.json');
  }
  get serveLog(): string {
    return path.join(this.mlwDir, 'serve.log');
  }
  /** The encrypted secrets store (datastore credentials); its key file, when there is no OS keyring, beside it. */
  get secrets(): string {
    return path.join(this.mlwDir, 'secrets.json');
  }
  get snapshots(): string {
    return path.join(this.mlwDir, 'snapshots');
  }
  /** Environments built for host-process jobs, one per content hash. */
  get hostEnvironments(): string {
    return path.join(this.mlwDir, 'envs');
  }
  runDir(job: string): string {
    // Job names are validated on submit; this keeps any other caller from leaving runs/.
    if (job === '' || job === '.' || job === '..' || /[/\\\0]/.test(job)) throw new Error(`job name ${JSON.stringify(job)} cannot be used as a folder name`);
    return path.join(this.mlwDir, 'runs', job);
  }
}

/** The files of one run, inside its run folder. */
export function runFiles(runDir: string): { logFile: string; systemLogFile: string; stateDir: string; codeDir: string } {
  return {
    logFile: path.join(runDir, 'user_logs', 'std_log.txt'),
    systemLogFile: path.join(runDir, 'system_logs', 'lifecycle.txt'),
    stateDir: path.join(runDir, 'state'),
    codeDir: path.join(runDir, 'code'),
  };
}
