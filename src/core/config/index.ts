/**
 * Configuration files, environment overrides and their validation (docs/configuration.md): the machinery and the
 * building blocks of a role's schema. The roles themselves are defined by the services ({@link defineConfigRole}).
 */
export { ConfigError, type ConfigIssue, formatConfigIssue } from './errors.ts';
export { type ConfigEntry, type FlagValue, envEntries, envNameOf, envPrefix, fileEntries, mergeEntries } from './sources.ts';
export {
  type ConfigRoleRegistry,
  type ConfigRoleSpec,
  type ConfigValues,
  type DeploymentBase,
  type LegacyEnvVar,
  type RoleContext,
  type RoleIssue,
  defineConfigRole,
  plainKeyOffDevnet,
  roleNamed,
} from './role.ts';
export {
  DEFAULT_DEPLOYMENT,
  LOG_LEVELS,
  boolean,
  confirmations,
  database,
  deploymentSource,
  integer,
  keySourceFields,
  logLevel,
  nodeApi,
  oneKeySource,
  path,
  privateKey,
  rpcMap,
  url,
  wei,
} from './schemas.ts';
export { type ConfigRead, type ConfigSources, type LoadedConfig, finalityOf, loadConfig, loadConfigDeployment, readConfig, rpcUrlOf, rpcUrlsOf } from './load.ts';
