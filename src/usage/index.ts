/**
 * Usage normalisation: provider usage objects to the neutral {@link Usage}.
 *
 * @module
 */
export {
  addUsage,
  emptyUsage,
  promptTokensOf,
  usageFromAnthropic,
  usageFromOpenAIChat,
  usageFromOpenAIResponses,
} from "./normalize.js";
