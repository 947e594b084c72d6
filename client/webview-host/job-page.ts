import * as crypto from 'node:crypto';
import * as vscode from 'vscode';

/** What a job's webview page holds: its title, stylesheets and scripts (files in the assets folder), and its body. */
export interface JobPage {
  title: string;
  job: string;
  styles: string[];
  scripts: string[];
  body: string;
}

/** A job's webview page under a strict CSP: nothing but the extension's own files and inline code with a nonce. */
export function jobPageHtml(webview: vscode.Webview, assets: vscode.Uri, page: JobPage): string {
  const nonce = crypto.randomBytes(16).toString('base64');
  const asset = (file: string): string => webview.asWebviewUri(vscode.Uri.joinPath(assets, file)).toString();
  const csp = `default-src 'none'; img-src ${webview.cspSource} data:; style-src ${webview.cspSource} 'nonce-${nonce}'; script-src 'nonce-${nonce}';`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
${page.styles.map((file) => `<link rel="stylesheet" href="${asset(file)}" nonce="${nonce}">`).join('\n')}
<title>${escapeHtml(page.title)}: ${escapeHtml(page.job)}</title>
</head>
<body>
<header><h1>${escapeHtml(page.job)}</h1><span id="status" class="status"></span></header>
${page.body}
${page.scripts.map((file) => `<script nonce="${nonce}" src="${asset(file)}"></script>`).join('\n')}
</body>
</html>`;
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}
