import path from 'node:path';
import type { Command } from 'commander';
import { stringify } from 'yaml';
import { collect, withClient, workspaceRoot, type WorkspaceOption } from '../connection';
import { table } from '../format';
import { nameOf, overridesOf, updateRequestOf, withNameArgument, withSpecEdits, type UpdateOptions } from '../options';
import { printJobs } from './batch-endpoint';

interface EndpointOption extends WorkspaceOption {
  name?: string;
  endpointName: string;
}

/** `mlw batch-deployment create|show|list|delete`, with `az ml batch-deployment`'s flags. */
export function registerBatchDeployment(program: Command): void {
  const group = program.command('batch-deployment').description('deployments of batch endpoints: a model and its scoring script');
  group
    .command('create')
    .description('create or update a batch deployment from its spec')
    .requiredOption('-f, --file <file>', 'batch deployment spec (YAML)')
    .option('-e, --endpoint-name <endpoint>', "the endpoint (overrides the spec's endpoint_name)")
    .option('-n, --name <name>', "the deployment's name (overrides the spec's)")
    .option('--set-default', "make it the endpoint's default deployment")
    .option('--set <key=value>', 'override a spec field (repeatable)', collect)
    .option('--workspace <folder>', 'workspace folder (default: nearest folder of the spec with .mlw or .git)')
    .action((options: WorkspaceOption & { file: string; endpointName?: string; name?: string; setDefault?: boolean; set?: string[] }) =>
      withClient(workspaceRoot(options, path.dirname(path.resolve(options.file))), async (client) => {
        const set = overridesOf(options);
        const result = await client.batchDeployments.create({ path: path.resolve(options.file), ...(set.length ? { set } : {}), ...(options.endpointName ? { endpointName: options.endpointName } : {}), ...(options.setDefault ? { setDefault: true } : {}) });
        for (const warning of result.warnings) process.stderr.write(`warning: ${warning}\n`);
        const { deployment } = result;
        process.stdout.write(`${result.created ? 'created' : 'updated'} batch deployment ${deployment.name} of ${deployment.endpoint}${deployment.isDefault ? ' (default)' : ''}\n`);
      }),
    );
  withNameArgument(group.command('show').description('show a batch deployment'), 'batch deployment')
    .requiredOption('-e, --endpoint-name <endpoint>', 'the endpoint')
    .option('--json', 'print JSON')
    .option('--workspace <folder>', 'workspace folder')
    .action((positional: string | undefined, options: EndpointOption & { json?: boolean }) =>
      withClient(workspaceRoot(options), async (client) => {
        const deployment = await client.batchDeployments.get(options.endpointName, nameOf(positional, options.name, 'batch deployment'));
        if (options.json) return void process.stdout.write(JSON.stringify(deployment, null, 2) + '\n');
        const { name, endpoint, isDefault, snapshot, createdAt, updatedAt, sourcePath, spec } = deployment;
        process.stdout.write(stringify({ name, endpoint, default: isDefault, code_snapshot: snapshot ?? null, created: createdAt, updated: updatedAt, source: sourcePath, spec }));
      }),
    );
  group
    .command('list')
    .description("list an endpoint's batch deployments")
    .requiredOption('-e, --endpoint-name <endpoint>', 'the endpoint')
    .option('--json', 'print JSON')
    .option('--workspace <folder>', 'workspace folder')
    .action((options: EndpointOption & { json?: boolean }) =>
      withClient(workspaceRoot(options), async (client) => {
        const deployments = await client.batchDeployments.list(options.endpointName);
        if (options.json) return void process.stdout.write(JSON.stringify(deployments, null, 2) + '\n');
        process.stdout.write(table([['NAME', 'DEFAULT', 'COMPUTE', 'UPDATED'], ...deployments.map((d) => [d.name, d.isDefault ? 'yes' : '', String(d.spec.compute ?? 'local').replace(/^azureml:/, ''), d.updatedAt])]));
      }),
    );
  withSpecEdits(withNameArgument(group.command('update').description('change a batch deployment: a changed spec (--file) or fields of the stored one (--set, --add, --remove); checked as on create'), 'batch deployment')
    .requiredOption('-e, --endpoint-name <endpoint>', 'the endpoint')
    .option('-f, --file <file>', 'batch deployment spec (YAML)'))
    .option('--workspace <folder>', 'workspace folder')
    .action((positional: string | undefined, options: EndpointOption & UpdateOptions) =>
      withClient(workspaceRoot(options, options.file ? path.dirname(path.resolve(options.file)) : process.cwd()), async (client) => {
        const name = nameOf(positional, options.name, 'batch deployment');
        const result = await client.batchDeployments.update(options.endpointName, name, updateRequestOf(options, name));
        for (const warning of result.warnings) process.stderr.write(`warning: ${warning}\n`);
        process.stdout.write(`updated batch deployment ${name} of ${options.endpointName}\n`);
      }),
    );
  withNameArgument(group.command('list-jobs').description("list the jobs the deployment's invocations started, newest first"), 'batch deployment')
    .requiredOption('-e, --endpoint-name <endpoint>', 'the endpoint')
    .option('--json', 'print JSON')
    .option('--workspace <folder>', 'workspace folder')
    .action((positional: string | undefined, options: EndpointOption & { json?: boolean }) =>
      withClient(workspaceRoot(options), async (client) => printJobs(await client.batchDeployments.jobs(options.endpointName, nameOf(positional, options.name, 'batch deployment')), options.json)),
    );
  withNameArgument(group.command('delete').description('delete a batch deployment (its jobs stay)'), 'batch deployment')
    .requiredOption('-e, --endpoint-name <endpoint>', 'the endpoint')
    .option('-y, --yes', 'do not ask for confirmation (accepted for az ml compatibility; mlw never asks)')
    .option('--workspace <folder>', 'workspace folder')
    .action((positional: string | undefined, options: EndpointOption) =>
      withClient(workspaceRoot(options), async (client) => {
        const result = await client.batchDeployments.delete(options.endpointName, nameOf(positional, options.name, 'batch deployment'));
        process.stdout.write(`deleted batch deployment ${result.deleted} of ${options.endpointName}\n`);
      }),
    );
}
