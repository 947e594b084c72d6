import path from 'node:path';
import type { SpecRequest, StoredSpecEdits } from '../api/contracts';
import type { DatastoreResolver } from '../data/datastores';
import type { AssetResolver } from '../engine/resolve';
import { hasStoredSpecEdits, loadEditedSpec, refuseStoredEditsWithFile } from '../engine/spec-edits';
import { refuseInvalidName, type LoadedSpec, type SpecLoader } from '../engine/spec-loader';
import type { EnvironmentBuilder } from '../env/builder';
import { BadRequest, Conflict, NotFound, SpecRejected, Unsupported } from '../errors';
import type { SecretsStore } from '../secrets/store';
import type { Store } from '../store/database';
import type { EndpointAuthMode, EndpointCredentials, OnlineDeploymentDetail, OnlineEndpointDetail } from '../vocabulary';
import { DeploymentContainers, ProvisioningError, upstreamOf, type DeploymentContainersOptions } from './containers';
import { planDeployment, withModelFetched, type DeploymentPlan } from './deployment-plan';
import { EndpointKeys } from './keys';
import { DeploymentMonitor } from './monitor';
import { deploymentDetail, endpointDetail, EndpointRecords, type DeploymentRow, type EndpointChange, type EndpointRow } from './records';
import { EndpointRouter, type EndpointRoutes, type ScoringListen } from './router';
import { checkTraffic } from './traffic';

export interface OnlineEndpointsOptions {
  root: string;
  store: Store;
  secrets: SecretsStore;
  loader: SpecLoader;
  resolver: AssetResolver;
  datastores: DatastoreResolver;
  snapshots: string;
  environments: () => Pick<EnvironmentBuilder, 'ensure'>;
  containers: Omit<DeploymentContainersOptions, 'workspace'>;
  /** How often serving containers are checked for crashes and restarts; default 1 s. */
  monitorIntervalMs?: number;
  /** A local image with mlflow installed, for no-code deployments of MLflow models. */
  mlflowImage?: string;
  /** Told of every stored change (the daemon publishes it on the workspace event stream). */
  onChange?: (change: EndpointChange) => void;
  /** Where endpoints listen; default plain HTTP on loopback. */
  scoring?: ScoringListen;
}

/** `PATCH`: a new spec (a file, or edits of the stored one), a new traffic split, or both. */
export interface EndpointRequest extends Partial<SpecRequest>, StoredSpecEdits {
  traffic?: Record<string, number>;
  mirror_traffic?: Record<string, number>;
}

/** A spec file (`path`), or, to update, the deployment (`name`, `endpoint_name`) and edits of its stored spec. */
export interface DeploymentRequest extends Partial<SpecRequest>, StoredSpecEdits {
  /** The deployment an update without `path` changes; with `path`, the spec must name it. */
  name?: string;
  endpoint_name?: string;
  /** Give the deployment 100 % of the endpoint's traffic once it serves. */
  all_traffic?: boolean;
}

const now = () => new Date().toISOString();

/** Managed online endpoints served locally: records, keys, scoring containers and the router in front of them. */
export class OnlineEndpoints {
  private readonly records: EndpointRecords;
  private readonly keys: EndpointKeys;
  private readonly containers: DeploymentContainers;
  private readonly router: EndpointRouter;
  private readonly provisioning = new Set<Promise<void>>();
  private readonly monitor: DeploymentMonitor;
  private readonly stopping = new AbortController();
  private monitorTimer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(private readonly options: OnlineEndpointsOptions) {
    this.records = new EndpointRecords(options.store, options.onChange);
    this.router = new EndpointRouter(options.scoring);
    this.keys = new EndpointKeys(options.secrets);
    this.containers = new DeploymentContainers({ ...options.containers, workspace: options.root });
    this.monitor = new DeploymentMonitor(this.records, this.containers, (endpoint) => this.refreshRoutes(endpoint), () => this.closed);
  }

  /** Opens every endpoint's listener again and takes back (or starts again) the containers a previous daemon left. */
  async start(): Promise<void> {
    for (const endpoint of this.records.endpoints()) await this.listen(endpoint);
    // Each deployment's containers are looked at before the daemon answers, so no state it shows is stale; what
    // must be provisioned again is, in the background.
    for (const row of this.records.deployments()) {
      const again = await this.recover(row).catch((error: Error) => void process.emitWarning(`online endpoints: ${error.message}`));
      if (again) this.track(this.provision(again, false));
    }
    this.monitorTimer = setInterval(() => void this.monitor.check(), this.options.monitorIntervalMs ?? 1000);
    this.monitorTimer.unref();
  }

