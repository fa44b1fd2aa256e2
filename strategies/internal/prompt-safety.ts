/**
 * Keeping text from an agent's session from acting as instructions where compactor re-uses it: in a summary
 * the agent will read as a user message (the extractive fallback), and in the data blocks of a summarizer prompt.
 *
 * @module
 */

/** Zero-width and invisible formatting characters that can split a word without showing. */
const invisible = /[\u00AD\u180E\u200B-\u200F\u202A-\u202E\u2060-\u2064\uFEFF]/g;

/**
 * The text as a reader sees it, for finding look-alikes: compatibility forms folded (full-width `＜` is `<`,
 * `ｔ` is `t`) and invisible characters removed.
 */
export function visibleForm(text: string): string {
  return text.normalize("NFKC").replace(invisible, "");
}

/** True when the text holds characters that {@link visibleForm} changes. */
export function hasLookalikes(text: string): boolean {
  // Only non-ASCII text can change (NFKC and the invisible characters are all outside ASCII).
  for (let index = 0; index < text.length; index++) if (text.charCodeAt(index) > 0x7f) return true;
  return false;
}

/** Lines that read like instructions to a model rather than like program output. */
const instructionPattern = new RegExp(
  [
    String.raw`\b(?:ignore|disregard|forget|override|bypass)\b[^\n]{0,60}\b(?:instructions?|prompts?|rules|guidelines|above|previous|prior|earlier|system)\b`,
    String.raw`\b(?:new|updated|real|actual|hidden)\s+(?:instructions?|system\s+prompt|task)\b`,
    String.raw`\byou\s+(?:must|should|are\s+now|will\s+now|have\s+to|need\s+to)\b`,
    String.raw`\b(?:system\s+prompt|jailbreak|developer\s+mode)\b`,
    String.raw`^\s*(?:system|assistant|developer)\s*:`,
    String.raw`<\s*/?\s*(?:system|instructions?|transcript|previous_summary)\b`,
  ].join("|"),
  "im",
);

/** True when a line of tool output reads like an instruction to a model (prompt injection). */
export function looksLikeInstruction(line: string): boolean {
  return instructionPattern.test(hasLookalikes(line) ? visibleForm(line) : line);
}

/** What an instruction-like line of tool output is replaced with in an extractive summary. */
export const withheldLine =
  "[a line of tool output that reads like an instruction to the model was left out]";
