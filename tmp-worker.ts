import { parentPort } from "node:worker_threads";
const x: number = 2;
parentPort?.postMessage(x);
