#!/usr/bin/env node
// ===- run_ort.mjs - run an exported LLaMA ONNX model with ONNX Runtime ----=== //
//
//   node test/ort/run_ort.mjs MODEL.onnx --tokens 1,403,407,261,378 [--out logits.bin]
//                              [--batch N] [--threads N] [--input input_ids] [--output logits]
//
// Feeds `input_ids` int64 [batch, T] (the token list repeated `batch` times),
// prints the output shape and checksums, and writes the float32 logits
// (little-endian, row-major) to --out. Install first: scripts/install-ort.sh.
// Exit status: 0 ok, 1 bad arguments or a runtime error, 2 onnxruntime missing.
// ===---------------------------------------------------------------------=== //

import { createRequire } from "node:module";
import { writeFileSync, existsSync } from "node:fs";
import { performance } from "node:perf_hooks";

// onnxruntime-node is installed in tools/ort (scripts/install-ort.sh).
const require = createRequire(new URL("../../tools/ort/package.json", import.meta.url));

function usage(msg) {
  if (msg) console.error(`run_ort: ${msg}`);
  console.error(
    "usage: node test/ort/run_ort.mjs MODEL.onnx --tokens 1,403,... [--out logits.bin] " +
      "[--batch N] [--threads N] [--input NAME] [--output NAME]");
  process.exit(1);
}

function parseArgs(argv) {
  const a = { model: null, tokens: null, out: null, batch: 1, threads: 1, input: "input_ids", output: null };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    const val = () => {
      if (i + 1 >= argv.length) usage(`${k} needs a value`);
      return argv[++i];
    };
    if (k === "--tokens") a.tokens = val();
    else if (k === "--out") a.out = val();
    else if (k === "--batch") a.batch = Number(val());
    else if (k === "--threads") a.threads = Number(val());
    else if (k === "--input") a.input = val();
    else if (k === "--output") a.output = val();
    else if (k === "-h" || k === "--help") usage();
    else if (k.startsWith("--")) usage(`unknown option ${k}`);
    else if (a.model === null) a.model = k;
    else usage(`unexpected argument ${k}`);
  }
  if (!a.model) usage("no model given");
  if (!a.tokens) usage("--tokens is required");
  if (!Number.isInteger(a.batch) || a.batch < 1) usage("--batch must be a positive integer");
  if (!Number.isInteger(a.threads) || a.threads < 0) usage("--threads must be a non-negative integer");
  const toks = a.tokens.split(",").map((s) => s.trim()).filter((s) => s.length);
  if (!toks.length || toks.some((s) => !/^\d+$/.test(s))) usage(`--tokens: not a list of non-negative integers: ${a.tokens}`);
  a.tokens = toks.map((s) => BigInt(s));
  return a;
}

const args = parseArgs(process.argv.slice(2));
if (!existsSync(args.model)) usage(`${args.model}: no such file`);

let ort;
try {
  ort = require("onnxruntime-node");
} catch (e) {
  console.error(`run_ort: onnxruntime-node is not installed (run scripts/install-ort.sh): ${e.message}`);
  process.exit(2);
}

try {
  const opts = { executionProviders: ["cpu"], graphOptimizationLevel: "all" };
  if (args.threads > 0) opts.intraOpNumThreads = args.threads;
  const t0 = performance.now();
  const session = await ort.InferenceSession.create(args.model, opts);
  const t1 = performance.now();
  const T = args.tokens.length;
  const ids = new BigInt64Array(args.batch * T);
  for (let b = 0; b < args.batch; b++) for (let t = 0; t < T; t++) ids[b * T + t] = args.tokens[t];
  const feeds = { [args.input]: new ort.Tensor("int64", ids, [args.batch, T]) };
  const results = await session.run(feeds);
  const t2 = performance.now();
  const outName = args.output ?? session.outputNames[0];
  const out = results[outName];
  if (!out) throw new Error(`no output named ${outName} (outputs: ${session.outputNames.join(", ")})`);
  if (out.type !== "float32") throw new Error(`output ${outName} is ${out.type}, expected float32`);
  const data = out.data;
  let sum = 0, absSum = 0, finite = true;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (!Number.isFinite(v)) finite = false;
    sum += v;
    absSum += Math.abs(v);
  }
  // argmax over the last axis at the last position of the first batch row
  const V = out.dims[out.dims.length - 1];
  const last = data.subarray((T - 1) * V, T * V);
  let arg = 0;
  for (let i = 1; i < last.length; i++) if (last[i] > last[arg]) arg = i;
  console.log(`model: ${args.model}`);
  console.log(`output: ${outName} shape [${out.dims.join(", ")}] float32`);
  console.log(`checksum: sum ${sum.toFixed(6)} abs_sum ${absSum.toFixed(6)} finite ${finite}`);
  console.log(`argmax_last: ${arg}`);
  console.log(`time: load ${(t1 - t0).toFixed(1)} ms, run ${(t2 - t1).toFixed(1)} ms (onnxruntime-node ${ort.env.versions?.common ?? "?"})`);
  if (args.out) {
    writeFileSync(args.out, Buffer.from(data.buffer, data.byteOffset, data.byteLength));
    console.log(`wrote ${args.out} (${data.byteLength} bytes)`);
  }
} catch (e) {
  console.error(`run_ort: ${args.model}: ${e.message ?? e}`);
  process.exit(1);
}
