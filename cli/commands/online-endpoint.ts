import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { stringify } from 'yaml';
import { invokeEndpoint } from '../../core/endpoints/invoke';
import { parseTrafficArgument } from '../../core/endpoints/traffic';
import type { OnlineEndpointDetail } from '../../core/vocabulary';
import { collect, withClient, workspaceRoot, type WorkspaceOption } from '../connection';
import { nameOf, overridesOf, updateRequestOf, withNameArgument, withSpecEdits, type UpdateOptions } from '../options';

interface EndpointOptions extends WorkspaceOption {
  file?: string;
  name?: string;
  set?: string[];
  traffic?: string;
  mirrorTraffic?: string;
  keyType?: string;
  requestFile?: string;
  deploymentName?: string;
  json?: boolean;
}

const workspaceOption = ['--workspace <folder>', 'workspace folder (default: nearest folder with .mlw or .git)'] as const;
const rootOf = (options: EndpointOptions) => workspaceRoot(options, options.file ? path.dirname(path.resolve(options.file)) : process.cwd());

/** `mlw online-endpoint …`, with `az ml online-endpoint`'s commands and flags. */
export function registerOnlineEndpoint(program: Command): void {
  const group = program.command('online-endpoint').description('serve models behind local online endpoints (Azure ML managed online endpoints)');

  group.command('create').description('create an online endpoint from its spec; it listens on a loopback address of its own')
    .requiredOption('-f, --file <file>', 'online endpoint spec (YAML)').option('-n, --name <name>', "the endpoint's name (overrides the spec's)")
    .option('--set <key=value>', 'override a spec field (repeatable)', collect).option(...workspaceOption)
    .action((options: EndpointOptions) => withClient(rootOf(options), async (client) => {
      const set = overridesOf(options);
      printEndpoint(await client.onlineEndpoints.create({ path: path.resolve(options.file!), ...(set.length ? { set } : {}) }), options);
    }));

  withSpecEdits(withNameArgument(group.command('update').description('change an endpoint: a new spec, fields of the stored one (--set, --add, --remove), or its traffic (--traffic "blue=90 green=10")'), 'endpoint')
    .option('-f, --file <file>', 'online endpoint spec (YAML)').option('--traffic <split>', 'live traffic per deployment, e.g. "blue=90 green=10" (sums to 100)')
    .option('--mirror-traffic <split>', 'share of requests also copied to a deployment, e.g. "green=10" (at most 50)')).option(...workspaceOption)
    .action((positional: string | undefined, options: EndpointOptions & UpdateOptions) => withClient(rootOf(options), async (client) => {
      const name = nameOf(positional, options.name, 'endpoint');
      const request = {
        ...updateRequestOf(options, name),
        ...(options.traffic !== undefined ? { traffic: parseTrafficArgument(options.traffic) } : {}),
        ...(options.mirrorTraffic !== undefined ? { mirror_traffic: parseTrafficArgument(options.mirrorTraffic) } : {}),
      };
      printEndpoint(await client.onlineEndpoints.update(name, request), options);
    }));

  withNameArgument(group.command('show').description('show an online endpoint'), 'endpoint').option('--json', 'print JSON').option(...workspaceOption)
    .action((positional: string | undefined, options: EndpointOptions) => withClient(rootOf(options), async (client) => printEndpoint(await client.onlineEndpoints.get(nameOf(positional, options.name, 'endpoint')), options)));

  group.command('list').description('list the online endpoints').option('--json', 'print JSON').option(...workspaceOption)
    .action((options: EndpointOptions) => withClient(rootOf(options), async (client) => {
      const endpoints = await client.onlineEndpoints.list();
      if (options.json) return void process.stdout.write(JSON.stringify(endpoints, null, 2) + '\n');
      for (const e of endpoints) process.stdout.write(`${e.name}  ${e.provisioning_state}  ${e.scoring_uri}  ${trafficText(e.traffic) || 'no traffic'}\n`);
    }));

  withNameArgument(group.command('delete').description('delete an online endpoint, its deployments and their containers'), 'endpoint').option('-y, --yes', 'do not ask (accepted for az ml compatibility)').option(...workspaceOption)
    .action((positional: string | undefined, options: EndpointOptions) => withClient(rootOf(options), async (client) => {
      process.stdout.write(`deleted online endpoint ${(await client.onlineEndpoints.delete(nameOf(positional, options.name, 'endpoint'))).deleted}\n`);
    }));

  withNameArgument(group.command('get-credentials').description("print the endpoint's keys (key) or a token (aml_token)"), 'endpoint').option(...workspaceOption)
    .action((positional: string | undefined, options: EndpointOptions) => withClient(rootOf(options), async (client) => {
      process.stdout.write(JSON.stringify(await client.onlineEndpoints.credentials(nameOf(positional, options.name, 'endpoint')), null, 2) + '\n');
    }));

  withNameArgument(group.command('regenerate-keys').description('replace the primary or secondary key'), 'endpoint').option('--key-type <type>', 'primary or secondary', 'primary').option(...workspaceOption)
    .action((positional: string | undefined, options: EndpointOptions) => withClient(rootOf(options), async (client) => {
      if (options.keyType !== 'primary' && options.keyType !== 'secondary') throw new Error(`--key-type ${options.keyType}: give primary or secondary`);
      await client.onlineEndpoints.regenerateKey(nameOf(positional, options.name, 'endpoint'), options.keyType);
      process.stdout.write(`regenerated the ${options.keyType} key\n`);
    }));

  withNameArgument(group.command('invoke').description('send a request file to the endpoint (POST /score) and print the answer'), 'endpoint')
    .requiredOption('-r, --request-file <file>', 'request body (JSON)').option('-d, --deployment-name <name>', 'send it to this deployment, whatever the traffic').option(...workspaceOption)
    .action((positional: string | undefined, options: EndpointOptions) => withClient(rootOf(options), async (client) => {
      const name = nameOf(positional, options.name, 'endpoint');
      const body = fs.readFileSync(path.resolve(options.requestFile!));
      const answer = await invokeEndpoint(client, name, body, options.deploymentName);
      process.stdout.write(answer.text.endsWith('\n') ? answer.text : `${answer.text}\n`);
      if (answer.status >= 400) throw new Error(`endpoint ${name} answered HTTP ${answer.status}`);
    }));
}

function printEndpoint(endpoint: OnlineEndpointDetail, options: EndpointOptions): void {
  if (options.json) return void process.stdout.write(JSON.stringify(endpoint, null, 2) + '\n');
  process.stdout.write(stringify(endpoint));
}

export function trafficText(traffic: Record<string, number>): string {
  return Object.entries(traffic).map(([name, percent]) => `${name}=${percent}`).join(' ');
}
