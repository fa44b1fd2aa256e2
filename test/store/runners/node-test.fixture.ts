/**
 * The contract kit under node:test (no vitest): `node --import tsx --test` runs this file. The store is the
 * memory store, or a flawed one when `FLAW` names a flaw (see ../flawed-stores.ts).
 */
import { describe, it } from "node:test";
import { memoryStore } from "../../../src/store/index.js";
import { sessionStoreContract } from "../../../src/testing/index.js";
import { type Flaw, flawedStore } from "../flawed-stores.js";

const flaw = process.env.FLAW as Flaw | undefined;
sessionStoreContract(() => (flaw ? flawedStore(flaw) : memoryStore()), { describe, it });
