/**
 * Typed shapes of an environment's definition as jobs, components and the environment asset share them, mirroring
 * `schemas/common.schema.json` and `environment.schema.json`. Types only: no runtime code.
 */
import type { Tags } from './jobs';

export interface PipDependencies {
  pip: string[];
}
/** A conda dependency: a package spec, `pip:` packages, or an empty item. */
export type CondaDependency = string | PipDependencies | null;

export interface CondaSpec {
  name?: string;
  channels?: string[];
  dependencies?: CondaDependency[];
  variables?: Record<string, string | number | boolean>;
  prefix?: string;
}

export interface BuildContext {
  path: string;
  /** Default `Dockerfile`. */
  dockerfile_path?: string;
}

export interface Route {
  port?: number;
  path?: string;
}

export interface InferenceConfig {
  liveness_route?: Route;
  readiness_route?: Route;
  scoring_route?: Route;
}

/** An environment defined inline in a job or component. */
export interface InlineEnvironment {
  image?: string;
  /** Path of a conda YAML file, or its content inline. */
  conda_file?: string | CondaSpec;
  build?: BuildContext;
  name?: string;
  version?: string | number;
  description?: string;
  /** Default `linux`. */
  os_type?: 'linux' | 'windows';
  inference_config?: InferenceConfig;
  tags?: Tags;
}

/** An environment reference (`azureml:<name>:<version>`, `azureml:<name>@latest`, registry URI) or inline. */
export type EnvironmentRef = string | InlineEnvironment;