  /** Stops serving; containers keep running for the next daemon, which provisions again what was being provisioned. */
  async close(): Promise<void> {
    this.closed = true;
    this.stopping.abort();
    clearInterval(this.monitorTimer);
    await Promise.allSettled([...this.provisioning]);
    await this.router.closeAll();
  }

  /** Whether any endpoint is served: the daemon then does not stop when idle. */
  get serving(): boolean {
    return this.records.endpoints().length > 0;
  }

  listEndpoints(): OnlineEndpointDetail[] {
    return this.records.endpoints().map((row) => this.endpointDetail(row));
  }

  endpoint(name: string): OnlineEndpointDetail {
    return this.endpointDetail(this.requireEndpoint(name));
  }

  async saveEndpoint(request: EndpointRequest, mode: 'create' | 'update', name?: string): Promise<OnlineEndpointDetail> {
    if (request.path) refuseStoredEditsWithFile(request);
    const spec = request.path ? this.loadSpec(request, 'endpoint/online', 'online endpoint') : mode === 'update' ? this.editedEndpoint(request, name!) : undefined;
    const endpointName = spec ? String(spec.value.name ?? '') : name!;
    if (spec) refuseInvalidName(spec, endpointName, this.relative(spec.path));
    if (name !== undefined && endpointName !== name) throw new SpecRejected(`name is immutable: the spec names online endpoint ${endpointName}, not ${name}`);
    const existing = this.records.endpoint(endpointName);
    if (mode === 'create' && existing) throw new Conflict(`online endpoint ${endpointName} exists; change it with mlw online-endpoint update`);
    if (mode === 'update' && !existing) throw new NotFound(`no online endpoint named ${endpointName}`);
    const value = spec?.value ?? existing!.spec;
    const authMode = String(value.auth_mode ?? 'key').toLowerCase();
    if (authMode !== 'key' && authMode !== 'aml_token') throw new Unsupported(`endpoint ${endpointName}: auth_mode ${authMode} needs Microsoft Entra ID; use key or aml_token locally`);
    const deployments = this.records.deployments(endpointName).map((d) => d.name);
    // The live split stays unless the request or a new spec gives one; a stored spec, edited from the live split, gives it all.
    const kept = spec && !request.path ? { traffic: {}, mirror: {} } : { traffic: existing?.traffic ?? {}, mirror: existing?.mirrorTraffic ?? {} };
    const given = (field: string) => spec?.value[field] as Record<string, unknown> | undefined;
    const split = checkTraffic(endpointName, request.traffic ?? given('traffic') ?? kept.traffic, request.mirror_traffic ?? given('mirror_traffic') ?? kept.mirror, deployments);
    const row: EndpointRow = { name: endpointName, spec: value, ...(spec ? { specPath: spec.path } : existing?.specPath ? { specPath: existing.specPath } : {}), authMode: authMode as EndpointAuthMode, port: existing?.port ?? 0, traffic: split.traffic, mirrorTraffic: split.mirror, state: 'Succeeded', createdAt: existing?.createdAt ?? now(), updatedAt: now() };
    this.keys.ensure(endpointName, row.authMode);
    this.records.saveEndpoint(row);
    await this.listen(row);
    return this.endpoint(endpointName);
  }

  /** An update without a file: the stored spec, with the live traffic, edited by `remove`, `set` and `add`; none is only a traffic change. */
  private editedEndpoint(request: EndpointRequest, name: string): LoadedSpec | undefined {
    if (!hasStoredSpecEdits(request)) {
      if (request.traffic === undefined && request.mirror_traffic === undefined) throw new BadRequest('nothing to update: give --file, --traffic, --mirror-traffic, --set, --add or --remove');
      return undefined;
    }
    const row = this.requireEndpoint(name);
    const { traffic: _traffic, mirror_traffic: _mirror, ...spec } = row.spec;
    const live = { ...spec, ...(Object.keys(row.traffic).length ? { traffic: row.traffic } : {}), ...(Object.keys(row.mirrorTraffic).length ? { mirror_traffic: row.mirrorTraffic } : {}) };
    return loadEditedSpec(live, request, (text) => this.loadSpec({ path: row.specPath ?? path.join(this.options.root, `${name}.yml`), text }, 'endpoint/online', 'online endpoint'));
  }

