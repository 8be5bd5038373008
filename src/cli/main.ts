/**
 * Entry point of the `avs` command (bin/avs.js imports this module).
 */
import { runCli } from './program.ts';

const code = await runCli(process.argv);
process.exitCode = code;
