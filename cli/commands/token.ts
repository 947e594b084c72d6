import { Option, type Command } from 'commander';
import { ROLES, type Role } from '../../core/auth/roles';
import { table } from '../format';
import { withClient, workspaceRoot, type WorkspaceOption } from '../connection';

/** `mlw token create|list|revoke`: the workspace's named tokens, each with a role (the owner's commands). */
export function registerToken(program: Command): void {
  const token = program.command('token').description('named API tokens with a role: owner, data-scientist or reader');
  token
    .command('create')
    .description('create a token and print it (shown only this once)')
    .requiredOption('--name <name>', 'the token\'s name (for list and revoke)')
    .addOption(new Option('--role <role>', 'what it may do').choices([...ROLES]).makeOptionMandatory())
    .option('--json', 'print JSON')
    .option('--workspace <folder>', 'workspace folder')
    .action((options: WorkspaceOption & { name: string; role: Role; json?: boolean }) =>
      withClient(workspaceRoot(options), async (client) => {
        const created = await client.tokens.create(options.name, options.role);
        process.stdout.write(options.json ? JSON.stringify(created, null, 2) + '\n' : `${created.token}\n`);
        if (!options.json) process.stderr.write(`token ${created.name} (${created.role}) created; it is not shown again. Use it as MLW_TOKEN.\n`);
      }),
    );
  token
    .command('list')
    .description('list the tokens (never their secrets)')
    .option('--json', 'print JSON')
    .option('--workspace <folder>', 'workspace folder')
    .action((options: WorkspaceOption & { json?: boolean }) =>
      withClient(workspaceRoot(options), async (client) => {
        const tokens = await client.tokens.list();
        process.stdout.write(options.json ? JSON.stringify(tokens, null, 2) + '\n' : table([['NAME', 'ROLE', 'CREATED'], ...tokens.map((t) => [t.name, t.role, t.createdAt])]));
      }),
    );
  token
    .command('revoke')
    .description('revoke a token: it is refused from now on')
    .argument('<name>', 'the token\'s name')
    .option('--workspace <folder>', 'workspace folder')
    .action((name: string, options: WorkspaceOption) =>
      withClient(workspaceRoot(options), async (client) => {
        await client.tokens.revoke(name);
        process.stdout.write(`revoked token ${name}\n`);
      }),
    );
}
