/**
 * Per-model caching rules: Anthropic's minimum cacheable prefix and which OpenAI models take explicit
 * breakpoints. Sources: docs.anthropic.com prompt-caching and developers.openai.com prompt-caching, as
 * summarised in ECONOMICS.md.
 *
 * @module
 */

/** Minimum when the model is not recognised (the most common documented value). */
export const defaultAnthropicMinimumTokens = 1024;

interface ClaudeVersion {
  family: "opus" | "sonnet" | "haiku";
  major: number;
  minor: number;
}

/** Reads family and version from `claude-opus-4-6`, `claude-3-5-haiku-20241022`, `anthropic/claude-sonnet-4.5`. */
export function parseClaudeModel(model: string): ClaudeVersion | undefined {
  const name = model.toLowerCase().replace(/\./g, "-");
  const modern = /claude-(opus|sonnet|haiku)-(\d+)(?:-(\d{1,2}))?(?=-|$|@|:)/.exec(name);
  if (modern) {
    return {
      family: modern[1] as ClaudeVersion["family"],
      major: Number(modern[2]),
      minor: Number(modern[3] ?? 0),
    };
  }
  const legacy = /claude-(\d+)(?:-(\d))?-(opus|sonnet|haiku)/.exec(name);
  if (legacy) {
    return {
      family: legacy[3] as ClaudeVersion["family"],
      major: Number(legacy[1]),
      minor: Number(legacy[2] ?? 0),
    };
  }
  return undefined;
}

/**
 * Shortest prefix (in tokens) that Anthropic caches for `model`; shorter breakpoints are silently not cached.
 * 4,096 for Opus 4.5/4.6 and Haiku 4.5; 2,048 for Opus 4.7 and the Haiku 3.x models; 512 for 5.x models;
 * 1,024 for Sonnet and Opus 4.0-4.4 and anything unrecognised. (Sources disagree on Sonnet 4.6: 1,024 or
 * 2,048; this uses 1,024. Pass `minimumCacheableTokens` to override.)
 */
export function anthropicMinimumCacheableTokens(model: string): number {
  const version = parseClaudeModel(model);
  if (version === undefined) return defaultAnthropicMinimumTokens;
  const { family, major, minor } = version;
  if (major >= 5) return 512;
  if (family === "haiku") return major === 4 && minor >= 5 ? 4096 : major === 3 ? 2048 : 1024;
  if (family === "opus" && major === 4) {
    if (minor === 5 || minor === 6) return 4096;
    if (minor === 7) return 2048;
  }
  return defaultAnthropicMinimumTokens;
}

/** True for OpenAI models that take explicit cache breakpoints with a write premium (GPT-5.6 and later). */
export function openAIHasExplicitBreakpoints(model: string): boolean {
  const match = /gpt-(\d+)(?:[.-](\d{1,2})(?!\d))?/.exec(model.toLowerCase());
  if (!match) return false;
  const major = Number(match[1]);
  const minor = Number(match[2] ?? 0);
  return major > 5 || (major === 5 && minor >= 6);
}
