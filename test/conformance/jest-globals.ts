/** The `jest` global of the official suites, as vitest's `vi` (what differs fails in every mode alike). */
import { vi } from "vitest";

const jest = Object.assign(Object.create(vi), {
  requireActual: (path: string) => vi.importActual(path),
  setTimeout: (ms: number) => vi.setConfig({ testTimeout: ms }),
  isolateModulesAsync: async (callback: () => Promise<void>) => {
    vi.resetModules();
    await callback();
  },
});
(globalThis as Record<string, unknown>).jest = jest;
