/** `openai` for the conformance suites: the installed package's sources, every client wrapped by compactor. */
import * as sdk from "openai";
import { install } from "./install.js";

export * from "openai";

export class OpenAI extends sdk.OpenAI {
  constructor(...args: ConstructorParameters<typeof sdk.OpenAI>) {
    super(...args);
    install(this);
  }
}

export class AzureOpenAI extends sdk.AzureOpenAI {
  constructor(...args: ConstructorParameters<typeof sdk.AzureOpenAI>) {
    super(...args);
    install(this);
  }
}

export class BedrockOpenAI extends sdk.BedrockOpenAI {
  constructor(...args: ConstructorParameters<typeof sdk.BedrockOpenAI>) {
    super(...args);
    install(this);
  }
}

export default OpenAI;
