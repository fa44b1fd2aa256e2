"use strict";
// CommonJS entry of compactor. compactor is an ES module; Node.js >= 20.19 (and >= 22.12) can require() it,
// and then this file hands over the very same module that `import` loads (no second copy).
try {
  module.exports = require("../dist/src/index.js");
} catch (error) {
  const code = error?.code;
  if (code !== "ERR_REQUIRE_ESM" && code !== "ERR_REQUIRE_ASYNC_MODULE") throw error;
  const message =
    'compactor is an ES module: require("compactor") needs Node.js >= 20.19 or >= 22.12 (this is ' +
    process.version +
    '). Use `const { ... } = await import("compactor")` instead, or upgrade Node.js.';
  const wrapped = new Error(message, { cause: error });
  wrapped.code = "COMPACTOR_REQUIRE_ESM";
  throw wrapped;
}
