/**
 * Lenient model names: the spellings under which a model may appear in a request, a log or a router's
 * config, turned into the ordered list of names to look up in the price data.
 *
 * Handled: routing prefixes (`anthropic/`, `openrouter/google/`, `litellm_proxy/anthropic/`, Portkey's
 * `@google/`), cloud vendor prefixes (`us.anthropic.`), dated suffixes (`-20250514`, `-2025-05-14`,
 * `@20250514`), Bedrock version suffixes (`-v1:0`), `-latest`, and OpenRouter variants (`:beta`,
 * `:thinking`, `:free`, ...).
 *
 * @module
 */

/** One name to try, with the provider its routing prefix names, if any. */
export interface NameCandidate {
  name: string;
  providerHint?: string;
}

const openRouterVariant = /:(?:beta|thinking|free|extended|online|nitro|floor|exacto)$/;
const vendorDotPrefix =
  /^(?:[a-z]{2,4}\.)?(?:anthropic|meta|amazon|mistral|cohere|ai21|deepseek|openai|google)\./;
const versionSuffixes = [/-v\d+(?::\d+)?$/, /@\d{8}$/, /-\d{8}$/, /-\d{4}-\d{2}-\d{2}$/, /-latest$/];

/** Lower-cases and trims a model name and drops a Portkey-style leading `@`. */
export function normaliseModelName(model: string): string {
  return model.trim().toLowerCase().replace(/^@/, "");
}

/** The name with version, date and variant suffixes removed one after another, most specific first. */
function strippedForms(name: string): string[] {
  const forms: string[] = [];
  let current = name;
  for (const pattern of [openRouterVariant, vendorDotPrefix, ...versionSuffixes]) {
    const next = current.replace(pattern, "");
    if (next !== current && next.length > 0) {
      forms.push(next);
      current = next;
    }
  }
  return forms;
}

/**
 * Names to look up for `model`, best first: the name as given, then each shorter tail after a `/`
 * (with the segment before it as a provider hint), then the same with suffixes stripped.
 *
 * @param provider - A provider the caller asked for; tried before any hint.
 */
export function nameCandidates(model: string, provider?: string): NameCandidate[] {
  const normal = normaliseModelName(model);
  const candidates: NameCandidate[] = [];
  const seen = new Set<string>();
  const add = (name: string, providerHint: string | undefined): void => {
    const key = `${providerHint ?? ""}\u0000${name}`;
    if (name.length === 0 || seen.has(key)) return;
    seen.add(key);
    candidates.push(providerHint === undefined ? { name } : { name, providerHint });
  };
  const hints = (segmentHint: string | undefined): Array<string | undefined> =>
    [provider, segmentHint, undefined].filter((hint, index, all) => all.indexOf(hint) === index);

  const segments = normal.split("/").filter((segment) => segment.length > 0);
  for (const hint of hints(undefined)) add(normal, hint);
  for (let start = segments.length - 1; start >= 0; start--) {
    const tail = segments.slice(start).join("/");
    for (const hint of hints(start > 0 ? segments[start - 1] : undefined)) add(tail, hint);
  }
  for (const candidate of [...candidates]) {
    for (const form of strippedForms(candidate.name)) add(form, candidate.providerHint);
  }
  return candidates;
}

/**
 * Splits a model name into its routing prefix (everything up to and including the last `/`, as written)
 * and its bare name, so that a sibling can be named the same way.
 */
export function splitRoutingPrefix(model: string): { prefix: string; bare: string } {
  const trimmed = model.trim();
  const slash = trimmed.lastIndexOf("/");
  return slash < 0
    ? { prefix: "", bare: trimmed }
    : { prefix: trimmed.slice(0, slash + 1), bare: trimmed.slice(slash + 1) };
}
