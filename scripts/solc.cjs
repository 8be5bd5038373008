#!/usr/bin/env node
// forge's compiler: the npm `solc` WebAssembly build behind solc's CLI contract.
// forge calls `<this> --version` and `<this> --base-path <root> --allow-paths <dirs> --standard-json`
// (input JSON on stdin). Imports that forge did not inline are read relative to the base path.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const solc = require('solc');

const args = process.argv.slice(2);
if (args.includes('--version')) {
  process.stdout.write(`solc, the solidity compiler commandline interface\nVersion: ${solc.version()}\n`);
  process.exit(0);
}
if (!args.includes('--standard-json')) {
  process.stderr.write('solc shim: only --version and --standard-json are supported\n');
  process.exit(1);
}

const valueOf = (flag) => {
  const i = args.indexOf(flag);
  return i >= 0 ? args[i + 1] : undefined;
};
const basePath = valueOf('--base-path') ?? process.cwd();
const allowPaths = (valueOf('--allow-paths') ?? '').split(',').filter(Boolean);
const roots = [basePath, ...allowPaths];

function findImports(importPath) {
  for (const root of roots) {
    const candidate = path.isAbsolute(importPath) ? importPath : path.join(root, importPath);
    if (fs.existsSync(candidate)) return { contents: fs.readFileSync(candidate, 'utf8') };
  }
  return { error: `File not found: ${importPath}` };
}

const input = fs.readFileSync(0, 'utf8');
process.stdout.write(solc.compile(input, { import: findImports }));
