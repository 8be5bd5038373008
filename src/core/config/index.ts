/** Configuration files, environment overrides and their validation (docs/configuration.md). */
export { ConfigError, type ConfigIssue, formatConfigIssue } from './errors.ts';
export {
  CONFIG_ROLES,
  type ConfigEntry,
  type ConfigRole,
  type FlagValue,
  LEGACY_ENV,
  envEntries,
  envNameOf,
  envPrefix,
  fileEntries,
  mergeEntries,
} from './sources.ts';
export {
  type AggregatorConfigInput,
  type ChallengerConfigInput,
  CONFIG_SCHEMAS,
  DEFAULT_DEPLOYMENT,
  LOG_LEVELS,
  type OperatorConfigInput,
  aggregatorConfigSchema,
  challengerConfigSchema,
  operatorConfigSchema,
} from './schemas.ts';
export { type ConfigInputs, type ConfigRead, type ConfigSources, type LoadedConfig, finalityOf, loadConfig, loadConfigDeployment, readConfig, rpcUrlOf, rpcUrlsOf } from './load.ts';
