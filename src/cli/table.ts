/**
 * Plain-text tables for the CLI.
 *
 * @module
 */

/** A column: its heading, how to read a cell from a row, and its alignment. */
export interface Column<Row> {
  heading: string;
  cell: (row: Row) => string;
  align?: "left" | "right";
}

/** Renders rows as an aligned text table with a rule under the heading. */
export function renderTable<Row>(rows: readonly Row[], columns: ReadonlyArray<Column<Row>>): string {
  const cells = rows.map((row) => columns.map((column) => column.cell(row)));
  const widths = columns.map((column, index) =>
    Math.max(column.heading.length, ...cells.map((line) => line[index]?.length ?? 0)),
  );
  const format = (line: readonly string[]) =>
    line
      .map((text, index) => {
        const width = widths[index] ?? 0;
        return columns[index]?.align === "left" ? text.padEnd(width) : text.padStart(width);
      })
      .join("  ")
      .trimEnd();
  const heading = format(columns.map((column) => column.heading));
  const rule = widths.map((width) => "-".repeat(width)).join("  ");
  return [heading, rule, ...cells.map(format)].join("\n");
}

/** `$1.2345`, or `unknown` for a missing price. */
export function formatUsd(value: number | null | undefined, digits = 4): string {
  return value === null || value === undefined ? "unknown" : `$${value.toFixed(digits)}`;
}

/** `12,345`. */
export function formatInt(value: number): string {
  return Math.round(value).toLocaleString("en-US");
}

/** `42.0%`. */
export function formatPercent(value: number | null | undefined, digits = 1): string {
  return value === null || value === undefined || !Number.isFinite(value)
    ? "-"
    : `${(value * 100).toFixed(digits)}%`;
}
