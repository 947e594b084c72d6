import type { FastifyInstance } from 'fastify';
import { BODY_SCHEMAS } from '../api/contracts';
import type { DeploymentRequest, EndpointRequest, OnlineEndpoints } from './service';

const specFields = {
  path: { type: 'string', minLength: 1, maxLength: 4096 },
  text: { type: 'string', maxLength: 4 * 1024 * 1024 },
  set: { type: 'array', maxItems: 100, items: { type: 'string', maxLength: 4096, pattern: '^[^=]+=' } },
} as const;
const percents = { type: 'object', maxProperties: 100, additionalProperties: { type: 'integer' } } as const;
const endpointBody = { type: 'object', additionalProperties: false, properties: { ...specFields, traffic: percents, mirror_traffic: percents } } as const;
const deploymentBody = { type: 'object', required: ['path'], additionalProperties: false, properties: { ...specFields, endpoint_name: { type: 'string', maxLength: 255 }, all_traffic: { type: 'boolean' } } } as const;
// An update takes a spec file, or edits of the stored spec (of the deployment `name` of `endpoint_name`).
const endpointUpdateBody = { ...endpointBody, properties: { ...endpointBody.properties, ...BODY_SCHEMAS.storedSpecEdits } } as const;
const deploymentUpdateBody = { type: 'object', additionalProperties: false, properties: { ...deploymentBody.properties, name: { type: 'string', minLength: 1, maxLength: 255 }, ...BODY_SCHEMAS.storedSpecEdits } } as const;
const keyBody = { type: 'object', required: ['key_type'], additionalProperties: false, properties: { key_type: { type: 'string', enum: ['primary', 'secondary'] } } } as const;
const linesQuery = { type: 'object', properties: { lines: { type: 'integer', minimum: 1, maximum: 100000 } } } as const;

type Named = { Params: { name: string } };
type DeploymentNamed = { Params: { name: string; deployment: string } };

/** The online endpoint routes of the workspace API (their roles are in core/auth/route-table.ts). */
export function onlineEndpointRoutes(endpoints: OnlineEndpoints): (app: FastifyInstance) => void {
  return (app) => {
    app.post<{ Body: EndpointRequest }>('/api/online-endpoints', { schema: { body: { ...endpointBody, required: ['path'] } } }, async (request, reply) => reply.code(201).send(await endpoints.saveEndpoint(request.body, 'create')));
    app.get('/api/online-endpoints', async () => endpoints.listEndpoints());
    app.get<Named>('/api/online-endpoints/:name', async (request) => endpoints.endpoint(request.params.name));
    app.patch<Named & { Body: EndpointRequest }>('/api/online-endpoints/:name', { schema: { body: endpointUpdateBody } }, async (request) => endpoints.saveEndpoint(request.body, 'update', request.params.name));
    app.delete<Named>('/api/online-endpoints/:name', async (request) => endpoints.deleteEndpoint(request.params.name));
    app.get<Named>('/api/online-endpoints/:name/credentials', async (request) => endpoints.credentials(request.params.name));
    app.post<Named & { Body: { key_type: 'primary' | 'secondary' } }>('/api/online-endpoints/:name/regenerate-keys', { schema: { body: keyBody } }, async (request) => endpoints.regenerateKey(request.params.name, request.body.key_type));

    app.post<{ Body: DeploymentRequest }>('/api/online-deployments', { schema: { body: deploymentBody } }, async (request, reply) => reply.code(201).send(await endpoints.saveDeployment(request.body, 'create')));
    app.patch<{ Body: DeploymentRequest }>('/api/online-deployments', { schema: { body: deploymentUpdateBody } }, async (request) => endpoints.saveDeployment(request.body, 'update'));
    app.get<Named>('/api/online-endpoints/:name/deployments', async (request) => endpoints.deployments(request.params.name));
    app.get<DeploymentNamed>('/api/online-endpoints/:name/deployments/:deployment', async (request) => endpoints.deployment(request.params.name, request.params.deployment));
    app.delete<DeploymentNamed>('/api/online-endpoints/:name/deployments/:deployment', async (request) => endpoints.deleteDeployment(request.params.name, request.params.deployment));
    app.get<DeploymentNamed & { Querystring: { lines?: number } }>('/api/online-endpoints/:name/deployments/:deployment/logs', { schema: { querystring: linesQuery } }, async (request, reply) =>
      reply.type('text/plain; charset=utf-8').send(await endpoints.logs(request.params.name, request.params.deployment, request.query.lines)),
    );
  };
}
