import path from 'node:path';
import type { Position } from 'vscode-languageserver';
import { MlwLanguageService } from '../../server/service/language-service';
import { pathToUri } from '../../server/service/uri';
import type { Settings } from '../../server/service/settings';

export const lspFixtures = path.resolve(import.meta.dirname, '../fixtures/lsp');
const workspaceRoot = path.resolve(import.meta.dirname, '../fixtures');

/**
 * Text with one caret marker: `|` by default (pass another marker for texts that need `|` themselves).
 * Returns the text without it and the caret's position.
 */
export function caret(marked: string, marker = '|'): { text: string; position: Position; offset: number } {
  const offset = marked.indexOf(marker);
  if (offset < 0 || marked.indexOf(marker, offset + 1) >= 0) throw new Error(`expected exactly one caret marker ${marker}`);
  const text = marked.slice(0, offset) + marked.slice(offset + marker.length);
  const before = text.slice(0, offset).split('\n');
  return { text, offset, position: { line: before.length - 1, character: before[before.length - 1]!.length } };
}

let shared: Promise<MlwLanguageService> | undefined;

/** A service over the fixture workspace (test/fixtures), scanned once and shared; documents are opened per test. */
export async function fixtureService(settings?: Settings): Promise<MlwLanguageService> {
  if (settings) {
    const service = new MlwLanguageService({ roots: [workspaceRoot], settings });
    await service.workspace.scan();
    return service;
  }
  shared ??= (async () => {
    const service = new MlwLanguageService({ roots: [workspaceRoot] });
    await service.workspace.scan();
    return service;
  })();
  return shared;
}

let counter = 0;

/** Opens `marked` (with a caret) as a new document in test/fixtures/lsp (or at `name` there); returns its URI and the caret. */
export async function openWithCaret(marked: string, options: { name?: string; marker?: string; settings?: Settings } = {}) {
  const service = await fixtureService(options.settings);
  const { text, position, offset } = marked.includes(options.marker ?? '|') ? caret(marked, options.marker) : { text: marked, position: { line: 0, character: 0 }, offset: 0 };
  const uri = pathToUri(path.join(lspFixtures, options.name ?? `doc-${++counter}.yml`));
  service.open(uri, 1, text);
  return { service, uri, position, offset, text };
}

export const SCHEMA = 'https://azuremlschemas.azureedge.net/latest/';
