import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterEach, describe, expect, it, vi } from "vitest";
import { cli } from "../support/cli.js";

afterEach(() => vi.restoreAllMocks());
// Each test replays the sample sessions (up to 250 calls, every strategy): seconds alone, far more on a busy
// machine; give them room rather than fail on load.
vi.setConfig({ testTimeout: 120_000 });

/** Debian's `chromium` (CI installs it); the browser tests skip, saying so, when it is absent. */
function findChromium(): string | undefined {
  for (const name of ["chromium", "chromium-browser", "google-chrome"]) {
    const found = spawnSync("which", [name], { encoding: "utf8" });
    if (found.status === 0 && found.stdout.trim() !== "") return found.stdout.trim();
  }
  return undefined;
}

const chromium = findChromium();
const strategies = ["none", "default", "masking-every-call", "summary-every-21", "sliding-window"];

async function writeReport(): Promise<{ file: string; html: string; folder: string }> {
  const folder = mkdtempSync(join(tmpdir(), "compactor-html-"));
  const file = join(folder, "report.html");
  const { code, stdout } = await cli("bench", "--strategies", strategies.join(","), "--html", file);
  expect(code).toBe(0);
  expect(stdout).toContain(`HTML report: ${file}`);
  return { file, html: readFileSync(file, "utf8"), folder };
}

function headless(folder: string, ...args: string[]): { status: number | null; stdout: string } {
  const run = spawnSync(
    chromium as string,
    [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
      `--user-data-dir=${join(folder, "profile")}`,
      ...args,
    ],
    { encoding: "utf8", timeout: 90_000, maxBuffer: 64 * 1024 * 1024 },
  );
  return { status: run.status, stdout: run.stdout };
}

describe("compactor bench --html", () => {
  it("writes one self-contained file: no external scripts, styles, images or fonts", async () => {
    const { html } = await writeReport();
    expect(html.startsWith("<!doctype html>")).toBe(true);
    expect(html).not.toMatch(/\b(?:src|href)\s*=\s*["']?(?:https?:)?\/\//i);
    expect(html).not.toMatch(/@import|url\(\s*["']?(?:https?:)?\/\//i);
    expect(html).not.toMatch(/fetch\(|XMLHttpRequest|import\(/);
    // The data the charts are drawn from is embedded.
    expect(html).toMatch(/<script id="data" type="application\/json">\{/);
  });

  it.skipIf(!chromium)(
    "draws its charts in headless Chromium (skipped when `chromium` is not installed)",
    async () => {
      const { file, folder } = await writeReport();
      const { status, stdout: dom } = headless(folder, "--dump-dom", pathToFileURL(file).href);
      expect(status).toBe(0);
      expect(dom).toMatch(/<body[^>]*data-charts-drawn="true"/);
      for (const chart of ["cost", "context"]) {
        const section = dom.slice(dom.indexOf(`id="${chart}"`));
        const svg = section.slice(0, section.indexOf("</svg>"));
        for (const name of strategies)
          expect(svg, `${chart}: ${name}`).toMatch(new RegExp(`<path [^>]*data-strategy="${name}"`));
      }
      const scatter = dom.slice(dom.indexOf('id="scatter"'));
      const circles = scatter.slice(0, scatter.indexOf("</svg>")).match(/<circle /g) ?? [];
      expect(circles.length).toBe(strategies.length);
    },
  );

  it.skipIf(!chromium)(
    "fits a phone: no sideways scroll at 420 px, round axis ticks, a hover title on every point (skipped without `chromium`)",
    async () => {
      const { file, folder } = await writeReport();
      for (const width of [420, 1280]) {
        const { status, stdout: dom } = headless(
          folder,
          `--window-size=${width},900`,
          "--dump-dom",
          pathToFileURL(file).href,
        );
        expect(status).toBe(0);
        expect(dom, `${width} px`).toMatch(/<body[^>]*data-overflow="false"/);
        expect(dom).toMatch(/<body[^>]*data-charts-drawn="true"/);
        const scatter = dom.slice(dom.indexOf('id="scatter"'));
        const svg = scatter.slice(0, scatter.indexOf("</svg>"));
        // Every point names its strategy on hover.
        expect(svg.match(/<circle [^>]*><title>[^<]+<\/title><\/circle>/g)?.length).toBe(strategies.length);
        // Axis ticks are round: percentages are multiples of 1, 2, 2.5 or 5 times a power of ten, no "-0%".
        const percents = [...svg.matchAll(/>(-?\d+(?:\.\d+)?)%</g)].map((match) => Number(match[1]));
        expect(percents.length).toBeGreaterThan(2);
        expect(svg).not.toContain(">-0%<");
        const steps = new Set(
          percents.slice(1).map((value, index) => +(value - (percents[index] as number)).toFixed(6)),
        );
        expect([...steps], "evenly spaced ticks").toHaveLength(1);
        const step = [...steps][0] as number;
        const mantissa = +(step / 10 ** Math.floor(Math.log10(step))).toFixed(6);
        expect([1, 2, 2.5, 5], `tick step ${step}`).toContain(mantissa);
      }
    },
  );

  it.skipIf(!chromium)("renders to a screenshot (skipped when `chromium` is not installed)", async () => {
    const { file, folder } = await writeReport();
    const png = join(folder, "report.png");
    const { status } = headless(
      folder,
      `--screenshot=${png}`,
      "--window-size=1200,2200",
      pathToFileURL(file).href,
    );
    expect(status).toBe(0);
    const bytes = readFileSync(png);
    expect(bytes.subarray(1, 4).toString("latin1")).toBe("PNG");
    expect(bytes.length).toBeGreaterThan(20_000);
  });
});
