/**
 * The provider-neutral transcript model. Every adapter (Anthropic Messages, OpenAI Chat Completions,
 * OpenAI Responses) and every importer converts to and from these types; strategies, the cache model,
 * the token estimator and the replay engine only ever see these.
 *
 * Losslessness: anything a provider format carries that the model does not name lives in an `extra`
 * bag (on the request, a message or a block), so a request converted in and out is deep-equal to itself.
 *
 * @module
 */

/** The wire formats compactor speaks. */
export type ProviderFormat = "anthropic" | "openai-chat" | "openai-responses";

/** Anthropic-style cache breakpoint marker, kept on the block it was set on. */
export interface CacheControl {
  type: "ephemeral";
  /** Cache lifetime; Anthropic's default is `"5m"`. */
  ttl?: "5m" | "1h";
}

/** Fields of the source format that the neutral model does not name; kept for lossless round trips. */
export type Extra = Record<string, unknown>;

/**
 * How the wire format spelled a value that the neutral model normalises to a list of blocks, so that an
 * adapter writes it back the same way. Absent means the common spelling (a list of parts, the provider's own
 * role name). Strategies can ignore it: an adapter falls back to a valid spelling when the content no longer
 * fits (a `"string"` message that now holds two blocks is written as a list).
 */
export interface WireForm {
  /** The content was a plain string (`"string"`), `null` (`"null"`) or missing (`"absent"`). */
  content?: "string" | "null" | "absent";
  /** The provider's role name when it differs from the neutral one: OpenAI `"developer"`, legacy `"function"`. */
  role?: string;
  /**
   * OpenAI Responses: the message stands for one input item that is not a message (its opaque block is the
   * whole item, not a content part).
   */
  item?: boolean;
}

/** Plain text. */
export interface TextBlock {
  type: "text";
  text: string;
  cacheControl?: CacheControl;
  extra?: Extra;
}

/** An image, by URL or inline base64 data. */
export interface ImageBlock {
  type: "image";
  source: { kind: "url"; url: string } | { kind: "base64"; mediaType: string; data: string };
  cacheControl?: CacheControl;
  extra?: Extra;
}

/** The model asks for a tool to be run (Anthropic `tool_use`, OpenAI `tool_calls[]`, Responses `function_call`). */
export interface ToolCallBlock {
  type: "tool_call";
  /** Provider id that the matching {@link ToolResultBlock.callId} refers to. */
  id: string;
  name: string;
  /** Parsed arguments (JSON value). */
  input: unknown;
  /** The arguments exactly as the provider sent them, when they came as a string (OpenAI). */
  rawArguments?: string;
  cacheControl?: CacheControl;
  extra?: Extra;
}

/** The result of a tool call (Anthropic `tool_result`, OpenAI `role: "tool"`, Responses `function_call_output`). */
export interface ToolResultBlock {
  type: "tool_result";
  /** The {@link ToolCallBlock.id} this answers. */
  callId: string;
  /** Tool name when known (importers fill it from the matching call). */
  name?: string;
  content: Array<TextBlock | ImageBlock | OpaqueBlock>;
  isError?: boolean;
  cacheControl?: CacheControl;
  extra?: Extra;
  /** How the wire format spelled {@link ToolResultBlock.content}. */
  wire?: WireForm;
}

/**
 * Model reasoning. Signatures (Anthropic) and encrypted content (OpenAI Responses) must be kept byte for
 * byte: providers reject or silently drop reasoning whose signature does not verify.
 */
export interface ThinkingBlock {
  type: "thinking";
  text: string;
  signature?: string;
  /** Anthropic `redacted_thinking` data. */
  redactedData?: string;
  /** OpenAI Responses `encrypted_content`. */
  encryptedContent?: string;
  extra?: Extra;
}

/** Marks text that compactor (or a provider's compaction) wrote in place of earlier messages. */
export interface SummaryBlock {
  type: "summary";
  text: string;
  /** How many original messages this summary replaces, when known. */
  replacedMessages?: number;
  /** Id of the checkpoint that produced it. */
  checkpointId?: string;
  extra?: Extra;
}

/**
 * A provider block or item the neutral model does not interpret: Anthropic server tool blocks, documents and
 * search results; OpenAI audio, files and refusals; Responses web search calls, compaction items and item
 * references. Written back verbatim, and only to the format it came from. Token estimators can count the
 * JSON of {@link OpaqueBlock.value}.
 */
export interface OpaqueBlock {
  type: "opaque";
  /** The format {@link OpaqueBlock.value} is spelled in. */
  format: ProviderFormat;
  /** The provider's block or item, exactly as given. */
  value: unknown;
}