  async deleteEndpoint(name: string): Promise<{ deleted: string }> {
    const row = this.requireEndpoint(name);
    this.records.saveEndpoint({ ...row, state: 'Deleting', updatedAt: now() });
    await this.router.close(name);
    await this.containers.remove(await this.containers.ofDeployment(name));
    this.keys.forget(name);
    this.records.deleteEndpoint(name);
    return { deleted: name };
  }

  credentials(name: string): EndpointCredentials {
    const row = this.requireEndpoint(name);
    return this.keys.credentials(name, row.authMode);
  }

  regenerateKey(name: string, keyType: 'primary' | 'secondary'): EndpointCredentials {
    const row = this.requireEndpoint(name);
    if (row.authMode !== 'key') throw new SpecRejected(`endpoint ${name} uses auth_mode ${row.authMode}; only key endpoints have keys to regenerate`);
    this.keys.regenerate(name, keyType);
    return this.keys.credentials(name, row.authMode);
  }

  deployments(endpoint: string): OnlineDeploymentDetail[] {
    this.requireEndpoint(endpoint);
    return this.records.deployments(endpoint).map(deploymentDetail);
  }

  deployment(endpoint: string, name: string): OnlineDeploymentDetail {
    return deploymentDetail(this.requireDeployment(endpoint, name));
  }

  /** Records the deployment (Creating or Updating) and provisions it in the background; the answer comes at once. */
  async saveDeployment(request: DeploymentRequest, mode: 'create' | 'update'): Promise<OnlineDeploymentDetail> {
    if (request.path) refuseStoredEditsWithFile(request);
    const spec = request.path ? this.loadSpec(request, 'deployment/online', 'online deployment') : this.editedDeployment(request, mode);
    const name = String(spec.value.name ?? '');
    refuseInvalidName(spec, name, this.relative(spec.path));
    if (request.name !== undefined && name !== request.name) throw new SpecRejected(`name is immutable: the spec names online deployment ${name}, not ${request.name}`);
    const named = typeof spec.value.endpoint_name === 'string' ? spec.value.endpoint_name : undefined;
    if (!request.path && named !== undefined && named !== request.endpoint_name) throw new SpecRejected(`endpoint_name is immutable: deployment ${name} belongs to online endpoint ${request.endpoint_name}, not ${named}`);
    const endpointName = request.endpoint_name ?? named;
    if (!endpointName) throw new SpecRejected(`deployment ${name}: which endpoint? give --endpoint-name or endpoint_name in ${this.relative(spec.path)}`);
    const endpoint = this.records.endpoint(endpointName);
    if (!endpoint) throw new NotFound(`no online endpoint named ${endpointName}; create it first with mlw online-endpoint create -f <endpoint.yml>`);
    const existing = this.records.deployment(endpointName, name);
    if (mode === 'create' && existing) throw new Conflict(`deployment ${name} of endpoint ${endpointName} exists; change it with mlw online-deployment update`);
    if (mode === 'update' && !existing) throw new NotFound(`endpoint ${endpointName} has no deployment named ${name}`);
    const [before, after] = [existing?.spec.type ?? 'managed', spec.value.type ?? 'managed'];
    if (existing && before !== after) throw new SpecRejected(`type is immutable: deployment ${name} is a ${String(before)} deployment; create a new deployment for a ${String(after)} one`);
    if (existing && (existing.state === 'Creating' || existing.state === 'Updating')) throw new Conflict(`deployment ${name} is ${existing.state}; wait until it is done`);
    const plan = await planDeployment(spec.value, path.dirname(spec.path), { resolver: this.options.resolver, datastores: this.options.datastores, snapshots: this.options.snapshots, insideWorkspace: (file) => this.options.loader.insideWorkspace(file), ...(this.options.mlflowImage ? { mlflowImage: this.options.mlflowImage } : {}) });
    const { reason: _reason, ...kept } = existing ?? ({} as Partial<DeploymentRow>);
    const row: DeploymentRow = { ...kept, endpoint: endpointName, name, spec: { ...spec.value, endpoint_name: endpointName }, specPath: spec.path, plan, state: existing ? 'Updating' : 'Creating', health: existing?.health ?? 'Unknown', generation: (existing?.generation ?? 0) + 1, instances: existing?.instances ?? [], createdAt: existing?.createdAt ?? now(), updatedAt: now() };
    this.records.saveDeployment(row);
    this.track(this.provision(row, request.all_traffic === true));
    return deploymentDetail(row);
  }

