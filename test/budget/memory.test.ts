import { memoryBudgetLedger } from "../../src/budget/index.js";
import { describeLedger } from "./suite.js";

describeLedger("memory", (options) => memoryBudgetLedger(options));