/** Any content block. */
export type Block =
  | TextBlock
  | ImageBlock
  | ToolCallBlock
  | ToolResultBlock
  | ThinkingBlock
  | SummaryBlock
  | OpaqueBlock;

/** Neutral roles. OpenAI `tool` messages become `tool` messages holding {@link ToolResultBlock}s. */
export type Role = "system" | "user" | "assistant" | "tool";

/** One message of the conversation. */
export interface Message {
  role: Role;
  content: Block[];
  /** Never removed by a strategy. */
  pinned?: boolean;
  extra?: Extra;
  /** How the wire format spelled the content and role. */
  wire?: WireForm;
}

/** A tool the model may call. `parameters` is its JSON schema. */
export interface ToolDefinition {
  name: string;
  description?: string;
  parameters?: unknown;
  cacheControl?: CacheControl;
  extra?: Extra;
}

/** A whole request in neutral form. */
export interface Conversation {
  format: ProviderFormat;
  model?: string;
  /** System prompt / instructions, when the format keeps them apart from messages. */
  system?: Block[];
  messages: Message[];
  tools?: ToolDefinition[];
  /** Every other request field (max_tokens, temperature, stream, ...), kept as given. */
  extra?: Extra;
  /** How the wire format spelled the system prompt and the message list. */
  wire?: ConversationWireForm;
}

/** How a request spelled its system prompt and messages; absent fields mean a list. */
export interface ConversationWireForm {
  /** Anthropic `system` was a plain string. */
  system?: "string";
  /** Responses `input` was a plain string (`"string"`) or missing (`"absent"`). */
  input?: "string" | "absent";
}

/**
 * Token usage of one call, normalised across providers. All prompt counts are disjoint:
 * `promptTokens = inputTokens + cacheReadTokens + cacheWrite5mTokens + cacheWrite1hTokens`.
 */
export interface Usage {
  /** Prompt tokens neither read from nor written to the cache. */
  inputTokens: number;
  cacheReadTokens: number;
  /** Cache writes with the 5-minute TTL (OpenAI GPT-5.6+ writes are counted here). */
  cacheWrite5mTokens: number;
  cacheWrite1hTokens: number;
  /** All output tokens, reasoning included (reasoning is billed as output). */
  outputTokens: number;
  /** The reasoning share of {@link Usage.outputTokens}. */
  reasoningTokens: number;
  /** Dollars the provider itself reported for the call (OpenRouter `usage.cost`), when present. */
  reportedCostUsd?: number;
}

/** One recorded API call inside a transcript. */
export interface RecordedCall {
  /** Messages `[promptStart, promptEnd)` of {@link Transcript.messages} were the prompt of this call. */
  promptStart: number;
  promptEnd: number;
  /** Index of the assistant message this call produced, or -1 when the log did not keep it. */
  responseIndex: number;
  model?: string;
  /** Milliseconds since the epoch, when the log has timestamps. */
  timestamp?: number;
  /** Usage the provider reported, normalised. Absent when the log has none. */
  usage?: Usage;
  /** Provider response id (Claude Code `message.id`), when known. */
  responseId?: string;
}

/** Formats the importers read. */
export type TranscriptFormat =
  | "mini-swe-agent"
  | "swe-agent"
  | "openai-chat"
  | "tau-bench"
  | "anthropic-messages"
  | "claude-code"
  | "openhands"
  | "openhands-llm-log"
  | "codex"
  | "pi"
  | "compactor-events";

/** A recorded session, provider-neutral, with the calls that were made along it. */
export interface Transcript {
  /** The file it was read from. */
  file: string;
  /** Stable id: the file name plus an index or agent id for sessions inside one file. */
  id: string;
  format: TranscriptFormat;
  /** The wire format the session used, so strategies and the cache model know the provider's rules. */
  provider: ProviderFormat;
  /** The main model of the session. */
  model?: string;
  system?: Block[];
  tools?: ToolDefinition[];
  messages: Message[];
  calls: RecordedCall[];
  /** Provider-side compactions seen in the log (Claude Code `compact_boundary`). */
  compactions?: Array<{ messageIndex: number; preTokens?: number; timestamp?: number }>;
  /** Subagent / sidechain sessions recorded inside the same file or beside it. */
  subsessions?: Transcript[];
  /** Totals the log states for itself (SWE-agent keeps only these), for reporting. */
  statedTotals?: { promptTokens?: number; outputTokens?: number; costUsd?: number; calls?: number };
  /** Facts the log states about the session (task id, reward, exit status, instance id), kept as given. */
  metadata?: Extra;
}
