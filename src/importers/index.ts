/**
 * Importers: recorded agent sessions (mini-swe-agent, SWE-agent, tau-bench, OpenAI chat, Anthropic messages,
 * Claude Code JSONL, OpenHands) read into provider-neutral {@link Transcript}s with their recorded calls.
 *
 * @module
 */
export { importAnthropicMessages, isAnthropicMessagesDocument } from "./anthropic-messages.js";
export { claudeCodeParentFile, importClaudeCode, isClaudeCodeRecord } from "./claude-code.js";
export { type ImportPathOptions, importPath, importTranscript } from "./import-path.js";
export { importMiniSweAgent, isMiniSweAgentDocument } from "./mini-swe-agent.js";
export { importOpenAIChat, importTauBench, isTauBenchDocument } from "./openai-chat.js";
export { importOpenHands, isOpenHandsRecord } from "./openhands.js";
export {
  combineOpenHandsLlmLogs,
  importOpenHandsLlmLog,
  isOpenHandsLlmLogDocument,
  llmLogTimeFromName,
} from "./openhands-llm-log.js";
export {
  detectFormat,
  parseRecognisedText,
  parseTranscriptText,
  registerImporter,
  type TranscriptImporter,
} from "./registry.js";
export { importSweAgent, isSweAgentDocument } from "./swe-agent.js";
