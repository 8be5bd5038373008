/**
 * Entry point of the `avs` command (bin/avs.js imports this module).
 */
import { runCli } from './program.ts';

// `avs ... | head`: a closed stdout ends the command quietly instead of crashing with EPIPE.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

const code = await runCli(process.argv);
process.exitCode = code;
