// Jest loads globalSetup/globalTeardown with plain `require` (transpiled by its transform) but
// without `moduleNameMapper`, so the ESM-style `./x.js` specifiers of our TypeScript sources do
// not resolve there. This hook retries a failed relative `*.js` request as `*.ts`. It changes
// nothing for requests that resolve as they are, and is installed once per process.
'use strict';
const Module = process.getBuiltinModule('node:module'); // Node >= 20.16

const FLAG = Symbol.for('eventport.resolveTsSuffix');
if (!Module[FLAG]) {
  Module[FLAG] = true;
  const original = Module._resolveFilename;
  Module._resolveFilename = function resolveTsSuffix(request, parent, ...rest) {
    try {
      return original.call(this, request, parent, ...rest);
    } catch (error) {
      if (request.startsWith('.') && request.endsWith('.js')) {
        return original.call(this, `${request.slice(0, -3)}.ts`, parent, ...rest);
      }
      throw error;
    }
  };
}
