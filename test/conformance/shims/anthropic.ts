/** `@anthropic-ai/sdk` for the conformance suites: the installed package's sources, every client wrapped. */
import * as sdk from "@anthropic-ai/sdk";
import { install } from "./install.js";

export * from "@anthropic-ai/sdk";

export class Anthropic extends sdk.Anthropic {
  constructor(...args: ConstructorParameters<typeof sdk.Anthropic>) {
    super(...args);
    install(this);
  }
}

export default Anthropic;
