/**
 * Where the Foundry executables are. package.json lists one npm package per tool and platform
 * (`@foundry-rs/<tool>-<os>-<arch>`) as optional dependencies; each declares its `os` and `cpu`, so npm installs only the
 * one for this machine, and this module finds its binary. `forge` builds and tests the contracts (through
 * `scripts/forge.mjs`), `anvil` runs the devnet's chains.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** A Foundry executable that avs-stack runs. */
export type FoundryTool = 'forge' | 'anvil';

/**
 * The platforms with a Foundry package in package.json: `${process.platform}-${process.arch}` → the suffix of the npm
 * package name (Foundry names x64 `amd64`).
 */
export const FOUNDRY_PLATFORMS = {
  'linux-x64': 'linux-amd64',
  'linux-arm64': 'linux-arm64',
  'darwin-x64': 'darwin-amd64',
  'darwin-arm64': 'darwin-arm64',
} as const;

/** Environment variable that names an executable to use instead of the npm package's (e.g. a Foundry installed by hand). */
export const FOUNDRY_PATH_VARIABLES = { forge: 'FORGE_PATH', anvil: 'ANVIL_PATH' } as const satisfies Record<FoundryTool, string>;

/** Thrown when a Foundry executable cannot be found: unsupported platform, package not installed, or a bad override. */
export class FoundryNotFoundError extends Error {
  override name = 'FoundryNotFoundError';
}

/** What {@link foundryBinary} looks at; defaults are this process's. */
export type FoundryLookup = {
  /** Default `process.platform`. */
  platform?: NodeJS.Platform;
  /** Default `process.arch`. */
  arch?: string;
  /** Default `process.env`. */
  env?: NodeJS.ProcessEnv;
};

const require = createRequire(import.meta.url);

/**
 * Absolute path of `tool`: the file named by `FORGE_PATH` / `ANVIL_PATH` when set, else the binary inside this
 * platform's `@foundry-rs/<tool>-<os>-<arch>` (the executable itself, not an npm wrapper, so a spawned process's pid is
 * the tool's own).
 * @throws {FoundryNotFoundError} naming the platform and the supported ones when there is no package for it; saying to
 *   run `npm install` when the package is missing; naming the variable when its file does not exist.
 */
export function foundryBinary(tool: FoundryTool, lookup: FoundryLookup = {}): string {
  const env = lookup.env ?? process.env;
  const variable = FOUNDRY_PATH_VARIABLES[tool];
  const override = env[variable];
  if (override) {
    if (!existsSync(override)) throw new FoundryNotFoundError(`${variable}=${override}: no such file`);
    return override;
  }
  const platform = `${lookup.platform ?? process.platform}-${lookup.arch ?? process.arch}`;
  const suffix = (FOUNDRY_PLATFORMS as Record<string, string>)[platform];
  if (!suffix) {
    throw new FoundryNotFoundError(
      `${tool}: this platform (${platform}) has no Foundry package; avs-stack installs forge and anvil from npm on ` +
        `${Object.keys(FOUNDRY_PLATFORMS).join(', ')}. Elsewhere install Foundry (https://getfoundry.sh) and set ` +
        `${FOUNDRY_PATH_VARIABLES.forge} and ${FOUNDRY_PATH_VARIABLES.anvil} to its forge and anvil.`,
    );
  }
  const name = `@foundry-rs/${tool}-${suffix}`;
  let manifest: string;
  try {
    manifest = require.resolve(`${name}/package.json`);
  } catch {
    throw new FoundryNotFoundError(
      `${tool}: ${name} is not installed. Run \`npm install\` (the package is an optional dependency: do not omit ` +
        `optional dependencies), or set ${variable} to a ${tool} executable.`,
    );
  }
  const binary = join(dirname(manifest), 'bin', tool);
  if (!existsSync(binary)) throw new FoundryNotFoundError(`${tool}: ${name} has no bin/${tool}; reinstall it with \`npm install\``);
  return binary;
}
