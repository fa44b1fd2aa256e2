/**
 * The default model that writes summaries: a cheaper sibling of the session's model.
 *
 * @module
 */

/**
 * The cheaper sibling used to summarize for `model`, keeping a routing prefix such as `anthropic/`:
 * Claude Opus and Sonnet → `claude-haiku-4-5`; GPT-5 and GPT-5.x → `gpt-5-mini`; GPT-5 mini → `gpt-5-nano`;
 * any other model (already the cheapest, or unknown) → itself.
 */
export function summarizerModelFor(model: string): string {
  const slash = model.lastIndexOf("/");
  const prefix = slash >= 0 ? model.slice(0, slash + 1) : "";
  const bare = model.slice(slash + 1).toLowerCase();
  if (/^claude-.*(opus|sonnet)/.test(bare)) return `${prefix}claude-haiku-4-5`;
  if (/^gpt-5(\.\d+)?-mini\b/.test(bare)) return `${prefix}gpt-5-nano`;
  if (/^gpt-5(\.\d+)?(-\d{4}-\d{2}-\d{2})?$/.test(bare)) return `${prefix}gpt-5-mini`;
  return model;
}
