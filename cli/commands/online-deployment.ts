import path from 'node:path';
import type { Command } from 'commander';
import { stringify } from 'yaml';
import type { ApiClient } from '../../core/api/client';
import type { OnlineDeploymentDetail } from '../../core/vocabulary';
import { collect, withClient, workspaceRoot, type WorkspaceOption } from '../connection';
import { nameOf, overridesOf, updateRequestOf, withNameArgument, withSpecEdits, type UpdateOptions } from '../options';

interface DeploymentOptions extends WorkspaceOption {
  file?: string;
  name?: string;
  endpointName?: string;
  allTraffic?: boolean;
  set?: string[];
  wait?: boolean;
  lines?: string;
  json?: boolean;
}

const workspaceOption = ['--workspace <folder>', 'workspace folder (default: nearest folder with .mlw or .git)'] as const;
const rootOf = (options: DeploymentOptions) => workspaceRoot(options, options.file ? path.dirname(path.resolve(options.file)) : process.cwd());
const POLL_MS = 500;

/** `mlw online-deployment …`, with `az ml online-deployment`'s commands and flags. */
export function registerOnlineDeployment(program: Command): void {
  const group = program.command('online-deployment').description('deploy models behind local online endpoints (scoring containers on Docker)');

  group.command('create').description('deploy a model with its scoring script and environment; waits until it serves')
    .requiredOption('-f, --file <file>', 'online deployment spec (YAML)').option('-n, --name <name>', "the deployment's name (overrides the spec's)")
    .option('-e, --endpoint-name <endpoint>', "the endpoint (overrides the spec's endpoint_name)").option('--all-traffic', 'give it 100 % of the endpoint\'s traffic once it serves')
    .option('--set <key=value>', 'override a spec field (repeatable)', collect).option('--no-wait', 'return while it is being provisioned').option(...workspaceOption)
    .action((options: DeploymentOptions) => withClient(rootOf(options), async (client) => {
      const set = overridesOf(options);
      const request = { path: path.resolve(options.file!), ...(set.length ? { set } : {}), ...(options.endpointName ? { endpoint_name: options.endpointName } : {}), ...(options.allTraffic ? { all_traffic: true } : {}) };
      return provisioned(client, 'creating', await client.onlineDeployments.create(request), options);
    }));

  withSpecEdits(group.command('update').description('roll the deployment to a changed spec (--file) or to its stored spec changed by --set, --add, --remove: new containers serve before the old stop')
    .option('-f, --file <file>', 'online deployment spec (YAML)').option('-n, --name <name>', "the deployment (with --file: overrides the spec's name)")
    .option('-e, --endpoint-name <endpoint>', "the endpoint (with --file: overrides the spec's endpoint_name)"))
    .option('--no-wait', 'return while it is being provisioned').option(...workspaceOption)
    .action((options: DeploymentOptions & UpdateOptions) => withClient(rootOf(options), async (client) => {
      const request = { ...updateRequestOf(options, options.name), ...(options.file ? {} : options.name ? { name: options.name } : {}), ...(options.endpointName ? { endpoint_name: options.endpointName } : {}) };
      return provisioned(client, 'updating', await client.onlineDeployments.update(request), options);
    }));

  withNameArgument(group.command('show').description('show a deployment'), 'deployment').requiredOption('-e, --endpoint-name <endpoint>', 'the endpoint').option('--json', 'print JSON').option(...workspaceOption)
    .action((positional: string | undefined, options: DeploymentOptions) => withClient(rootOf(options), async (client) => {
      const detail = await client.onlineDeployments.get(options.endpointName!, nameOf(positional, options.name, 'deployment'));
      process.stdout.write(options.json ? JSON.stringify(detail, null, 2) + '\n' : stringify(summary(detail)));
    }));

  group.command('list').description("list an endpoint's deployments").requiredOption('-e, --endpoint-name <endpoint>', 'the endpoint').option('--json', 'print JSON').option(...workspaceOption)
    .action((options: DeploymentOptions) => withClient(rootOf(options), async (client) => {
      const deployments = await client.onlineDeployments.list(options.endpointName!);
      if (options.json) return void process.stdout.write(JSON.stringify(deployments, null, 2) + '\n');
      for (const d of deployments) process.stdout.write(`${d.name}  ${d.provisioning_state}  ${d.health}  ${d.instances.length}/${d.instance_count} instances\n`);
    }));

  withNameArgument(group.command('delete').description('delete a deployment and its containers (it must take no traffic)'), 'deployment').requiredOption('-e, --endpoint-name <endpoint>', 'the endpoint').option('-y, --yes', 'do not ask (accepted for az ml compatibility)').option(...workspaceOption)
    .action((positional: string | undefined, options: DeploymentOptions) => withClient(rootOf(options), async (client) => {
      process.stdout.write(`deleted deployment ${(await client.onlineDeployments.delete(options.endpointName!, nameOf(positional, options.name, 'deployment'))).deleted}\n`);
    }));

  withNameArgument(group.command('get-logs').description("print the last lines of the deployment's container log"), 'deployment').requiredOption('-e, --endpoint-name <endpoint>', 'the endpoint').option('-l, --lines <count>', 'how many lines', '100').option(...workspaceOption)
    .action((positional: string | undefined, options: DeploymentOptions) => withClient(rootOf(options), async (client) => {
      const lines = Number(options.lines);
      if (!Number.isInteger(lines) || lines < 1) throw new Error(`--lines ${options.lines}: give a positive whole number`);
      process.stdout.write(await client.onlineDeployments.logs(options.endpointName!, nameOf(positional, options.name, 'deployment'), lines));
    }));
}

/** Says what started and, unless --no-wait, waits until it serves (exit 0) or failed (exit 1). */
async function provisioned(client: ApiClient, doing: string, started: OnlineDeploymentDetail, options: DeploymentOptions): Promise<number | undefined> {
  process.stdout.write(`${doing} deployment ${started.name} of endpoint ${started.endpoint_name}\n`);
  if (options.wait === false) return undefined;
  const done = await untilProvisioned(client, started.endpoint_name, started.name);
  process.stdout.write(stringify(summary(done)));
  return done.provisioning_state === 'Succeeded' ? 0 : 1;
}

async function untilProvisioned(client: ApiClient, endpoint: string, name: string): Promise<OnlineDeploymentDetail> {
  for (;;) {
    const detail = await client.onlineDeployments.get(endpoint, name);
    if (detail.provisioning_state !== 'Creating' && detail.provisioning_state !== 'Updating') return detail;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

function summary(detail: OnlineDeploymentDetail): Record<string, unknown> {
  const { spec: _spec, ...rest } = detail;
  return rest;
}
