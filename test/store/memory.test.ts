import { memoryStore } from "../../src/store/index.js";
import { describeStore } from "./suite.js";

describeStore("memory", () => ({ store: memoryStore() }));
