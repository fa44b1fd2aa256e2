/**
 * Importers: recorded agent sessions (mini-swe-agent, SWE-agent, tau-bench, OpenAI chat, Anthropic messages,
 * Claude Code JSONL, OpenHands, Codex CLI rollouts, pi sessions) read into provider-neutral {@link Transcript}s with their recorded calls.
 *
 * @module
 */
export { importAnthropicMessages, isAnthropicMessagesDocument } from "./anthropic-messages.js";
export {
  claudeCodeParentFile,
  importClaudeCode,
  isClaudeCodeMessageRecord,
  isClaudeCodeRecord,
} from "./claude-code.js";
export { importCodex, isCodexRecord } from "./codex.js";
export { entireTranscriptFile, isEntireMetadataDocument } from "./entire-metadata.js";
export {
  type ImportPathOptions,
  type ImportPathResult,
  importPath,
  importPathWithSkips,
  importTranscript,
  type SkippedFile,
  type SkipReason,
  TranscriptReadError,
} from "./import-path.js";
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
export { importPi, isPiRecord } from "./pi.js";
export { importSweAgent, isSweAgentDocument } from "./swe-agent.js";
