import * as vscode from 'vscode';
import { MOVE_SECRET_COMMAND, type MoveSecretArguments } from '../protocol';
import type { MlwCommand } from './command';

/**
 * The `secret-in-spec` quick fix: the daemon keeps the credential in the workspace's secrets store, then the file gets
 * the reference in its place (only if the credential is still written there, unchanged).
 */
export const moveSecretToStore: MlwCommand = {
  id: MOVE_SECRET_COMMAND,
  requiresTrust: true,
  async run(context, arg) {
    const move = arg as MoveSecretArguments | undefined;
    if (!move || typeof move.value !== 'string' || typeof move.datastore !== 'string' || typeof move.key !== 'string') return undefined;
    const uri = vscode.Uri.parse(move.uri);
    const document = await vscode.workspace.openTextDocument(uri);
    const range = new vscode.Range(move.range.start.line, move.range.start.character, move.range.end.line, move.range.end.character);
    if (document.getText(range) !== move.written) throw new Error(`${move.key} changed in ${vscode.workspace.asRelativePath(uri)} since the fix was offered; try again`);
    const api = await context.connection.client();
    const { reference } = await api.secrets.storeDatastoreCredential(move.datastore, move.key, move.value);
    const edit = new vscode.WorkspaceEdit();
    edit.replace(uri, range, reference);
    if (!(await vscode.workspace.applyEdit(edit))) throw new Error(`${move.key} was stored as ${reference}, but ${vscode.workspace.asRelativePath(uri)} could not be changed: write the reference in its place`);
    context.log.info(`${move.key} of datastore ${move.datastore} moved into the secrets store as ${reference}`);
    return reference;
  },
};
