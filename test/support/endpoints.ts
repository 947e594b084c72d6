import Docker from 'dockerode';
import type { TestContext } from 'node:test';
import { WORKSPACE_LABEL } from '../../core/compute/driver';
import type { ApiClient } from '../../core/api/client';
import type { OnlineDeploymentDetail, ProvisioningState } from '../../core/vocabulary';
import { waitFor } from './docker';
import { httpRequest, type HttpReply } from './http';

const ENDPOINT_SCHEMA = '$schema: https://azuremlschemas.azureedge.net/latest/managedOnlineEndpoint.schema.json';
const DEPLOYMENT_SCHEMA = '$schema: https://azuremlschemas.azureedge.net/latest/managedOnlineDeployment.schema.json';

/** A scoring script in Azure ML's form: the model's factor, read in init(), times each number sent. */
export const SCORE_PY = `
import json, os, signal
def init():
    global factor
    with open(os.path.join(os.environ["AZUREML_MODEL_DIR"], "model", "model.json")) as f:
        factor = json.load(f)["factor"]
    print("init done", flush=True)
def run(raw_data):
    data = json.loads(raw_data)
    if data.get("freeze"):
        print("freezing", flush=True)
        os.kill(os.getpid(), signal.SIGSTOP)
    if data.get("crash"):
        print("about to crash: " + data["crash"], flush=True)
        os._exit(3)
    print("scored", flush=True)
    return {"deployment": os.environ.get("COLOR", "?"), "result": [x * factor for x in data["data"]]}
`;

/** A workspace with a model, a scoring script and an endpoint (`key` auth) with blue and green deployments. */
export function endpointWorkspace(endpoint: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    'model/model.json': '{"factor": 2}',
    'model.yml': '$schema: https://azuremlschemas.azureedge.net/latest/model.schema.json\nname: doubler\nversion: "1"\npath: model\n',
    'onlinescoring/score.py': SCORE_PY,
    'endpoint.yml': `${ENDPOINT_SCHEMA}\nname: ${endpoint}\nauth_mode: key\n`,
    'blue.yml': deploymentSpec('blue', endpoint, 'blue'),
    'green.yml': deploymentSpec('green', endpoint, 'green'),
    ...extra,
  };
}

export function deploymentSpec(name: string, endpoint: string, color: string, extra = ''): string {
  return `${DEPLOYMENT_SCHEMA}
name: ${name}
endpoint_name: ${endpoint}
model: azureml:doubler:1
code_configuration:
  code: onlinescoring
  scoring_script: score.py
environment:
  image: localtest/python:3-bookworm
instance_type: Standard_DS3_v2
instance_count: 1
environment_variables:
  COLOR: ${color}
readiness_probe:
  initial_delay: 30
  period: 1
  failure_threshold: 30
${extra}`;
}

/** Waits until the deployment leaves Creating/Updating; returns it in the state it reached. */
export async function settled(client: ApiClient, endpoint: string, name: string, timeoutMs = 90_000): Promise<OnlineDeploymentDetail> {
  return waitFor(`deployment ${name} to be provisioned`, async () => {
    const detail = await client.onlineDeployments.get(endpoint, name);
    return detail.provisioning_state === 'Creating' || detail.provisioning_state === 'Updating' ? undefined : detail;
  }, timeoutMs);
}

export async function inState(client: ApiClient, endpoint: string, name: string, state: ProvisioningState): Promise<OnlineDeploymentDetail> {
  const detail = await settled(client, endpoint, name);
  if (detail.provisioning_state !== state) throw new Error(`deployment ${name} is ${detail.provisioning_state}, not ${state}: ${detail.reason ?? ''}`);
  return detail;
}

/** POST /score on the endpoint's listener. */
export function invoke(scoringUri: string, body: string, headers: Record<string, string> = {}): Promise<HttpReply> {
  const url = new URL(scoringUri);
  return httpRequest(Number(url.port), 'POST', url.pathname, { 'content-type': 'application/json', ...headers }, body);
}

/** Removes the deployment containers of the workspace after the test (the daemon leaves them for its successor). */
export function removeContainersAfter(t: TestContext, root: string): Docker {
  const docker = new Docker();
  t.after(async () => {
    const containers = await docker.listContainers({ all: true, filters: { label: [`${WORKSPACE_LABEL}=${root}`] } });
    await Promise.all(containers.map((c) => docker.getContainer(c.Id).remove({ force: true, v: true }).catch(() => undefined)));
  });
  return docker;
}
