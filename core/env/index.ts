export {
  EnvironmentBuilder, ENV_HASH_LABEL, ENV_NAME_LABEL, ENV_VERSION_LABEL, baseImagesOf,
  type EnsureOptions, type EnvironmentBuilderOptions, type EnvironmentSource, type PreparedEnvironment,
} from './builder';
export { CONDA_FILE_IN_CONTEXT, VENV_IN_IMAGE, condaDependencies, condaPackageName, dockerfileForConda, type CondaDependencies } from './conda-dockerfile';
