import type { FastifyInstance, FastifyRequest } from 'fastify';
import { useMlflowErrors, useMlflowJsonBodies } from './http';
import { ajaxRoutes, downloadRoutes } from './routes-ajax';
import { artifactRoutes } from './routes-artifacts';
import { experimentRoutes } from './routes-experiments';
import { registryRoutes } from './routes-registry';
import { runRoutes } from './routes-runs';
import type { TrackingService } from './service';

/** Path prefixes of the tracking API (the only routes a per-run token, or the bridge listener, serves). */
export const TRACKING_PREFIXES = ['/api/2.0/mlflow/', '/api/2.0/mlflow-artifacts/'] as const;

export function isTrackingRoute(url: string): boolean {
  return TRACKING_PREFIXES.some((prefix) => url.startsWith(prefix));
}

/** Registers the MLflow REST API, its artifact proxy and the model registry on an API server. */
export function trackingPlugin(tracking: TrackingService): (app: FastifyInstance) => void {
  return (app) => {
    void app.register(async (scope) => apiRoutes(scope, tracking), { prefix: '/api/2.0' });
    // MLflow's UI prefix: the same API plus the UI's own endpoints, for the workspace token only.
    void app.register(async (scope) => {
      apiRoutes(scope, tracking);
      ajaxRoutes(scope, tracking);
    }, { prefix: '/ajax-api/2.0' });
    artifactRoutes(app, tracking);
    downloadRoutes(app, tracking);
  };
}

/** The MLflow REST API (experiments, runs, the model registry) under one prefix. */
function apiRoutes(scope: FastifyInstance, tracking: TrackingService): void {
  useMlflowErrors(scope);
  useMlflowJsonBodies(scope);
  experimentRoutes(scope, tracking);
  runRoutes(scope, tracking);
  registryRoutes(scope, tracking);
}

/** The API server's extra token check: a run token is accepted on tracking routes only. */
export function runTokenCheck(tracking: TrackingService): (token: string, request: FastifyRequest) => boolean {
  return (token, request) => isTrackingRoute(request.url) && tracking.acceptRunToken(request, token);
}
