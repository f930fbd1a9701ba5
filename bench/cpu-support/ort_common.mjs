// ===- ort_common.mjs - ONNX Runtime helpers of the CPU benchmark ----------=== //
//
// Shared by ort_bench.mjs and ort_check_cache.mjs: loads onnxruntime-node
// from tools/ort (scripts/install-ort.sh), opens CPU FP32 sessions with a
// given intra-op thread count, makes the benchmark's deterministic token ids
// and runs the KV-cache graph of python/ost/export/kvcache.py step by step.
// ===---------------------------------------------------------------------=== //

import { createRequire } from "node:module";
import { existsSync } from "node:fs";

const require = createRequire(new URL("../../tools/ort/package.json", import.meta.url));

/** Prints `NAME: message` and exits with `status` (1: error, 2: ORT missing). */
export function die(name, message, status = 1) {
  console.error(`${name}: ${message}`);
  process.exit(status);
}

export function loadOrt(name) {
  try {
    return require("onnxruntime-node");
  } catch (e) {
    die(name, `onnxruntime-node is not installed (run scripts/install-ort.sh): ${e.message}`, 2);
  }
}

/** A CPU session, all graph optimizations, `threads` intra-op threads, sequential. */
export async function openSession(ort, name, path, threads) {
  if (!existsSync(path)) die(name, `${path}: no such file`);
  const opts = {
    executionProviders: ["cpu"],
    graphOptimizationLevel: "all",
    executionMode: "sequential",
    interOpNumThreads: 1,
  };
  if (threads > 0) opts.intraOpNumThreads = threads;
  try {
    return await ort.InferenceSession.create(path, opts);
  } catch (e) {
    die(name, `${path}: ${e.message ?? e}`);
  }
}

/** The last dimension of output `logits` (the vocabulary). */
export function vocabSize(session) {
  const meta = (session.outputMetadata ?? []).find((m) => m.name === "logits");
  const v = meta?.shape?.[meta.shape.length - 1];
  if (!Number.isInteger(v)) throw new Error("the model has no logits output with a fixed vocabulary size");
  return v;
}

/** The benchmark's token ids: id(i) = (i * 7919 + 1) mod vocab, for i in [start, start + n). */
export function benchTokens(n, vocab, start = 0) {
  const ids = new Array(n);
  for (let i = 0; i < n; i++) ids[i] = ((start + i) * 7919 + 1) % vocab;
  return ids;
}

/** Parses --name value options into `defaults` (numbers stay numbers). */
export function parseOptions(name, argv, defaults, usage) {
  const a = { ...defaults };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    if (k === "-h" || k === "--help") {
      console.log(usage);
      process.exit(0);
    }
    const key = k.startsWith("--") ? k.slice(2) : null;
    if (key === null || !(key in defaults)) die(name, `unknown argument ${k}\n${usage}`);
    if (i + 1 >= argv.length) die(name, `${k} needs a value`);
    const v = argv[++i];
    if (typeof defaults[key] === "number") {
      if (!/^\d+$/.test(v)) die(name, `${k} must be a non-negative integer, got ${v}`);
      a[key] = Number(v);
    } else {
      a[key] = v;
    }
  }
  return a;
}

/** Runs the KV-cache graph: inputs input_ids, past_key_<i>/past_value_<i>. */
export class CacheRunner {
  constructor(ort, session) {
    this.ort = ort;
    this.session = session;
    this.pastNames = session.inputNames.filter((n) => n.startsWith("past_"));
    if (!this.pastNames.length) throw new Error("the model has no past_* inputs (not a KV-cache graph)");
    this.pastShapes = this.pastNames.map((n) => {
      const meta = session.inputMetadata.find((m) => m.name === n);
      return meta.shape.map((d) => (Number.isInteger(d) ? d : 0)); // the past length starts at 0
    });
    this.reset();
  }

  reset() {
    this.past = this.pastNames.map(
      (n, i) => new this.ort.Tensor("float32", new Float32Array(0), this.pastShapes[i]));
    this.position = 0;
  }

  /** Runs `ids` (numbers) after the cached positions; returns the logits tensor [1, T, V]. */
  async step(ids) {
    const feeds = {
      input_ids: new this.ort.Tensor("int64", BigInt64Array.from(ids.map(BigInt)), [1, ids.length]),
    };
    this.pastNames.forEach((n, i) => (feeds[n] = this.past[i]));
    const out = await this.session.run(feeds);
    this.past = this.pastNames.map((n) => out[n.replace("past_", "present_")]);
    this.position += ids.length;
    return out.logits;
  }
}

/** Runs the full (no-cache) graph on `ids`; returns the logits tensor [1, T, V]. */
export async function runFull(ort, session, ids) {
  const feeds = { input_ids: new ort.Tensor("int64", BigInt64Array.from(ids.map(BigInt)), [1, ids.length]) };
  return (await session.run(feeds)).logits;
}
