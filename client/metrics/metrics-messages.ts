/** Messages from the extension to the metrics webview. */
export type MetricsMessage =
  | { type: 'reset'; job: string }
  | { type: 'points'; points: { key: string; step: number; value: number }[] }
  | { type: 'status'; status: string };

/** From the metrics webview: its script listens (sent on each load of the page), so the points may flow. */
export type MetricsRequest = { type: 'ready' };
