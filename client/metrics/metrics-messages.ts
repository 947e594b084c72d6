/** Messages from the extension to the metrics webview (the webview sends none). */
export type MetricsMessage =
  | { type: 'reset'; job: string }
  | { type: 'points'; points: { key: string; step: number; value: number }[] }
  | { type: 'status'; status: string };
