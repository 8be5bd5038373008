#!/usr/bin/env node
// The `avs` command. Runs the TypeScript sources through tsx so a fresh checkout needs only `npm install`.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
