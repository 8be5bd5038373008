/**
 * Configuration errors (docs/architecture.md, "Off-chain rules": "validated at start with errors that name the key").
 * Every issue names its key path (`operator.rpc.31337`) and where the value came from (the file, an environment
 * variable or a flag), and never the value itself: values may be private keys, or URLs carrying passwords or API keys.
 */

/** One problem with one configuration key. */
export type ConfigIssue = {
  /** Key path including the role, e.g. `operator.rpc.31337`, or `operator` for the whole file. */
  key: string;
  /** What is wrong, without the value, e.g. `must be an http(s) or ws(s) URL`. */
  message: string;
  /**
   * Where the value came from: a file path, an environment variable, a flag (`--rpc`), or `default`; several joined by
   * `, ` when the issue concerns an object whose keys came from different places.
   */
  origin?: string;
};

/** One line for an issue: `config operator.rpc.31337: must be an http(s) or ws(s) URL (from AVS_OPERATOR__RPC__31337)`. */
export function formatConfigIssue(issue: ConfigIssue): string {
  return `config ${issue.key}: ${issue.message}${issue.origin && issue.origin !== 'default' ? ` (from ${issue.origin})` : ''}`;
}

/**
 * A configuration that cannot be used. The message is the first issue on one line (plus how many more there are);
 * {@link ConfigError.issues} holds all of them, each naming its key.
 */
export class ConfigError extends Error {
  override name = 'ConfigError';
  readonly issues: readonly ConfigIssue[];

  constructor(issues: readonly ConfigIssue[]) {
    const more = issues.length > 1 ? ` (and ${issues.length - 1} more: see \`avs config check\`)` : '';
    super(issues.length === 0 ? 'config: invalid' : `${formatConfigIssue(issues[0])}${more}`);
    this.issues = issues;
  }
}
