import path from 'node:path';
import { Option, type Command } from 'commander';
import { stringify } from 'yaml';
import type { JobSummary } from '../../core/vocabulary';
import { invocationOf, type InvocationFlags } from '../batch-invocation';
import { collect, withClient, workspaceRoot, type WorkspaceOption } from '../connection';
import { jobRows, table } from '../format';
import { maxResults, nameOf, overridesOf, updateRequestOf, withNameArgument, withSpecEdits, type UpdateOptions } from '../options';
import { streamJob } from './job-stream';

interface InvokeOptions extends WorkspaceOption, InvocationFlags {
  name?: string;
  deploymentName?: string;
  inputType?: 'uri_folder' | 'uri_file';
  experimentName?: string;
  jobName?: string;
  miniBatchSize?: number;
  instanceCount?: number;
  outputPath?: string;
  set?: string[];
  stream?: boolean;
}

/** `mlw batch-endpoint create|show|list|delete|invoke`, with `az ml batch-endpoint`'s flags. */
export function registerBatchEndpoint(program: Command): void {
  const group = program.command('batch-endpoint').description('batch endpoints: score inputs in mini-batches as jobs');
  group
    .command('create')
    .description('create or update a batch endpoint from its spec')
    .requiredOption('-f, --file <file>', 'batch endpoint spec (YAML)')
    .option('-n, --name <name>', "the endpoint's name (overrides the spec's)")
    .option('--set <key=value>', 'override a spec field (repeatable)', collect)
    .option('--workspace <folder>', 'workspace folder (default: nearest folder of the spec with .mlw or .git)')
    .action((options: WorkspaceOption & { file: string; name?: string; set?: string[] }) =>
      withClient(workspaceRoot(options, path.dirname(path.resolve(options.file))), async (client) => {
        const set = overridesOf(options);
        const result = await client.batchEndpoints.create({ path: path.resolve(options.file), ...(set.length ? { set } : {}) });
        for (const warning of result.warnings) process.stderr.write(`warning: ${warning}\n`);
        process.stdout.write(`${result.created ? 'created' : 'updated'} batch endpoint ${result.endpoint.name}\n`);
      }),
    );
  withNameArgument(group.command('show').description('show a batch endpoint and its deployments'), 'batch endpoint')
    .option('--json', 'print JSON')
    .option('--workspace <folder>', 'workspace folder')
    .action((positional: string | undefined, options: WorkspaceOption & { name?: string; json?: boolean }) =>
      withClient(workspaceRoot(options), async (client) => {
        const endpoint = await client.batchEndpoints.get(nameOf(positional, options.name, 'batch endpoint'));
        if (options.json) return void process.stdout.write(JSON.stringify(endpoint, null, 2) + '\n');
        const { name, description, defaultDeployment, deployments, createdAt, updatedAt, sourcePath } = endpoint;
        process.stdout.write(stringify({ name, ...(description ? { description } : {}), default_deployment: defaultDeployment ?? null, deployments, created: createdAt, updated: updatedAt, source: sourcePath }));
      }),
    );
  group
    .command('list')
    .description('list batch endpoints')
    .option('--json', 'print JSON')
    .option('--workspace <folder>', 'workspace folder')
    .action((options: WorkspaceOption & { json?: boolean }) =>
      withClient(workspaceRoot(options), async (client) => {
        const endpoints = await client.batchEndpoints.list();
        if (options.json) return void process.stdout.write(JSON.stringify(endpoints, null, 2) + '\n');
        process.stdout.write(table([['NAME', 'DEFAULT DEPLOYMENT', 'DEPLOYMENTS'], ...endpoints.map((e) => [e.name, e.defaultDeployment ?? '-', e.deployments.join(', ') || '-'])]));
      }),
    );
  withNameArgument(group.command('delete').description('delete a batch endpoint with its deployments (its jobs stay)'), 'batch endpoint')
    .option('-y, --yes', 'do not ask for confirmation (accepted for az ml compatibility; mlw never asks)')
    .option('--workspace <folder>', 'workspace folder')
    .action((positional: string | undefined, options: WorkspaceOption & { name?: string }) =>
      withClient(workspaceRoot(options), async (client) => {
        const result = await client.batchEndpoints.delete(nameOf(positional, options.name, 'batch endpoint'));
        process.stdout.write(`deleted batch endpoint ${result.deleted} and ${result.deployments} deployment(s)\n`);
      }),
    );
  withSpecEdits(withNameArgument(group.command('update').description("change a batch endpoint: a changed spec (--file) or fields of the stored one (--set defaults.deployment_name=<deployment>, --add, --remove)"), 'batch endpoint')
    .option('-f, --file <file>', 'batch endpoint spec (YAML)'))
    .option('--workspace <folder>', 'workspace folder')
    .action((positional: string | undefined, options: WorkspaceOption & UpdateOptions & { name?: string }) =>
      withClient(workspaceRoot(options, options.file ? path.dirname(path.resolve(options.file)) : process.cwd()), async (client) => {
        const name = nameOf(positional, options.name, 'batch endpoint');
        const result = await client.batchEndpoints.update(name, updateRequestOf(options, name));
        for (const warning of result.warnings) process.stderr.write(`warning: ${warning}\n`);
        process.stdout.write(`updated batch endpoint ${name}${result.endpoint.defaultDeployment ? ` (default deployment ${result.endpoint.defaultDeployment})` : ''}\n`);
      }),
    );
  withNameArgument(group.command('list-jobs').description("list the jobs the endpoint's invocations started, newest first"), 'batch endpoint')
    .option('--json', 'print JSON')
    .option('--workspace <folder>', 'workspace folder')
    .action((positional: string | undefined, options: WorkspaceOption & { name?: string; json?: boolean }) =>
      withClient(workspaceRoot(options), async (client) => printJobs(await client.batchEndpoints.jobs(nameOf(positional, options.name, 'batch endpoint')), options.json)),
    );
  withNameArgument(group.command('invoke').description('score inputs with a deployment of the endpoint, as a job'), 'batch endpoint')
    .option('-d, --deployment-name <name>', "the deployment (default: the endpoint's default deployment)")
    .option('--input <input>', 'azureml:<data>:<version>, azureml:<data>@latest, an azureml://datastores/… URI, or a local file or folder')
    .addOption(new Option('--input-type <type>', 'what the input must be (default: as the data asset says, else uri_folder)').choices(['uri_folder', 'uri_file']))
    .option('-f, --file <file>', 'named inputs and outputs (YAML): inputs: {<name>: {type, path} | {type, default}}, outputs: {<name>: {type, path}}')
    .option('--inputs <map>', 'named inputs as a YAML or JSON map, as in --file')
    .option('--outputs <map>', 'named outputs as a YAML or JSON map, as in --file')
    .option('--experiment-name <name>', "the job's experiment (default: the endpoint's name)")
    .option('--job-name <name>', "the job's name (default: a generated one)")
    .option('--mini-batch-size <n>', "files per mini-batch for this invocation (default: the deployment's)", maxResults)
    .option('--instance-count <n>', 'instances to score on: 1 (a deployment runs on one instance)', maxResults)
    .option('--output-path <uri>', 'where the score output goes: azureml://datastores/<datastore>/paths/<path>')
    .option('--set <key=value>', "inputs.<name>.<key>=… or outputs.…: a named input or output; any other key: a field of the deployment's spec for this invocation (repeatable)", collect)
    .option('-s, --stream', 'follow the job until it ends (exit 1 unless it completes)')
    .option('--workspace <folder>', 'workspace folder')
    .action((positional: string | undefined, options: InvokeOptions) =>
      withClient(workspaceRoot(options), async (client) => {
        const endpoint = nameOf(positional, options.name, 'batch endpoint');
        const { set, ...invocation } = invocationOf(options);
        const { miniBatchSize, instanceCount, outputPath, experimentName, jobName, inputType, deploymentName } = options;
        const given = { miniBatchSize, instanceCount, outputPath, experimentName, jobName, inputType, deployment: deploymentName, ...(set.length ? { set } : {}) };
        const request = { ...invocation, ...Object.fromEntries(Object.entries(given).filter(([, value]) => value !== undefined)) };
        const { job } = await client.batchEndpoints.invoke(endpoint, request);
        process.stdout.write(`${job.name}  ${job.status}${job.reason ? `: ${job.reason}` : ''}\n`);
        return options.stream ? await streamJob(client, job.name, job.type) : 0;
      }),
    );
}

/** `list-jobs`: the jobs as a table (or JSON). */
export function printJobs(jobs: JobSummary[], json: boolean | undefined): void {
  if (json) return void process.stdout.write(JSON.stringify(jobs, null, 2) + '\n');
  process.stdout.write(table(jobRows(jobs)));
}
