import { createConnection, ProposedFeatures } from 'vscode-languageserver/node';
import { startLanguageServer } from './language-server';

// `--stdio`, `--node-ipc` or `--socket=N` on the command line choose the transport.
startLanguageServer(createConnection(ProposedFeatures.all));