  /** An update without a file: the stored spec of the deployment named in the request, edited by `remove`, `set` and `add`. */
  private editedDeployment(request: DeploymentRequest, mode: 'create' | 'update'): LoadedSpec {
    if (mode === 'create') throw new BadRequest('give the deployment\'s spec file (path)');
    if (!request.name || !request.endpoint_name) throw new BadRequest('which deployment? give its spec file (--file), or its name and endpoint (--name, --endpoint-name)');
    const row = this.requireDeployment(request.endpoint_name, request.name);
    if (!hasStoredSpecEdits(request)) throw new BadRequest('nothing to update: give --file, --set, --add or --remove');
    return loadEditedSpec(row.spec, request, (text) => this.loadSpec({ path: row.specPath ?? path.join(this.options.root, `${row.name}.yml`), text }, 'deployment/online', 'online deployment'));
  }

  async deleteDeployment(endpoint: string, name: string): Promise<{ deleted: string }> {
    const row = this.requireDeployment(endpoint, name);
    const endpointRow = this.requireEndpoint(endpoint);
    if ((endpointRow.traffic[name] ?? 0) > 0) throw new Conflict(`deployment ${name} takes ${endpointRow.traffic[name]} % of endpoint ${endpoint}'s traffic; set it to 0 first (mlw online-endpoint update -n ${endpoint} --traffic "…")`);
    this.records.saveDeployment({ ...row, state: 'Deleting', updatedAt: now() });
    const { [name]: _mirrored, ...mirrorTraffic } = endpointRow.mirrorTraffic;
    const { [name]: _live, ...traffic } = endpointRow.traffic;
    this.records.saveEndpoint({ ...endpointRow, traffic, mirrorTraffic, updatedAt: now() });
    this.records.deleteDeployment(endpoint, name);
    this.refreshRoutes(endpoint);
    await this.containers.remove(await this.containers.ofDeployment(endpoint, name));
    return { deleted: name };
  }

  /** The last `lines` log lines of the deployment's first container, or why it has none. */
  async logs(endpoint: string, name: string, lines = 100): Promise<string> {
    const row = this.requireDeployment(endpoint, name);
    const first = row.instances[0];
    if (!first) return row.reason ? `${row.reason}\n` : `deployment ${name} has no running container (${row.state})\n`;
    return this.containers.logs(first.container, lines);
  }

  private async provision(stored: DeploymentRow, allTraffic: boolean): Promise<void> {
    const previous = stored.instances;
    let row = stored;
    try {
      row = { ...stored, plan: await withModelFetched(stored.plan, this.options.datastores, this.options.root) };
    } catch (error) {
      return this.fail(stored, (error as Error).message);
    }
    let image: string;
    try {
      image = (await this.options.environments().ensure(row.plan.environment, { signal: this.stopping.signal })).image;
    } catch (error) {
      return this.fail(row, `environment: ${(error as Error).message}`);
    }
    if (this.closed) return;
    let instances;
    try {
      instances = await this.containers.startAll(row.endpoint, row.name, row.generation, row.plan, image, this.stopping.signal);
    } catch (error) {
      return this.fail(row, error instanceof ProvisioningError ? error.message : `deployment ${row.name}: ${(error as Error).message}`);
    }
    if (this.closed || !this.records.deployment(row.endpoint, row.name)) return void (await this.containers.remove(instances.map((i) => i.container)));
    const { reason: _reason, ...rest } = row;
    this.records.saveDeployment({ ...rest, image, instances, state: 'Succeeded', health: 'Healthy', updatedAt: now() });
    if (allTraffic) {
      const endpoint = this.records.endpoint(row.endpoint)!;
      this.records.saveEndpoint({ ...endpoint, traffic: { ...Object.fromEntries(Object.keys(endpoint.traffic).map((d) => [d, 0])), [row.name]: 100 }, mirrorTraffic: { ...endpoint.mirrorTraffic, [row.name]: 0 }, updatedAt: now() });
    }
    // New containers serve before the old ones stop: a rolling update.
    this.refreshRoutes(row.endpoint);
    await this.containers.remove(previous.map((instance) => instance.container));
  }

