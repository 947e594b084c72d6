import type { FastifyInstance } from 'fastify';
import type { ControlPlane } from '../engine/control-plane';
import { BATCH_BODY_SCHEMAS, type BatchDeploymentRequest, type BatchInvokeRequest, type BatchUpdateRequest } from './batch-contracts';
import { BODY_SCHEMAS, type SpecRequest } from './contracts';

/** Batch endpoints, their deployments, and invocations (each one a job). */
export function batchEndpointRoutes(app: FastifyInstance, plane: ControlPlane): void {
  const batch = plane.batch;
  app.post<{ Body: SpecRequest }>('/api/batch-endpoints', { schema: { body: BODY_SCHEMAS.specRequest } }, async (request, reply) => {
    const result = batch.createEndpoint(request.body);
    return reply.code(result.created ? 201 : 200).send(result);
  });
  app.get('/api/batch-endpoints', async () => batch.endpoints());
  app.get<{ Params: { name: string } }>('/api/batch-endpoints/:name', async (request) => batch.endpoint(request.params.name));
  app.patch<{ Params: { name: string }; Body: BatchUpdateRequest }>('/api/batch-endpoints/:name', { schema: { body: BATCH_BODY_SCHEMAS.updateRequest } }, async (request) => batch.updateEndpoint(request.params.name, request.body));
  app.delete<{ Params: { name: string } }>('/api/batch-endpoints/:name', async (request) => batch.deleteEndpoint(request.params.name));
  app.get<{ Params: { name: string } }>('/api/batch-endpoints/:name/jobs', async (request) => batch.jobs(request.params.name));
  app.post<{ Params: { name: string }; Body: BatchInvokeRequest }>('/api/batch-endpoints/:name/invoke', { schema: { body: BATCH_BODY_SCHEMAS.invokeRequest } }, async (request, reply) =>
    reply.code(201).send({ job: await batch.invoke(request.params.name, request.body) }),
  );

  app.post<{ Body: BatchDeploymentRequest }>('/api/batch-deployments', { schema: { body: BATCH_BODY_SCHEMAS.deploymentRequest } }, async (request, reply) => {
    const result = await batch.createDeployment(request.body);
    return reply.code(result.created ? 201 : 200).send(result);
  });
  app.get<{ Params: { endpoint: string } }>('/api/batch-endpoints/:endpoint/deployments', async (request) => batch.deployments(request.params.endpoint));
  app.get<{ Params: { endpoint: string; name: string } }>('/api/batch-endpoints/:endpoint/deployments/:name', async (request) => batch.deployment(request.params.endpoint, request.params.name));
  app.patch<{ Params: { endpoint: string; name: string }; Body: BatchUpdateRequest }>('/api/batch-endpoints/:endpoint/deployments/:name', { schema: { body: BATCH_BODY_SCHEMAS.updateRequest } }, async (request) =>
    batch.updateDeployment(request.params.endpoint, request.params.name, request.body),
  );
  app.get<{ Params: { endpoint: string; name: string } }>('/api/batch-endpoints/:endpoint/deployments/:name/jobs', async (request) => batch.jobs(request.params.endpoint, request.params.name));
  app.delete<{ Params: { endpoint: string; name: string } }>('/api/batch-endpoints/:endpoint/deployments/:name', async (request) => batch.deleteDeployment(request.params.endpoint, request.params.name));
}