  /** Failed, with why; an update that failed leaves the previous containers serving. */
  private fail(row: DeploymentRow, reason: string): void {
    if (this.closed || !this.records.deployment(row.endpoint, row.name)) return;
    this.records.saveDeployment({ ...row, state: 'Failed', reason, updatedAt: now() });
  }

  /** Takes back a deployment a previous daemon left; answers the row to provision again, if any. */
  private async recover(row: DeploymentRow): Promise<DeploymentRow | undefined> {
    if (row.state === 'Deleting') {
      await this.containers.remove(await this.containers.ofDeployment(row.endpoint, row.name));
      this.records.deleteDeployment(row.endpoint, row.name);
      return undefined;
    }
    const found = await this.containers.find(row.endpoint, row.name, row.generation);
    const states = await Promise.all(found.map((id) => this.containers.state(id)));
    if (row.state === 'Succeeded' && found.length === row.plan.instanceCount && states.every((s) => s?.running && s.port)) {
      this.records.saveDeployment({ ...row, instances: await Promise.all(found.map((container, i) => this.containers.located(container, states[i], states[i]!.port!))), updatedAt: now() });
      this.refreshRoutes(row.endpoint);
      return undefined;
    }
    if (row.state === 'Failed') return undefined;
    // Interrupted while provisioning, or its containers are gone: provisioned again from the stored plan.
    await this.containers.remove(found);
    const restarted: DeploymentRow = { ...row, state: row.instances.length ? 'Updating' : 'Creating', instances: row.instances.filter((i) => !found.includes(i.container)) };
    this.records.saveDeployment(restarted);
    return restarted;
  }

  private async listen(row: EndpointRow): Promise<void> {
    const port = await this.router.open(row.name, row.port, this.routesOf(row));
    if (port !== row.port) this.records.saveEndpoint({ ...row, port });
    this.refreshRoutes(row.name);
  }

  private refreshRoutes(endpoint: string): void {
    const row = this.records.endpoint(endpoint);
    if (row) this.router.update(endpoint, this.routesOf(row));
  }

  private routesOf(row: EndpointRow): EndpointRoutes {
    const serving = this.records.deployments(row.name).filter((d) => d.instances.length > 0 && d.state !== 'Deleting');
    return {
      authorize: (credential) => credential !== undefined && this.keys.authorizes(row.name, row.authMode, credential),
      traffic: row.traffic,
      mirrorTraffic: row.mirrorTraffic,
      deployments: new Map(serving.map((d) => [d.name, { upstreams: d.instances.map(upstreamOf), timeoutMs: d.plan.request.timeoutMs }])),
    };
  }

  private endpointDetail(row: EndpointRow): OnlineEndpointDetail {
    return endpointDetail(row, this.records.deployments(row.name).map((d) => d.name), this.router.scoringUri(row.port));
  }

  private loadSpec(request: Partial<SpecRequest>, kind: string, title: string): LoadedSpec {
    const spec = this.options.loader.load(request.path!, request.text, request.set);
    if (spec.kind !== kind) throw new SpecRejected(`${this.relative(spec.path)} is not an ${title} spec`);
    return spec;
  }

  private track(work: Promise<void>): void {
    const tracked = work.catch((error: unknown) => process.emitWarning(`online endpoints: ${(error as Error).message}`)).finally(() => this.provisioning.delete(tracked));
    this.provisioning.add(tracked);
  }

  private requireEndpoint(name: string): EndpointRow {
    const row = this.records.endpoint(name);
    if (!row) throw new NotFound(`no online endpoint named ${name}`);
    return row;
  }

  private requireDeployment(endpoint: string, name: string): DeploymentRow {
    this.requireEndpoint(endpoint);
    const row = this.records.deployment(endpoint, name);
    if (!row) throw new NotFound(`endpoint ${endpoint} has no deployment named ${name}`);
    return row;
  }

  private relative(file: string): string {
    return path.relative(this.options.root, file);
  }
}

export type { DeploymentPlan };
